// @ts-check
// locusta's web UI, the page's entry module: plain JavaScript modules, no
// build step. It draws the header (state, users, RPS, failures) and its
// buttons (edit, stop, reset, new test, theme), shows the start form or the
// dashboard, and polls the server: the statistics every 2 s, the
// exceptions, the task ratio and the logs every 5 s (the last two while
// their tab is shown). What each part of the page does is in its module in
// js/; every piece of markup made from data goes through js/html.js.
import { getJson, post, postSwarm } from "./js/api.js";
import { fmtNumber } from "./js/format.js";
import { dialog, initStartForm } from "./js/form.js";
import { $, field, showError } from "./js/html.js";
import { initStatsTable, setStats } from "./js/stats-table.js";
import { args, currentTheme, page } from "./js/store.js";
import { initCharts, openEndpointChart, redrawCharts, refreshHistory } from "./js/tab-charts.js";
import { renderDownloads } from "./js/tab-downloads.js";
import { refreshExceptions } from "./js/tab-exceptions.js";
import { addExtendedTabs, renderExtendedStats } from "./js/tab-extended.js";
import { renderFailures } from "./js/tab-failures.js";
import { refreshLogs } from "./js/tab-logs.js";
import { refreshRatio, renderRatio } from "./js/tab-ratio.js";
import { renderGenerator } from "./js/generator.js";
import { renderWorkers } from "./js/tab-workers.js";
import { renderThresholds } from "./js/thresholds.js";
import { onShow, showTab, wireTabs } from "./js/tabs.js";

const POLL_MS = 2000;
const SLOW_POLL_MS = 5000;

// ---------- theme (the page sets it before this module loads) ----------
$("theme-toggle").addEventListener("click", () => {
  const next = currentTheme() === "dark" ? "light" : "dark";
  document.documentElement.setAttribute("data-theme", next);
  try { localStorage.setItem("locusta-theme", next); } catch (e) { /* private mode */ }
  redrawCharts();
  renderDownloads();
});

// ---------- state: which buttons, the form or the dashboard ----------
/** @param {string} state the runner's */
function applyState(state) {
  page.state = state;
  const status = $("status");
  status.textContent = state;
  status.className = "state " + state;
  const active = state === "running" || state === "spawning";
  $("edit-button").hidden = !active || !!args.has_shape;
  $("stop-button").hidden = !active;
  $("reset-button").hidden = state === "ready";
  $("new-test-button").hidden = !(state === "stopped");
  $("start-view").hidden = !page.showForm;
  $("dashboard").hidden = page.showForm;
  $("cancel-start").hidden = state === "ready";
}

/**
 * The start form's test has started.
 * @param {string | null | undefined} host the server's host now
 */
async function started(host) {
  if (host) $("header-host").textContent = host;
  page.showForm = false;
  applyState("spawning");
  await refreshHistory(true);
  poll();
}

$("cancel-start").addEventListener("click", () => {
  page.showForm = false;
  applyState(page.state);
});

$("new-test-button").addEventListener("click", () => {
  page.showForm = true;
  $("start-title").textContent = "Start a new load test";
  showError($("form-error"), "");
  applyState(page.state);
});

// ---------- edit, stop, reset ----------
$("edit-button").addEventListener("click", () => {
  field("edit-user_count").value = field("user_count").value || String(page.lastStats ? page.lastStats.user_count : 1);
  field("edit-spawn_rate").value = field("spawn_rate").value || "1";
  showError($("edit-error"), "");
  dialog("edit-dialog").showModal();
});
$("edit-cancel").addEventListener("click", () => dialog("edit-dialog").close());
$("edit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("edit-error");
  const users = field("edit-user_count").value.trim();
  const rate = field("edit-spawn_rate").value.trim();
  if (!/^\d+$/.test(users)) return showError(error, "Enter a whole number of users.");
  if (!(Number(rate) > 0)) return showError(error, "Enter a ramp up greater than 0.");
  const answer = await postSwarm(new URLSearchParams({ user_count: users, spawn_rate: rate }));
  if (!answer.success) return showError(error, answer.message || "");
  field("user_count").value = users;
  field("spawn_rate").value = rate;
  dialog("edit-dialog").close();
  poll();
});

$("stop-button").addEventListener("click", async () => {
  await post("/stop");
  poll();
});

$("reset-button").addEventListener("click", async () => {
  await post("/stats/reset");
  poll();
});

// ---------- polling ----------
async function poll() {
  try {
    /** @type {import("./js/api.js").StatsAnswer} */
    const data = await getJson("/stats/requests");
    page.lastStats = data;
    if (data.state !== page.state) {
      if (data.state === "ready") page.showForm = true;
      else if (page.state === "ready") page.showForm = false;
      applyState(data.state);
    }
    $("header-users").textContent = fmtNumber(data.user_count, 0);
    $("header-rps").textContent = fmtNumber(data.current_rps, 1);
    $("header-fail").textContent = fmtNumber(data.fail_ratio * 100, 1) + "%";
    setStats(data.stats);
    renderFailures(data.errors);
    renderWorkers(data);
    renderGenerator(data.generator);
    renderExtendedStats(data.extended_stats);
    renderThresholds(data.thresholds);
    $("offline").hidden = true;
  } catch (e) {
    // The process may have ended or be restarting: say so, keep polling.
    $("offline").hidden = false;
  }
  await refreshHistory(false);
}

// The tab bar sticks under the header, whatever its height.
function measureTopbar() {
  const bar = /** @type {HTMLElement} */ (document.querySelector(".topbar"));
  document.documentElement.style.setProperty("--topbar-height", bar.offsetHeight + "px");
}
window.addEventListener("resize", measureTopbar);

addExtendedTabs();
wireTabs();
onShow("logs", refreshLogs);
initStatsTable((method, name) => {
  openEndpointChart(method, name);
  showTab("charts");
});
initCharts();
measureTopbar();
$("version").textContent = "locusta " + (args.version || "") + (args.locustfile ? " · " + args.locustfile : "");
$("header-host").textContent = args.host || "–";
$("header-users").textContent = fmtNumber(args.user_count || 0, 0);
if (args.is_distributed) {
  $("header-workers-box").hidden = false;
  $("workers-tab").hidden = false;
  $("header-workers").textContent = fmtNumber(args.worker_count || 0, 0);
}
initStartForm(started);
applyState(page.state);
renderRatio(args.tasks || { per_class: {}, total: {} });
renderDownloads();
poll();
refreshExceptions();
setInterval(poll, POLL_MS);
setInterval(() => {
  refreshExceptions();
  if (page.activeTab === "ratio") refreshRatio();
  if (page.activeTab === "logs") refreshLogs();
}, SLOW_POLL_MS);

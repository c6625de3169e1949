// @ts-check
// The Statistics tab: one row per request name, the Aggregated total in the
// footer. Every row is kept in memory, sorted and filtered there; only the
// rows in view (plus a margin) are in the DOM, between two spacer rows, so
// 10,000 names scroll smoothly. Columns can be hidden (the browser remembers
// which) and each name has a button that charts it alone.
import { fmtFixed, fmtMs, fmtNumber } from "./format.js";
import { $, html, render } from "./html.js";
import { page, remember, remembered } from "./store.js";
import { onShow } from "./tabs.js";

/** The height of a row, in pixels (as the style sheet draws it). */
const ROW_HEIGHT = 34;

/**
 * @typedef {object} Column
 * @property {string} key the row's field
 * @property {string} title
 * @property {string} [cls] a class of its cells
 * @property {boolean} [num] right-aligned, sorted as numbers (largest first)
 * @property {(value: any) => string} [fmt]
 */

/** @type {Column[]} */
const COLUMNS = [
  { key: "method", title: "Type" },
  { key: "name", title: "Name", cls: "name" },
  { key: "num_requests", title: "# Requests", num: true, fmt: (v) => fmtNumber(v, 0) },
  { key: "num_failures", title: "# Fails", num: true, fmt: (v) => fmtNumber(v, 0) },
  { key: "median_response_time", title: "Median (ms)", num: true, fmt: fmtMs },
  { key: "response_time_percentile_0.95", title: "95%ile (ms)", num: true, fmt: fmtMs },
  { key: "response_time_percentile_0.99", title: "99%ile (ms)", num: true, fmt: fmtMs },
  { key: "avg_response_time", title: "Average (ms)", num: true, fmt: fmtMs },
  { key: "min_response_time", title: "Min (ms)", num: true, fmt: fmtMs },
  { key: "max_response_time", title: "Max (ms)", num: true, fmt: fmtMs },
  { key: "avg_content_length", title: "Average size (bytes)", num: true, fmt: (v) => fmtNumber(v, 0) },
  { key: "current_rps", title: "Current RPS", num: true, fmt: (v) => fmtFixed(v, 1) },
  { key: "current_fail_per_sec", title: "Current failures/s", num: true, fmt: (v) => fmtFixed(v, 1) },
];

const HIDDEN_COLUMNS = "locusta-hidden-columns";

let sortKey = "name";
let sortAsc = true;
let filterText = "";
/** @type {Array<Record<string, any>>} every row but the total */
let rows = [];
/** @type {Record<string, any> | null} the Aggregated row */
let aggregated = null;
/** @type {Array<Record<string, any>>} the rows filtered and sorted */
let viewRows = [];
/** @type {string[]} the keys of the hidden columns */
let hiddenColumns = remembered(HIDDEN_COLUMNS, []);

const shownColumns = () => COLUMNS.filter((c) => c.key === "name" || hiddenColumns.indexOf(c.key) < 0);

const CHART_ICON = html`<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2 13h12M3 10l3-3 3 2 4-5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

/**
 * Draws the table and wires its header, filter, column menu and chart
 * buttons; `chart(method, name)` opens a request's chart.
 * @param {(method: string, name: string) => void} chart
 */
export function initStatsTable(chart) {
  render($("columns-list"), html`${COLUMNS.filter((c) => c.key !== "name").map((c) =>
    html`<label class="check"><input type="checkbox" data-column="${c.key}"${hiddenColumns.indexOf(c.key) < 0 && html` checked`}><span>${c.title}</span></label>`)}`);
  $("columns-list").addEventListener("change", (event) => {
    const box = /** @type {HTMLInputElement} */ (event.target);
    const key = box.dataset.column;
    if (!key) return;
    hiddenColumns = hiddenColumns.filter((k) => k !== key);
    if (!box.checked) hiddenColumns.push(key);
    remember(HIDDEN_COLUMNS, hiddenColumns);
    renderHead();
    rebuildView();
  });
  renderHead();
  $("stats-head").addEventListener("click", (event) => {
    const th = /** @type {HTMLElement} */ (event.target).closest("th");
    if (!th) return;
    const key = th.dataset.key || "";
    if (sortKey === key) sortAsc = !sortAsc;
    else { sortKey = key; sortAsc = !(COLUMNS.find((c) => c.key === key) || {}).num; }
    rebuildView();
  });
  $("stats-filter").addEventListener("input", (event) => {
    filterText = /** @type {HTMLInputElement} */ (event.target).value.trim().toLowerCase();
    rebuildView();
  });
  $("stats-scroll").addEventListener("scroll", () => renderStats());
  $("stats-table").addEventListener("click", (event) => {
    const link = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (event.target).closest(".chart-link"));
    if (!link) return;
    chart(link.dataset.method || "", link.dataset.name || "");
  });
  window.addEventListener("resize", () => renderStats());
  onShow("stats", renderStats);
}

/**
 * New statistics: every row, the Aggregated total last.
 * @param {Array<Record<string, any>>} stats
 */
export function setStats(stats) {
  aggregated = stats.length ? stats[stats.length - 1] : null;
  rows = stats.slice(0, -1);
  rebuildView();
}

function renderHead() {
  render($("stats-head"), html`${shownColumns().map((c) =>
    html`<th data-key="${c.key}" class="${c.num ? "num" : ""}">${c.title}</th>`)}`);
}

function rebuildView() {
  let list = rows;
  if (filterText) {
    list = list.filter((r) => (r.name + " " + r.method).toLowerCase().indexOf(filterText) >= 0);
  } else {
    list = list.slice();
  }
  const column = COLUMNS.find((c) => c.key === sortKey);
  const direction = sortAsc ? 1 : -1;
  list.sort((a, b) => {
    const x = a[sortKey], y = b[sortKey];
    if (column && column.num) return (x - y) * direction || (a.name < b.name ? -1 : 1);
    return String(x).localeCompare(String(y)) * direction;
  });
  viewRows = list;
  document.querySelectorAll("#stats-head th").forEach((th) => {
    const key = /** @type {HTMLElement} */ (th).dataset.key;
    th.classList.toggle("sorted-asc", key === sortKey && sortAsc);
    th.classList.toggle("sorted-desc", key === sortKey && !sortAsc);
  });
  $("stats-count").textContent = filterText
    ? viewRows.length.toLocaleString() + " of " + rows.length.toLocaleString() + " names"
    : rows.length.toLocaleString() + " names";
  renderStats();
}

/**
 * A row of the table (`total`: the footer's, without a method).
 * @param {Record<string, any>} row
 * @param {boolean} total
 */
function rowHtml(row, total) {
  return html`<tr>${shownColumns().map((c) => {
    const value = row[c.key];
    const classes = [c.num && "num", c.cls, c.key === "num_failures" && value > 0 && "fail"].filter(Boolean).join(" ");
    const text = c.fmt ? c.fmt(value) : (total && c.key === "method" ? "" : value);
    if (c.key === "name") {
      return html`<td class="${classes}" title="${value}"><button class="chart-link" data-method="${row.method}" data-name="${value}" title="Chart this request" aria-label="Chart this request">${CHART_ICON}</button>${text}</td>`;
    }
    return html`<td class="${classes}">${text}</td>`;
  })}</tr>`;
}

/** Draws the rows in view (when the tab is shown). */
function renderStats() {
  if (page.activeTab !== "stats" || $("dashboard").hidden) return;
  const scroll = $("stats-scroll");
  const visible = Math.ceil(scroll.clientHeight / ROW_HEIGHT) + 10;
  const first = Math.max(0, Math.floor(scroll.scrollTop / ROW_HEIGHT) - 5);
  const last = Math.min(viewRows.length, first + visible);
  /** @param {number} count */
  const spacer = (count) => count > 0 && html`<tr class="spacer" style="height:${count * ROW_HEIGHT}px"></tr>`;
  render($("stats-body"), html`${spacer(first)}${viewRows.slice(first, last).map((row) => rowHtml(row, false))}${spacer(viewRows.length - last)}`);
  render($("stats-foot"), html`${aggregated && rowHtml(aggregated, true)}`);
}

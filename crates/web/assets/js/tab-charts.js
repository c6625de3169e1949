// @ts-check
// The Charts tab: requests per second, response times (the percentiles the
// user picks, remembered by the browser) and users over the whole history
// the server keeps, and a chart of any single request opened from the
// Statistics tab (recorded by the server from then on; the browser
// remembers which are open, so a reload opens them again).
import { getJson } from "./api.js";
import { LineChart } from "./chart.js";
import { $, html, render } from "./html.js";
import { args, page, remember, remembered } from "./store.js";
import { onShow } from "./tabs.js";

const PERCENTILES = "locusta-chart-percentiles";
const ENDPOINTS = "locusta-endpoint-charts";

/** History rows: [time, users, rps, failures/s, one value per recorded percentile]. */
let history = (args.history || []).slice();
/** @type {number[]} */
let runStarts = (args.run_starts || []).slice();
const recorded = args.percentiles_recorded || [0.5, 0.95];
const percentileColors = ["--chart-3", "--chart-6", "--chart-1", "--chart-4", "--chart-5", "--chart-2"];

/** @param {number} q */
function percentileLabel(q) {
  return String(Math.round(q * 1000) / 10) + "th";
}

/** The percentiles the response-time chart shows: the user's choice, at first Locust's PERCENTILES_TO_CHART. */
function chosenPercentiles() {
  /** @type {unknown} */
  const chosen = remembered(PERCENTILES, null);
  const list = Array.isArray(chosen) ? chosen : args.percentiles_to_chart || [0.5, 0.95];
  return recorded.filter((q) => list.includes(q));
}

function percentileSeries() {
  const chosen = chosenPercentiles();
  return recorded.map((q, i) => ({ q, label: percentileLabel(q) + " percentile",
    color: percentileColors[i % percentileColors.length], index: 4 + i }))
    .filter((s) => chosen.includes(s.q));
}

/** @param {string} id */
const canvas = (id) => /** @type {HTMLCanvasElement} */ ($(id));
const ofHistory = () => history;
const ofRuns = () => runStarts;
const charts = [
  new LineChart(canvas("chart-rps"), [
    { label: "RPS", color: "--chart-1", index: 2 },
    { label: "Failures/s", color: "--chart-2", index: 3 },
  ], "", ofHistory, ofRuns),
  new LineChart(canvas("chart-times"), percentileSeries(), " ms", ofHistory, ofRuns),
  new LineChart(canvas("chart-users"), [
    { label: "Users", color: "--chart-1", index: 1 },
  ], "", ofHistory, ofRuns),
];

/**
 * A chart of one request.
 * @typedef {object} EndpointEntry
 * @property {string} method
 * @property {string} name
 * @property {number[][]} points [time, rps, failures/s, p50, p95, p99]
 * @property {HTMLElement} card
 * @property {LineChart[]} charts
 */

/** @type {Map<string, EndpointEntry>} by "METHOD name" */
const endpointCharts = new Map();

function allCharts() {
  let list = charts.slice();
  endpointCharts.forEach((entry) => { list = list.concat(entry.charts); });
  return list;
}

/** Redraws every chart (after a theme switch). */
export function redrawCharts() {
  allCharts().forEach((chart) => chart.draw());
}

/** Wires the percentile choice and opens the request charts open before. */
export function initCharts() {
  render($("percentile-choice"), html`${recorded.map((q) =>
    html`<label class="chip"><input type="checkbox" class="percentile-box" value="${q}"${chosenPercentiles().includes(q) && html` checked`}><span>${percentileLabel(q)}</span></label>`)}`);
  document.querySelectorAll(".percentile-box").forEach((box) => box.addEventListener("change", () => {
    const chosen = Array.from(document.querySelectorAll(".percentile-box:checked"))
      .map((b) => Number(/** @type {HTMLInputElement} */ (b).value));
    remember(PERCENTILES, chosen);
    charts[1].series = percentileSeries();
    charts[1].draw();
  }));
  window.addEventListener("resize", () => { if (page.activeTab === "charts") redrawCharts(); });
  onShow("charts", redrawCharts);
  /** @type {Array<[string, string]>} */
  const saved = remembered(ENDPOINTS, []);
  saved.forEach(([method, name]) => openEndpointChart(method, name));
}

function saveEndpoints() {
  remember(ENDPOINTS, Array.from(endpointCharts.values()).map((e) => [e.method, e.name]));
}

/**
 * Opens the chart of one request (or scrolls to it if open).
 * @param {string} method
 * @param {string} name
 */
export function openEndpointChart(method, name) {
  const key = method + " " + name;
  const open = endpointCharts.get(key);
  if (open) {
    open.card.scrollIntoView({ block: "nearest" });
    return;
  }
  const card = document.createElement("div");
  card.className = "card chart-card endpoint-chart";
  card.dataset.key = key;
  render(card, html`<div class="chart-head"><h2>${method ? key : name}</h2><button class="icon-btn close" title="Close this chart" aria-label="Close">×</button></div><div class="pair"><canvas class="endpoint-rps"></canvas><canvas class="endpoint-times"></canvas></div>`);
  $("endpoint-charts").appendChild(card);
  /** @type {EndpointEntry} */
  const entry = { method, name, points: [], card, charts: [] };
  const ofEntry = () => entry.points;
  /** @param {string} selector */
  const canvasIn = (selector) => /** @type {HTMLCanvasElement} */ (card.querySelector(selector));
  entry.charts = [
    new LineChart(canvasIn(".endpoint-rps"), [
      { label: "RPS", color: "--chart-1", index: 1 },
      { label: "Failures/s", color: "--chart-2", index: 2 },
    ], "", ofEntry, ofRuns),
    new LineChart(canvasIn(".endpoint-times"), [
      { label: "50th", color: "--chart-3", index: 3 },
      { label: "95th", color: "--chart-4", index: 4 },
      { label: "99th", color: "--chart-2", index: 5 },
    ], " ms", ofEntry, ofRuns),
  ];
  /** @type {HTMLElement} */ (card.querySelector(".close")).addEventListener("click", () => {
    endpointCharts.delete(key);
    card.remove();
    saveEndpoints();
  });
  endpointCharts.set(key, entry);
  saveEndpoints();
  refreshEndpoint(entry);
}

/** @param {EndpointEntry} entry */
async function refreshEndpoint(entry) {
  const since = entry.points.length ? entry.points[entry.points.length - 1][0] : 0;
  try {
    /** @type {import("./api.js").EndpointAnswer} */
    const data = await getJson("/stats/endpoint?method=" + encodeURIComponent(entry.method) +
      "&name=" + encodeURIComponent(entry.name) + "&since=" + since);
    entry.points = entry.points.concat(data.points);
    if (page.activeTab === "charts") entry.charts.forEach((chart) => chart.draw());
  } catch (e) { /* not there (yet): the next poll asks again */ }
}

/**
 * Fetches the history (all of it, or what is new) and the request charts'.
 * @param {boolean} all
 */
export async function refreshHistory(all) {
  const since = !all && history.length ? history[history.length - 1][0] : 0;
  try {
    /** @type {import("./api.js").HistoryAnswer} */
    const data = await getJson("/stats/history?since=" + since);
    history = all ? data.points : history.concat(data.points);
    runStarts = data.run_starts;
    if (page.activeTab === "charts") charts.forEach((chart) => chart.draw());
  } catch (e) { /* next poll */ }
  endpointCharts.forEach((entry) => refreshEndpoint(entry));
}

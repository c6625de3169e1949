// @ts-check
// The Workers tab (a master's page only): each worker's state, users, CPU
// and memory, from the polled statistics.
import { fmtBytes, fmtNumber } from "./format.js";
import { $, html, render } from "./html.js";

/** @param {import("./api.js").StatsAnswer} data */
export function renderWorkers(data) {
  if (!data.workers) return;
  $("header-workers").textContent = fmtNumber(data.worker_count || 0, 0);
  const body = /** @type {HTMLElement} */ (document.querySelector("#workers-table tbody"));
  render(body, html`${data.workers.map((w) =>
    html`<tr><td>${w.id}</td><td><span class="state">${w.state}</span></td><td class="num">${fmtNumber(w.user_count, 0)}</td><td class="num">${fmtNumber(w.cpu_usage, 1)}%</td><td class="num">${fmtBytes(w.memory_usage)}</td></tr>`)}`);
  $("workers-empty").hidden = data.workers.length > 0;
}

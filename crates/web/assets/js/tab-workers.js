// @ts-check
// The Workers tab (a master's page only): each worker's state, users, CPU
// and memory, and its generator self-check (verdict, busiest thread, lag),
// from the polled statistics.
import { fmtBytes, fmtNumber } from "./format.js";
import { $, html, render } from "./html.js";

/** @param {import("./api.js").StatsAnswer} data */
export function renderWorkers(data) {
  if (!data.workers) return;
  $("header-workers").textContent = fmtNumber(data.worker_count || 0, 0);
  const body = /** @type {HTMLElement} */ (document.querySelector("#workers-table tbody"));
  const health = (data.generator && data.generator.workers) || {};
  render(body, html`${data.workers.map((w) => {
    const h = health[w.id];
    const verdict = !h ? html`<span class="muted">–</span>`
      : h.suspect ? html`<span class="suspect" title="${h.reasons.join("\n")}">suspect</span>` : html`healthy`;
    return html`<tr><td>${w.id}</td><td><span class="state">${w.state}</span></td><td class="num">${fmtNumber(w.user_count, 0)}</td><td class="num">${fmtNumber(w.cpu_usage, 1)}%</td><td class="num">${fmtBytes(w.memory_usage)}</td><td>${verdict}</td><td class="num">${h ? fmtNumber(h.cpu_percent, 0) + "%" : ""}</td><td class="num">${h ? fmtNumber(h.lag_ms, 1) + " ms" : ""}</td></tr>`;
  })}`);
  $("workers-empty").hidden = data.workers.length > 0;
}

// @ts-check
// The Failures tab: each group of identical failures (method, name and
// message), the most frequent first, from the polled statistics.
import { fmtDateTime, fmtNumber } from "./format.js";
import { $, html, render } from "./html.js";
import { setCount } from "./tabs.js";

/** @param {import("./api.js").StatsError[]} errors */
export function renderFailures(errors) {
  const body = /** @type {HTMLElement} */ (document.querySelector("#failures-table tbody"));
  render(body, html`${errors
    .slice()
    .sort((a, b) => b.occurrences - a.occurrences)
    .map((e) => html`<tr><td class="num fail">${fmtNumber(e.occurrences, 0)}</td><td>${e.method}</td><td>${e.name}</td><td class="wrap">${e.error}</td><td>${fmtDateTime(e.first_seen)}</td><td>${fmtDateTime(e.last_seen)}</td></tr>`)}`);
  $("failures-empty").hidden = errors.length > 0;
  setCount("failures", errors.length);
}

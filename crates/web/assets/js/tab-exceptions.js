// @ts-check
// The Exceptions tab: what users raised, with its count, traceback and the
// nodes it happened on (`GET /exceptions`, polled every few seconds).
import { getJson } from "./api.js";
import { fmtNumber } from "./format.js";
import { $, html, render } from "./html.js";
import { setCount } from "./tabs.js";

export async function refreshExceptions() {
  try {
    /** @type {import("./api.js").ExceptionsAnswer} */
    const data = await getJson("/exceptions");
    const body = /** @type {HTMLElement} */ (document.querySelector("#exceptions-table tbody"));
    render(body, html`${data.exceptions.map((e) =>
      html`<tr><td class="num">${fmtNumber(e.count, 0)}</td><td class="wrap">${e.msg}</td><td><pre>${e.traceback}</pre></td><td>${e.nodes}</td></tr>`)}`);
    $("exceptions-empty").hidden = data.exceptions.length > 0;
    setCount("exceptions", data.exceptions.length);
  } catch (e) { /* next poll */ }
}

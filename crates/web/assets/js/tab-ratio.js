// @ts-check
// The Current ratio tab: the share of each user class and of each of its
// tasks, as a tree with bars, per class and in total (`GET /tasks`).
import { getJson } from "./api.js";
import { $, html, render } from "./html.js";

/**
 * @param {Record<string, import("./store.js").RatioNode> | undefined} tasks
 * @returns {import("./html.js").Html}
 */
function ratioTree(tasks) {
  const names = Object.keys(tasks || {});
  if (!tasks || !names.length) return html``;
  return html`<ul>${names.map((name) => {
    const node = tasks[name];
    const pct = node.ratio * 100;
    return html`<li><div class="line"><span class="pct">${pct.toFixed(1)}%</span><span class="bar"><i style="width:${Math.min(100, pct).toFixed(1)}%"></i></span><span>${name}</span></div>${ratioTree(node.tasks)}</li>`;
  })}</ul>`;
}

/** @param {import("./store.js").TaskRatios} data */
export function renderRatio(data) {
  $("ratio-per-class").className = "ratio";
  $("ratio-total").className = "ratio";
  render($("ratio-per-class"), ratioTree(data.per_class));
  render($("ratio-total"), ratioTree(data.total));
}

/** Fetches the ratios of the users running now. */
export function refreshRatio() {
  getJson("/tasks").then(renderRatio).catch(() => {});
}

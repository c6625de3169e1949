// @ts-check
// The Logs tab: the master's recent log lines, then each worker's, as text
// (kept scrolled to the end while it is there).
import { getJson } from "./api.js";
import { $ } from "./html.js";

export async function refreshLogs() {
  try {
    /** @type {import("./api.js").LogsAnswer} */
    const data = await getJson("/logs");
    const pre = $("logs");
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
    const sections = [data.master.join("\n") || "No log lines yet."];
    for (const [worker, lines] of Object.entries(data.workers || {})) {
      sections.push("── worker " + worker + " ──\n" + (lines.join("\n") || "No log lines yet."));
    }
    pre.textContent = sections.join("\n\n");
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  } catch (e) { /* next poll */ }
}

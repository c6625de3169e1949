// @ts-check
// The run's thresholds (`--threshold`, docs/thresholds.md), live: a line per
// threshold under the header (✓ passing, ✗ failing, … waiting or no data)
// with its latest value and limit, and a banner when one fails or aborted
// the test. Hidden when the run has no thresholds. Drawn from the
// `thresholds` key of `/stats/requests` on every poll.
import { $, html, render } from "./html.js";

/** @type {Record<string, string>} */
const MARKS = { passing: "✓", failing: "✗", aborted: "✗", waiting: "…", no_data: "…" };

/**
 * Shows the thresholds' state.
 * @param {import("./api.js").ThresholdState[] | undefined} thresholds
 */
export function renderThresholds(thresholds) {
  const list = thresholds || [];
  const box = $("thresholds");
  const banner = $("threshold-banner");
  box.hidden = list.length === 0;
  render(box, html`<h2>Thresholds</h2><ul>${list.map((t) => html`<li class="threshold ${t.status}" data-status="${t.status}">
      <span class="mark">${MARKS[t.status] || "?"}</span>
      <code>${t.threshold}</code>
      <span class="value">${t.value_text}</span>
      <span class="limit">${t.limit_text}</span>
      <span class="status">${t.status.replace("_", " ")}</span>
    </li>`)}</ul>`);
  const aborted = list.filter((t) => t.status === "aborted");
  const failing = list.filter((t) => t.status === "failing");
  if (aborted.length > 0) {
    render(banner, html`Threshold <code>${aborted[0].threshold}</code> failed with ${aborted[0].value_text} and aborted the test.`);
  } else if (failing.length > 0) {
    render(banner, html`${failing.length} of ${list.length} thresholds failing: ${failing.map((t, i) => html`${i ? ", " : ""}<code>${t.threshold}</code>`)}`);
  }
  banner.hidden = aborted.length === 0 && failing.length === 0;
}

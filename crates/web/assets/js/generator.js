// @ts-check
// The generator banner: when the run is suspect (locusta itself was the
// bottleneck, docs/health.md), a banner above the tabs says why, naming the
// worker when it happened on one; hidden while the run is healthy.
import { $, html, render } from "./html.js";

/** @param {import("./api.js").Generator | undefined} generator */
export function renderGenerator(generator) {
  const banner = $("generator-banner");
  const suspect = !!generator && generator.verdict === "suspect";
  banner.hidden = !suspect;
  if (!suspect || !generator) return;
  render(banner, html`<strong>Generator suspect</strong>: the load generator was the bottleneck, so these numbers are not the target's alone.<ul>${generator.reasons.map((r) =>
    html`<li>${r.worker ? html`worker <code>${r.worker}</code>: ` : ""}${r.message}</li>`)}</ul>`);
}

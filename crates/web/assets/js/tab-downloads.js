// @ts-check
// The Download data tab: the CSV files, the locustfile's own downloads
// (`extended_csv_files`: paths of this UI or http(s) addresses, nothing
// else), and the HTML report in the page's theme, to open or download.
import { url } from "./api.js";
import { $, html, render } from "./html.js";
import { args, currentTheme } from "./store.js";

export function renderDownloads() {
  const theme = currentTheme();
  /** @type {Array<[string, string]>} */
  const items = [["Request statistics (CSV)", "/stats/requests/csv"]];
  if (args.stats_history_enabled) items.push(["Full request history (CSV)", "/stats/requests_full_history/csv"]);
  items.push(["Failures (CSV)", "/stats/failures/csv"]);
  items.push(["Exceptions (CSV)", "/exceptions/csv"]);
  (Array.isArray(args.extended_csv_files) ? args.extended_csv_files : []).forEach((file) => {
    const href = String((file && file.href) || "");
    if (href.startsWith("/") || /^https?:\/\//i.test(href)) items.push([String(file.title || href), href]);
  });
  render($("downloads"), html`${items.map(([title, path]) =>
    html`<li><span>${title}</span><a href="${path.startsWith("/") ? url(path) : path}" download>Download</a></li>`)}<li><span>Report (HTML)</span><span><a href="${url("/stats/report?theme=" + theme)}" target="_blank" rel="noopener">Open</a> &nbsp; <a id="report-download" href="${url("/stats/report?download=1&theme=" + theme)}" download>Download</a></span></li>`);
}

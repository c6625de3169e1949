//! The report's tables: request statistics, response-time percentiles,
//! failures and exceptions, each a `<section class="card">`.
//!
//! The two request tables have one row per (method, name) entry, sorted as
//! the statistics sort them, then the "Aggregated" row (class `total`). Numbers
//! are right-aligned (`num`) and formatted as on the console (milliseconds by
//! [`format_ms`]); a row with no samples shows `N/A` percentiles. The failure
//! and exception tables say so in a sentence when they are empty rather than
//! showing a header with no rows.

use std::fmt::Write;

use super::{escape, format_rate, section_start, PERCENTILES_FOR_HTML_REPORT};
use crate::console::format_ms;
use crate::{readable_percentile, ExceptionEntry, RequestStats, StatsEntry};

/// The rows of the request tables: every entry, then Aggregated.
fn rows(stats: &RequestStats) -> Vec<&StatsEntry> {
    let mut rows = stats.entries();
    rows.push(&stats.total);
    rows
}

/// Opens a request row: `<tr>` (bold for Aggregated), method and name.
fn row_open(out: &mut String, stats: &RequestStats, entry: &StatsEntry) {
    if std::ptr::eq(entry, &stats.total) {
        out.push_str("<tr class=\"total\">");
    } else {
        out.push_str("<tr>");
    }
    let _ = write!(
        out,
        "<td>{}</td><td class=\"name\">{}</td>",
        escape(&entry.method),
        escape(&entry.name)
    );
}

/// Requests, failures, average/min/max time, size and rates per entry.
pub(super) fn request_table(out: &mut String, stats: &RequestStats) {
    section_start(out, "requests", "Request statistics");
    out.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th>Type</th><th>Name</th>\
         <th class=\"num\"># Requests</th><th class=\"num\"># Fails</th>\
         <th class=\"num\">Average (ms)</th><th class=\"num\">Min (ms)</th>\
         <th class=\"num\">Max (ms)</th><th class=\"num\">Average size (bytes)</th>\
         <th class=\"num\">RPS</th><th class=\"num\">Failures/s</th></tr></thead>\n<tbody>\n",
    );
    for entry in rows(stats) {
        let (rps, fail_per_sec) = stats.rates(entry, false);
        row_open(out, stats, entry);
        let fails_class = if entry.num_failures > 0 {
            "num bad"
        } else {
            "num"
        };
        let _ = writeln!(
            out,
            "<td class=\"num\">{}</td><td class=\"{fails_class}\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{:.0}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            entry.num_requests,
            entry.num_failures,
            format_ms(entry.avg_response_time()),
            format_ms(entry.min_response_time()),
            format_ms(entry.max_response_time()),
            entry.avg_content_length(),
            format_rate(rps),
            format_rate(fail_per_sec),
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

/// [`PERCENTILES_FOR_HTML_REPORT`] of each entry, exact.
pub(super) fn percentile_table(out: &mut String, stats: &RequestStats) {
    section_start(
        out,
        "response-times",
        "Response time percentiles <span class=\"muted\">(exact)</span>",
    );
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr><th>Type</th><th>Name</th>");
    for q in PERCENTILES_FOR_HTML_REPORT {
        let _ = write!(
            out,
            "<th class=\"num\">{} (ms)</th>",
            readable_percentile(q)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for entry in rows(stats) {
        row_open(out, stats, entry);
        for q in PERCENTILES_FOR_HTML_REPORT {
            if entry.num_samples() == 0 {
                out.push_str("<td class=\"num muted\">N/A</td>");
            } else {
                let _ = write!(
                    out,
                    "<td class=\"num\">{}</td>",
                    format_ms(entry.percentile(q))
                );
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

/// One row per failure group: method, name, error and occurrences.
pub(super) fn failures(out: &mut String, stats: &RequestStats) {
    section_start(out, "failures", "Failures");
    let errors = stats.errors();
    if errors.is_empty() {
        out.push_str("<p class=\"empty\">No failures.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th>Method</th><th>Name</th>\
         <th>Error</th><th class=\"num\">Occurrences</th></tr></thead>\n<tbody>\n",
    );
    for error in errors {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"name\">{}</td><td class=\"error\">{}</td>\
             <td class=\"num\">{}</td></tr>",
            escape(&error.method),
            escape(&error.name),
            escape(&error.error),
            error.occurrences,
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

/// One row per exception: count, message, traceback and the nodes it came from.
pub(super) fn exception_table(out: &mut String, exceptions: &[ExceptionEntry]) {
    section_start(out, "exceptions", "Exceptions");
    if exceptions.is_empty() {
        out.push_str("<p class=\"empty\">No exceptions.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th class=\"num\">Count</th>\
         <th>Message</th><th>Traceback</th><th>Nodes</th></tr></thead>\n<tbody>\n",
    );
    for exception in exceptions {
        let nodes: Vec<&str> = exception.nodes.iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td class=\"error\">{}</td>\
             <td class=\"traceback\"><pre>{}</pre></td><td>{}</td></tr>",
            exception.count,
            escape(&exception.msg),
            escape(&exception.traceback),
            escape(&nodes.join(", ")),
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

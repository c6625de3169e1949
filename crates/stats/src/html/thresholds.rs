//! The report's thresholds section (`docs/thresholds.md`): one row per
//! threshold with its result, the threshold as written, the value judged
//! and the limit, right after the summary tiles. The statistics crate does
//! not judge thresholds: the run hands the rows over in
//! [`super::ReportMeta::thresholds`], already written for people; a report
//! without thresholds has no section.

use std::fmt::Write;

use super::{escape, section_start};

/// One threshold's row in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportThreshold {
    /// `✓ pass`, `✗ FAIL`, … as the console table shows it.
    pub result: String,
    /// Whether it failed the run (the row is marked so).
    pub failed: bool,
    /// The threshold as written.
    pub threshold: String,
    /// The value judged (`123.4 ms`, `no data`, …).
    pub value: String,
    /// The limit with its comparison (`< 300.0 ms`).
    pub limit: String,
}

/// The section, when there are thresholds.
pub(super) fn thresholds(out: &mut String, rows: &[ReportThreshold]) {
    if rows.is_empty() {
        return;
    }
    let failed = rows.iter().filter(|r| r.failed).count();
    section_start(out, "thresholds", "Thresholds");
    let _ = writeln!(
        out,
        "<p class=\"{}\">{failed} of {} thresholds failed</p>",
        if failed > 0 { "bad-text" } else { "muted" },
        rows.len()
    );
    out.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th>Result</th><th>Threshold</th>\
         <th class=\"num\">Value</th><th class=\"num\">Limit</th></tr></thead>\n<tbody>\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td class=\"{}\">{}</td><td><code>{}</code></td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            if row.failed {
                "threshold failed"
            } else {
                "threshold"
            },
            if row.failed { "bad" } else { "good" },
            escape(&row.result),
            escape(&row.threshold),
            escape(&row.value),
            escape(&row.limit)
        );
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

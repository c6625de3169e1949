//! The report's checks section: one row per check name (`locust.check`,
//! `u.check`) with its passes, fails and pass ratio, then all checks
//! together, after the exceptions table; a report without checks has none.

use std::fmt::Write;

use super::{escape, section_start};
use crate::{CheckCounts, Checks};

/// The section, when checks ran.
pub(super) fn checks(out: &mut String, checks: &Checks) {
    if checks.is_empty() {
        return;
    }
    section_start(out, "checks", "Checks");
    out.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th>Check</th>\
         <th class=\"num\"># passes</th><th class=\"num\"># fails</th>\
         <th class=\"num\">pass %</th></tr></thead>\n<tbody>\n",
    );
    let row = |out: &mut String, name: &str, counts: CheckCounts| {
        let _ = writeln!(
            out,
            "<tr class=\"check\"><td class=\"{}\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{:.2}%</td></tr>",
            if counts.fails > 0 { "bad" } else { "good" },
            escape(name),
            counts.passes,
            counts.fails,
            counts.pass_ratio() * 100.0
        );
    };
    for (name, counts) in checks.iter() {
        row(out, name, counts);
    }
    row(out, "All checks", checks.total());
    out.push_str("</tbody></table></div>\n</section>\n");
}

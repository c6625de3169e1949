//! The report's task-ratio section: each user class's share of the users and,
//! under it, each task's share of its class (or of its enclosing task set), as
//! an indented tree with a bar per row.
//!
//! The shares come in [`ReportMeta::user_classes`] as
//! [`ClassRatio`](crate::task_ratio::ClassRatio) trees;
//! a share outside 0..=1 (or not finite) is drawn clamped, so a bar never
//! overflows its cell.

use std::fmt::Write;

use super::{escape, section_start, ReportMeta};
use crate::task_ratio::TaskRatio;

/// Writes the task-ratio section (a sentence when there are no user classes).
pub(super) fn task_ratio(out: &mut String, meta: &ReportMeta) {
    section_start(out, "tasks", "Task ratio");
    if meta.user_classes.is_empty() {
        out.push_str("<p class=\"empty\">No user classes.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<p class=\"muted\">Each class's share of the users, and each task's share of its \
         class (or of its enclosing task set).</p>\n<div class=\"table-wrap\"><table class=\"ratio\">\n\
         <thead><tr><th>User class / task</th><th class=\"num\">Share</th><th class=\"bar-col\"></th></tr></thead>\n<tbody>\n",
    );
    for class in &meta.user_classes {
        ratio_row(out, &class.name, class.share, 0, true);
        for task in &class.tasks {
            ratio_node(out, task, 1);
        }
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

/// Writes `node`'s row and, one level deeper, its tasks'.
fn ratio_node(out: &mut String, node: &TaskRatio, depth: usize) {
    ratio_row(out, &node.name, node.ratio, depth, false);
    for child in &node.tasks {
        ratio_node(out, child, depth + 1);
    }
}

/// One row: indented by `depth`, bold for a user `class`, its share and bar.
fn ratio_row(out: &mut String, name: &str, ratio: f64, depth: usize, class: bool) {
    let ratio = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "<tr class=\"{}\"><td class=\"name\" style=\"padding-left:{:.2}rem\">{}{}</td>\
         <td class=\"num\">{}</td><td class=\"bar-col\"><div class=\"bar\"><span style=\"width:{:.1}%\"></span></div></td></tr>",
        if class { "class-row" } else { "task-row" },
        0.75 + depth as f64 * 1.5,
        if depth > 0 { "<span class=\"branch\">└</span>" } else { "" },
        escape(name),
        format_share(ratio),
        ratio * 100.0,
    );
}

/// A share (0..=1) as a percentage with one decimal.
fn format_share(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

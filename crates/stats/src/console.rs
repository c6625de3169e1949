//! Locust's console tables: the periodic statistics table, the final
//! "Response time percentiles" table and the error report; and locusta's
//! "Checks" table ([`checks_table`]).
//!
//! Each function returns the text Locust logs for that table: one line per row,
//! each ending in `\n`, then the empty line Locust prints after it. The layout
//! (column widths, separators) is Locust's; response times are printed more
//! truthfully than Locust's truncated integers, in the same widths (see
//! [`format_ms`]).

use std::fmt::Write;

use crate::{readable_percentile, RequestStats, StatsEntry, PERCENTILES_TO_REPORT};

/// Width of the Type column (Locust's `STATS_TYPE_WIDTH`).
pub const STATS_TYPE_WIDTH: usize = 8;

/// Locust's `STATS_NAME_WIDTH` when stderr is not a terminal.
pub const DEFAULT_NAME_WIDTH: usize = 80;

/// Locust's `STATS_NAME_WIDTH` for a terminal of `columns` columns:
/// `clamp(columns − 80, 0, 80)`.
pub fn name_width_for_terminal(columns: usize) -> usize {
    columns.saturating_sub(80).min(80)
}

/// A response time in ms as the tables show it: 2 decimals below 10 ms
/// (`0.11`), 1 decimal below 100 ms (`45.3`), else a rounded integer (`187`).
pub fn format_ms(ms: f64) -> String {
    if ms < 9.995 {
        format!("{ms:.2}")
    } else if ms < 99.95 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

fn type_column(entry: &StatsEntry, trailing_space: bool) -> String {
    if entry.method.is_empty() || !trailing_space {
        entry.method.clone()
    } else {
        format!("{} ", entry.method)
    }
}

fn stats_row(
    out: &mut String,
    stats: &RequestStats,
    entry: &StatsEntry,
    current: bool,
    name_col: usize,
) {
    let (rps, fail_per_sec) = stats.rates(entry, current);
    let failures = format!("{}({:.2}%)", entry.num_failures, entry.fail_ratio() * 100.0);
    let _ = writeln!(
        out,
        "{:<tw$} {:<name_col$} {:>7} {:>12} |{:>7} {:>7} {:>7}{:>7} | {:>7.2} {:>11.2}",
        type_column(entry, true),
        entry.name,
        entry.num_requests,
        failures,
        format_ms(entry.avg_response_time()),
        format_ms(entry.min_response_time()),
        format_ms(entry.max_response_time()),
        format_ms(entry.median_response_time()),
        rps,
        fail_per_sec,
        tw = STATS_TYPE_WIDTH,
    );
}

/// The statistics table. `current` selects current rates (the periodic table)
/// rather than total rates (the final summary). `name_width` is Locust's
/// `STATS_NAME_WIDTH` (80 when not a terminal).
pub fn stats_table(stats: &RequestStats, current: bool, name_width: usize) -> String {
    let name_col = (name_width + 4).saturating_sub(STATS_TYPE_WIDTH);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<tw$} {:<name_col$} {:>7} {:>12} |{:>7} {:>7} {:>7}{:>7} | {:>7} {:>11}",
        "Type",
        "Name",
        "# reqs",
        "# fails",
        "Avg",
        "Min",
        "Max",
        "Med",
        "req/s",
        "failures/s",
        tw = STATS_TYPE_WIDTH,
    );
    let separator = format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}\n",
        "-".repeat(STATS_TYPE_WIDTH),
        "-".repeat(name_col),
        "-".repeat(7),
        "-".repeat(13),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(8),
        "-".repeat(11),
    );
    out.push_str(&separator);
    for entry in stats.entries() {
        stats_row(&mut out, stats, entry, current, name_col);
    }
    out.push_str(&separator);
    stats_row(&mut out, stats, &stats.total, current, name_col);
    out.push('\n');
    out
}

fn percentile_row(out: &mut String, entry: &StatsEntry, name_width: usize) {
    let _ = write!(
        out,
        "{:<tw$} {:<name_width$}",
        type_column(entry, false),
        entry.name,
        tw = STATS_TYPE_WIDTH,
    );
    for (i, q) in PERCENTILES_TO_REPORT.iter().enumerate() {
        let width = if i == 0 { 8 } else { 6 };
        let _ = write!(out, " {:>width$}", format_ms(entry.percentile(*q)));
    }
    let _ = writeln!(out, " {:>6}", entry.num_requests);
}

/// The "Response time percentiles" table (exact, not approximated).
pub fn percentiles_table(stats: &RequestStats, name_width: usize) -> String {
    let mut out = String::from("Response time percentiles (exact)\n");
    let _ = write!(
        out,
        "{:<tw$} {:<name_width$}",
        "Type",
        "Name",
        tw = STATS_TYPE_WIDTH
    );
    for (i, q) in PERCENTILES_TO_REPORT.iter().enumerate() {
        let width = if i == 0 { 8 } else { 6 };
        let _ = write!(out, " {:>width$}", readable_percentile(*q));
    }
    let _ = writeln!(out, " {:>6}", "# reqs");
    let mut separator = format!(
        "{}|{}|{}",
        "-".repeat(STATS_TYPE_WIDTH),
        "-".repeat(name_width),
        "-".repeat(8)
    );
    // The other percentiles and "# reqs": one 6-wide column per percentile.
    for _ in 0..PERCENTILES_TO_REPORT.len() {
        separator.push('|');
        separator.push_str("------");
    }
    separator.push('\n');
    out.push_str(&separator);
    for entry in stats.entries().into_iter().filter(|e| e.num_samples() > 0) {
        percentile_row(&mut out, entry, name_width);
    }
    out.push_str(&separator);
    if stats.total.num_samples() > 0 {
        percentile_row(&mut out, &stats.total, name_width);
    }
    out.push('\n');
    out
}

/// The "Error report" table; empty when there were no failures. Rows are sorted
/// by (name, method, error).
pub fn error_report(stats: &RequestStats) -> String {
    error_report_with_width(stats, DEFAULT_NAME_WIDTH)
}

/// [`error_report`] for a given `STATS_NAME_WIDTH`: the separator spans
/// `80 + name_width` columns, as in Locust.
pub fn error_report_with_width(stats: &RequestStats, name_width: usize) -> String {
    let errors = stats.errors();
    if errors.is_empty() {
        return String::new();
    }
    let mut out = String::from("Error report\n");
    let _ = writeln!(out, "{:<18} {:<100}", "# occurrences", "Error");
    let separator = format!(
        "{}|{}\n",
        "-".repeat(18),
        "-".repeat((80 + name_width).saturating_sub(19))
    );
    out.push_str(&separator);
    for error in errors {
        let _ = writeln!(
            out,
            "{:<18} {:<100}",
            error.occurrences,
            error.display_name()
        );
    }
    out.push_str(&separator);
    out.push('\n');
    out
}

/// The "Checks" table (locusta's, after the error report): per check name,
/// its passes, fails and pass ratio, then the total; empty when no check ran.
pub fn checks_table(stats: &RequestStats, name_width: usize) -> String {
    if stats.checks.is_empty() {
        return String::new();
    }
    let width = name_width.max(20);
    let mut out = String::from("Checks\n");
    let _ = writeln!(
        out,
        "{:<width$} {:>10} {:>10} {:>9}",
        "Check", "# passes", "# fails", "pass %"
    );
    let separator = format!("{}\n", "-".repeat(width + 32));
    out.push_str(&separator);
    let row = |out: &mut String, name: &str, counts: crate::CheckCounts| {
        let _ = writeln!(
            out,
            "{:<width$} {:>10} {:>10} {:>8.2}%",
            name,
            counts.passes,
            counts.fails,
            counts.pass_ratio() * 100.0
        );
    };
    for (name, counts) in stats.checks.iter() {
        row(&mut out, name, counts);
    }
    out.push_str(&separator);
    row(&mut out, "All checks", stats.checks.total());
    out.push('\n');
    out
}

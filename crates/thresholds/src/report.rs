//! The verdicts as the run's outputs show them: the console table printed
//! after the summary ([`console_table`]) and the JSON document written next
//! to Locust's JSON ([`json`], [`VerdictJson`]). JUnit XML is in
//! [`crate::junit`].

use std::fmt::Write;

use serde::Serialize;

use crate::evaluate::{Outcome, Verdict};

/// `✓ pass`, `✗ FAIL`, … — the result column.
pub fn mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "✓ pass",
        Outcome::Failed => "✗ FAIL",
        Outcome::Aborted => "✗ ABORT",
        Outcome::NoData => "✗ NODATA",
        Outcome::Skipped => "- skip",
    }
}

/// The table of verdicts: a line per threshold with its result, the
/// threshold as written, the value judged and the limit, then a blank line.
/// Empty when there are no thresholds.
pub fn console_table(verdicts: &[Verdict]) -> String {
    if verdicts.is_empty() {
        return String::new();
    }
    let width = verdicts
        .iter()
        .map(|v| v.threshold.text.chars().count())
        .max()
        .unwrap_or(0)
        .max("Threshold".len());
    let mut out = String::new();
    let _ = writeln!(out, "Thresholds");
    let _ = writeln!(
        out,
        "{:<9} {:<width$} {:>14}   Limit",
        "Result", "Threshold", "Value"
    );
    let _ = writeln!(out, "{}", "-".repeat(9 + 1 + width + 1 + 14 + 3 + 14));
    for verdict in verdicts {
        let _ = writeln!(
            out,
            "{:<9} {:<width$} {:>14}   {}",
            mark(verdict.outcome),
            verdict.threshold.text,
            verdict.value_text(),
            verdict.threshold.limit_text()
        );
    }
    let failed = verdicts.iter().filter(|v| v.outcome.failed()).count();
    let _ = writeln!(out, "{} of {} thresholds failed", failed, verdicts.len());
    out.push('\n');
    out
}

/// One threshold in the JSON document.
#[derive(Debug, Serialize)]
pub struct VerdictJson {
    /// The expression as written.
    pub threshold: String,
    /// The metric's canonical name (`p95`, `avg`, `fail_ratio`, `rps`, …).
    pub metric: String,
    /// The scope's method, if it has one.
    pub method: Option<String>,
    /// The scope's name, if it has one.
    pub name: Option<String>,
    /// `<`, `<=`, `>` or `>=`.
    pub op: &'static str,
    /// The limit, in `unit`.
    pub limit: f64,
    /// `ms`, `ratio` (0–1), `/s` or `` (a count).
    pub unit: &'static str,
    /// The trailing window, seconds (`null`: the whole run).
    pub window_s: Option<f64>,
    /// The ignored start, seconds.
    pub after_s: Option<f64>,
    /// Whether it stops the test when it fails.
    pub abort: bool,
    /// The abort's grace period, seconds.
    pub abort_after_s: Option<f64>,
    /// `passed`, `failed`, `aborted`, `no_data` or `skipped`.
    pub result: Outcome,
    /// The value judged, in `unit` (`null` without data).
    pub value: Option<f64>,
}

impl From<&Verdict> for VerdictJson {
    fn from(verdict: &Verdict) -> Self {
        let t = &verdict.threshold;
        let kind = t.metric.kind();
        VerdictJson {
            threshold: t.text.clone(),
            metric: t.metric.name(),
            method: t.scope.method.clone(),
            name: t.scope.name.clone(),
            op: t.op.symbol(),
            limit: t.limit,
            unit: kind.unit(),
            window_s: t.window.map(|d| d.as_secs_f64()),
            after_s: t.after.map(|d| d.as_secs_f64()),
            abort: t.abort.is_some(),
            abort_after_s: t.abort.filter(|d| !d.is_zero()).map(|d| d.as_secs_f64()),
            result: verdict.outcome,
            value: verdict.value,
        }
    }
}

/// The whole document: `{"passed": bool, "thresholds": [VerdictJson…]}`.
#[derive(Debug, Serialize)]
struct Document {
    passed: bool,
    thresholds: Vec<VerdictJson>,
}

/// Whether every verdict passed (skipped ones do not fail).
pub fn all_passed(verdicts: &[Verdict]) -> bool {
    verdicts.iter().all(|v| !v.outcome.failed())
}

/// The verdicts as a JSON document (pretty, 4-space indents as Locust's
/// JSON): `{"passed": …, "thresholds": […]}`.
pub fn json(verdicts: &[Verdict]) -> String {
    let document = Document {
        passed: all_passed(verdicts),
        thresholds: verdicts.iter().map(VerdictJson::from).collect(),
    };
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    document
        .serialize(&mut serializer)
        .expect("serialising to memory does not fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

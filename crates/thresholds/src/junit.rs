//! `--junit FILE`: the verdicts as JUnit XML, the report format CI servers
//! read (Jenkins' JUnit plugin, GitLab, GitHub actions that publish test
//! results).
//!
//! One `<testsuites>` holding one `<testsuite name="thresholds">` with one
//! `<testcase>` per threshold, named by the threshold as written. A failed
//! threshold has a `<failure>` whose message gives the measured value and
//! the limit; a skipped one (the test ended before its `after`) a
//! `<skipped>`; every case has a `<system-out>` with its value and limit.
//! When checks ran (`locust.check`, `u.check`), a second `<testsuite
//! name="checks">` holds one `<testcase>` per check name, with a `<failure>`
//! when any evaluation of it failed (the counts in its message).
//! `crates/locusta/tests/thresholds/junit.xsd` is the schema the tests
//! validate it against.

use std::fmt::Write;

use locusta_stats::Checks;

use crate::evaluate::{Outcome, Verdict};

/// The JUnit XML document for `verdicts` and `checks`, of a test that lasted
/// `seconds` and started at `timestamp` (ISO 8601, local time without zone,
/// as JUnit writes it).
pub fn junit_xml(verdicts: &[Verdict], checks: &Checks, seconds: f64, timestamp: &str) -> String {
    let check_count = checks.iter().count();
    let check_failures = checks.iter().filter(|(_, c)| c.fails > 0).count();
    let tests = verdicts.len() + check_count;
    let failures = verdicts.iter().filter(|v| v.outcome.failed()).count() + check_failures;
    let skipped = verdicts
        .iter()
        .filter(|v| v.outcome == Outcome::Skipped)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"locusta\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{seconds:.3}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"thresholds\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{skipped}\" time=\"{seconds:.3}\" timestamp=\"{}\">",
        verdicts.len(),
        failures - check_failures,
        escape(timestamp)
    );
    for verdict in verdicts {
        let t = &verdict.threshold;
        let summary = format!(
            "{} was {}, limit {}",
            t.metric.name(),
            verdict.value_text(),
            t.limit_text()
        );
        let _ = writeln!(
            out,
            "    <testcase name=\"{}\" classname=\"locusta.thresholds\" time=\"0\">",
            escape(&t.text)
        );
        match verdict.outcome {
            Outcome::Passed => {}
            Outcome::Skipped => {
                let _ = writeln!(
                    out,
                    "      <skipped message=\"{}\"/>",
                    escape("the test ended before the threshold's 'after'")
                );
            }
            outcome => {
                let kind = match outcome {
                    Outcome::Aborted => "aborted",
                    Outcome::NoData => "no data",
                    _ => "failed",
                };
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"threshold {kind}\">{}</failure>",
                    escape(&summary),
                    escape(&format!("threshold '{}' {kind}: {summary}", t.text))
                );
            }
        }
        let _ = writeln!(out, "      <system-out>{}</system-out>", escape(&summary));
        let _ = writeln!(out, "    </testcase>");
    }
    out.push_str("  </testsuite>\n");
    if check_count > 0 {
        checks_suite(&mut out, checks, check_failures, seconds, timestamp);
    }
    out.push_str("</testsuites>\n");
    out
}

/// The `<testsuite name="checks">`: one case per check name.
fn checks_suite(out: &mut String, checks: &Checks, failures: usize, seconds: f64, timestamp: &str) {
    let _ = writeln!(
        out,
        "  <testsuite name=\"checks\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{seconds:.3}\" timestamp=\"{}\">",
        checks.iter().count(),
        escape(timestamp)
    );
    for (name, counts) in checks.iter() {
        let summary = format!(
            "{} passed, {} failed ({:.2}% passed)",
            counts.passes,
            counts.fails,
            counts.pass_ratio() * 100.0
        );
        let _ = writeln!(
            out,
            "    <testcase name=\"{}\" classname=\"locusta.checks\" time=\"0\">",
            escape(name)
        );
        if counts.fails > 0 {
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"check failed\">{}</failure>",
                escape(&summary),
                escape(&format!("check '{name}' failed: {summary}"))
            );
        }
        let _ = writeln!(out, "      <system-out>{}</system-out>", escape(&summary));
        let _ = writeln!(out, "    </testcase>");
    }
    out.push_str("  </testsuite>\n");
}

/// Text for XML content and attributes: the five markup characters as
/// entities; characters XML 1.0 cannot hold (controls other than tab and
/// line ends) as U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

//! `--junit FILE`: the verdicts as JUnit XML, the report format CI servers
//! read (Jenkins' JUnit plugin, GitLab, GitHub actions that publish test
//! results).
//!
//! One `<testsuites>` holding one `<testsuite name="thresholds">` with one
//! `<testcase>` per threshold, named by the threshold as written. A failed
//! threshold has a `<failure>` whose message gives the measured value and
//! the limit; a skipped one (the test ended before its `after`) a
//! `<skipped>`; every case has a `<system-out>` with its value and limit.
//! `crates/locusta/tests/thresholds/junit.xsd` is the schema the tests
//! validate it against.

use std::fmt::Write;

use crate::evaluate::{Outcome, Verdict};

/// The JUnit XML document for `verdicts`, of a test that lasted `seconds`
/// and started at `timestamp` (ISO 8601, local time without zone, as JUnit
/// writes it).
pub fn junit_xml(verdicts: &[Verdict], seconds: f64, timestamp: &str) -> String {
    let tests = verdicts.len();
    let failures = verdicts.iter().filter(|v| v.outcome.failed()).count();
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
        "  <testsuite name=\"thresholds\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{seconds:.3}\" timestamp=\"{}\">",
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
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
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

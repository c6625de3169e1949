//! Checks end to end, through the `locusta` binary and a Rust program: a
//! Python locustfile (`locustfiles/checks.py`) and a Rust user state checks
//! against the demo target for a fixed number of iterations, so that the
//! counts are exact; each test reads what a user or a CI job would — the
//! console's Checks table, `NAME.checks.json`, the HTML report's section,
//! the `--junit` file, the
//! verdict of a `checks` threshold — and a distributed run (two workers)
//! counts what a local one does. The counting, merging and wire format are
//! tested in `crates/stats` and `crates/cluster`.

mod common;

use std::path::Path;

use common::programs::{locusta_with_env, locustfile};
use common::reports::validate_junit;
use common::scratch::scratch;
use common::text::assert_contains;
use common::timed::Run;
use locusta::prelude::*;
use locusta_demo_target::{spawn, TargetConfig};

/// `locusta --headless -f checks.py -i 20` against `url`, with the
/// thresholds and `extra` options, and with `dir` its JSON (`--json-file
/// DIR/run`, which replaces the console summary, as in Locust) and JUnit
/// (`DIR/junit.xml`) files.
fn checked(url: &str, dir: Option<&Path>, thresholds: &[&str], extra: &[&str]) -> Run {
    let file = locustfile("checks.py");
    let files = dir.map(|dir| {
        (
            dir.join("run").to_string_lossy().into_owned(),
            dir.join("junit.xml").to_string_lossy().into_owned(),
        )
    });
    let mut args = vec![
        "-f",
        &file,
        "-H",
        url,
        "-u",
        "2",
        "-r",
        "10",
        "-i",
        "20",
        "-t",
        "60s",
        "--only-summary",
    ];
    if let Some((json, junit)) = &files {
        args.extend_from_slice(&["--json-file", json, "--junit", junit]);
    }
    for threshold in thresholds {
        args.extend_from_slice(&["--threshold", threshold]);
    }
    args.extend_from_slice(extra);
    locusta_with_env(&args, &[])
}

/// A check's (name, passes, fails).
type CheckRow = (String, u64, u64);

/// `NAME.checks.json`'s rows and its totals (passes, fails).
fn checks_json(path: &Path) -> (Vec<CheckRow>, (u64, u64)) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("the checks' JSON");
    let rows = json["checks"]
        .as_array()
        .expect("a checks array")
        .iter()
        .map(|row| {
            (
                row["name"].as_str().unwrap_or_default().to_owned(),
                row["passes"].as_u64().unwrap_or(u64::MAX),
                row["fails"].as_u64().unwrap_or(u64::MAX),
            )
        })
        .collect();
    let totals = (
        json["passes"].as_u64().unwrap_or(u64::MAX),
        json["fails"].as_u64().unwrap_or(u64::MAX),
    );
    (rows, totals)
}

fn expected_rows(iterations: u64) -> Vec<CheckRow> {
    vec![
        ("body is empty".to_owned(), 0, iterations),
        ("status is 200".to_owned(), iterations, 0),
    ]
}

/// A Python user's checks are counted per name, shown in the console, in
/// `NAME.checks.json` and in JUnit, and judged by `checks` thresholds; a
/// failed check alone fails no request.
#[test]
fn python_checks_are_counted_shown_and_judged() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("checks-python");
    let thresholds = [
        r#"checks{check:"status is 200"} > 99%"#,
        "checks >= 50%",
        "checks > 60%",
    ];
    let run = checked(&target.url(), None, &thresholds, &[]);
    // "checks > 60%" fails (half the checks do): the thresholds' exit code.
    assert_eq!(run.code, Some(99), "{}", run.all());
    assert_contains(&run.stderr, "Checks\n");
    assert_contains(&run.stderr, "1 of 3 thresholds failed");
    let table: Vec<&str> = run
        .stderr
        .lines()
        .skip_while(|line| *line != "Checks")
        .collect();
    let row = |name: &str| {
        let line = table
            .iter()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("no row {name} in\n{}", run.all()));
        line.split_whitespace().rev().take(3).collect::<Vec<_>>()
    };
    assert_eq!(row("status is 200"), ["100.00%", "0", "20"]);
    assert_eq!(row("body is empty"), ["0.00%", "20", "0"]);
    assert_eq!(row("All checks"), ["50.00%", "20", "20"]);
    // No request failed.
    assert!(!run.stderr.contains("Error report"), "{}", run.all());

    let html = dir.join("report.html").to_string_lossy().into_owned();
    let run = checked(&target.url(), Some(&dir), &thresholds, &["--html", &html]);
    assert_eq!(run.code, Some(99), "{}", run.all());
    let report = std::fs::read_to_string(&html).expect("the --html report");
    assert_contains(&report, "id=\"checks\"");
    assert_contains(
        &report,
        "<td class=\"bad\">body is empty</td><td class=\"num\">0</td><td class=\"num\">20</td>",
    );
    let (rows, totals) = checks_json(&dir.join("run.checks.json"));
    assert_eq!(rows, expected_rows(20));
    assert_eq!(totals, (20, 20));

    let junit = dir.join("junit.xml");
    validate_junit(&junit);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 5, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 2, "{xml}");
    assert_contains(
        &xml,
        "<testsuite name=\"checks\" tests=\"2\" failures=\"1\"",
    );
    assert_contains(
        &xml,
        "<failure message=\"0 passed, 20 failed (0.00% passed)\" type=\"check failed\">",
    );
    assert_contains(&xml, "classname=\"locusta.checks\"");

    // Without thresholds, the JUnit file holds the checks alone.
    let run = checked(&target.url(), Some(&dir), &[], &[]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    validate_junit(&junit);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    assert_contains(&xml, "<testsuite name=\"thresholds\" tests=\"0\"");
}

/// Two workers count what one process does: the master's table is the sum.
#[test]
fn a_distributed_run_counts_the_sum_of_its_workers() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("checks-distributed");
    let run = checked(
        &target.url(),
        Some(&dir),
        &["checks{check:\"status is 200\"} >= 100%"],
        &["--processes", "2"],
    );
    assert_eq!(run.code, Some(0), "{}", run.all());
    assert_eq!(target.requests_served(), 20, "{}", run.all());
    let (rows, totals) = checks_json(&dir.join("run.checks.json"));
    assert_eq!(rows, expected_rows(20), "{}", run.all());
    assert_eq!(totals, (20, 20));
}

/// A check whose name is not a str raises a TypeError that names the
/// locustfile's line; the run records it as a task error.
#[test]
fn a_bad_check_name_is_a_clear_error() {
    let target = spawn(TargetConfig::default());
    let file = locustfile("checks.py");
    let url = target.url();
    let args = [
        "-f",
        &file,
        "-H",
        &url,
        "-u",
        "1",
        "-i",
        "2",
        "-t",
        "30s",
        "--only-summary",
    ];
    let run = locusta_with_env(&args, &[("BAD_NAME", "1")]);
    assert_contains(
        &run.stderr,
        "TypeError: check() name must be a str, not int",
    );
    assert_contains(&run.stderr, "checks.py");
}

async fn checked_home(u: &mut User<()>) {
    let response = u.client.get("/").send().await;
    if u.check("status is 200", response.status() == 200) {
        u.check("body is empty", response.text().is_empty());
    }
}

/// A Rust user's `u.check` counts as a Python user's `check` does.
#[test]
fn rust_checks_are_counted() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("checks-rust");
    let json = dir.join("run").to_string_lossy().into_owned();
    let url = target.url();
    let args = [
        "locusta",
        "--headless",
        "--only-summary",
        "-u",
        "1",
        "-i",
        "7",
        "-t",
        "60s",
        "--json-file",
        &json,
        "--threshold",
        "checks < 60%",
        "-H",
        &url,
    ];
    let code = Locusta::new()
        .user(UserClass::<()>::new("Visitor").task(1, checked_home))
        .run_with_args(args);
    assert_eq!(code, 0);
    let (rows, totals) = checks_json(&dir.join("run.checks.json"));
    assert_eq!(rows, expected_rows(7));
    assert_eq!(totals, (7, 7));
}

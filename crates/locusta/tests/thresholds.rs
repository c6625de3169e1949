//! Thresholds end to end, through the `locusta` binary and a Rust program:
//! a Python locustfile (`locustfiles/thresholds.py`) loads the demo target
//! with latencies and failures the test chooses, and each test reads what a
//! CI job would — the threshold table, the exit code, the JSON and JUnit
//! files. Every metric and scope, a trailing window against a slow spell,
//! `abort` with and without grace, the exit codes' precedence, the
//! configuration files, locust-plugins' `--check-*` options, and a
//! distributed run judged as a local one. The grammar and the evaluator's
//! arithmetic are tested in `crates/thresholds`.

mod common;

use std::path::Path;
use std::process::Command;

use common::programs::{locusta_binary, locusta_with_env, locustfile, LIMIT};
use common::scratch::scratch;
use common::timed::Run;
use locusta::prelude::*;
use locusta_demo_target::{spawn, TargetConfig};

/// `locusta --headless -f thresholds.py` against `url` for `secs` with two
/// users, the thresholds and `extra` options, and the locustfile's `env`.
fn judged(url: &str, secs: &str, thresholds: &[&str], extra: &[&str], env: &[(&str, &str)]) -> Run {
    let file = locustfile("thresholds.py");
    let mut args = vec![
        "-f",
        &file,
        "-H",
        url,
        "-u",
        "2",
        "-r",
        "10",
        "-t",
        secs,
        "--only-summary",
    ];
    for threshold in thresholds {
        args.extend_from_slice(&["--threshold", threshold]);
    }
    args.extend_from_slice(extra);
    locusta_with_env(&args, env)
}

/// The result column of the table row of `threshold`: `✓ pass`, `✗ FAIL`, …
/// (The result is padded to 9 characters, then a space, then the threshold
/// and at least two spaces before its value.)
fn mark(run: &Run, threshold: &str) -> String {
    let wanted = format!("{threshold}  ");
    let row = run
        .stderr
        .lines()
        .skip_while(|line| *line != "Thresholds")
        .find(|line| {
            line.chars()
                .skip(10)
                .collect::<String>()
                .starts_with(&wanted)
        })
        .unwrap_or_else(|| panic!("no row for '{threshold}' in the table:\n{}", run.all()));
    row.chars()
        .take(9)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

fn assert_marks(run: &Run, expected: &[(&str, &str)]) {
    for (threshold, want) in expected {
        assert_eq!(mark(run, threshold), *want, "{threshold}\n{}", run.all());
    }
}

#[test]
fn every_metric_and_scope_is_judged_and_a_failure_exits_99() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("thresholds-metrics");
    let json = dir.join("run").to_string_lossy().into_owned();
    let junit = dir.join("junit.xml").to_string_lossy().into_owned();
    let html = dir.join("report.html").to_string_lossy().into_owned();
    let expected = [
        ("p50{name:/sleep} >= 20ms", "✓ pass"),
        ("p95{name:/sleep} < 20ms", "✗ FAIL"),
        ("p99.9{name:/sleep} < 5s", "✓ pass"),
        ("median{name:/sleep} < 1s", "✓ pass"),
        ("avg{name:/sleep} >= 25ms", "✓ pass"),
        ("min{name:/sleep} >= 25ms", "✓ pass"),
        ("max{name:/sleep} < 25ms", "✗ FAIL"),
        ("fail_ratio{name:/mixed} <= 50%", "✓ pass"),
        ("fail_ratio{name:/mixed} < 40%", "✗ FAIL"),
        ("fail_ratio{method:GET,name:/mixed} <= 0", "✓ pass"),
        ("failures{method:POST} >= 1", "✓ pass"),
        ("fail_ratio < 1%", "✗ FAIL"),
        ("failures/s > 0", "✓ pass"),
        ("failures/s{name:/sleep} > 0", "✗ FAIL"),
        ("rps > 1", "✓ pass"),
        ("rps > 100000", "✗ FAIL"),
        ("requests{method:xmlrpc,name:add} >= 5", "✓ pass"),
        ("avg{method:xmlrpc} <= 5ms", "✓ pass"),
        ("p95{name:/never-requested} < 1s", "✗ NODATA"),
        ("requests > 10 after 1m", "- skip"),
    ];
    let thresholds: Vec<&str> = expected.iter().map(|(t, _)| *t).collect();
    let run = judged(
        &target.url(),
        "4s",
        &thresholds,
        &["--json-file", &json, "--junit", &junit, "--html", &html],
        &[("FAST_MS", "30")],
    );
    assert_eq!(run.code, Some(99), "{}", run.all());
    assert_marks(&run, &expected);
    assert!(
        run.stderr.contains("7 of 20 thresholds failed"),
        "{}",
        run.all()
    );

    // Locust's JSON is untouched (an array of rows); the verdicts are next to it.
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{json}.json")).unwrap()).unwrap();
    assert!(
        rows.is_array()
            && rows
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["name"].is_string())
    );
    let verdicts: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{json}.thresholds.json")).expect("the thresholds' JSON"),
    )
    .unwrap();
    assert_eq!(verdicts["passed"], false);
    let list = verdicts["thresholds"].as_array().unwrap();
    assert_eq!(list.len(), expected.len());
    let p95 = &list[1];
    assert_eq!(p95["threshold"], "p95{name:/sleep} < 20ms");
    assert_eq!(
        (
            p95["metric"].as_str(),
            p95["name"].as_str(),
            p95["op"].as_str()
        ),
        (Some("p95"), Some("/sleep"), Some("<"))
    );
    assert_eq!(
        (
            p95["limit"].as_f64(),
            p95["unit"].as_str(),
            p95["result"].as_str()
        ),
        (Some(20.0), Some("ms"), Some("failed"))
    );
    assert!(p95["value"].as_f64().unwrap() >= 30.0, "{p95}");
    assert_eq!(list[7]["unit"], "ratio");
    assert_eq!(list[18]["result"], "no_data");
    assert_eq!(list[18]["value"], serde_json::Value::Null);
    assert_eq!(list[19]["result"], "skipped");
    assert_eq!(list[19]["after_s"], 60.0);

    // The HTML report has the table too.
    let report = std::fs::read_to_string(&html).expect("the --html report");
    assert!(
        report.contains("id=\"thresholds\""),
        "no thresholds section"
    );
    assert!(
        report.contains("7 of 20 thresholds failed"),
        "no count in the report"
    );
    assert!(
        report.contains("<code>p95{name:/sleep} &lt; 20ms</code>"),
        "no row in the report"
    );

    // JUnit: valid against the schema, one case per threshold.
    let xml = std::fs::read_to_string(&junit).expect("the --junit file");
    common::reports::validate_junit(Path::new(&junit));
    assert_eq!(xml.matches("<testcase ").count(), expected.len(), "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 7, "{xml}");
    assert_eq!(xml.matches("<skipped ").count(), 1, "{xml}");
    assert!(xml.contains("name=\"p95{name:/sleep} &lt; 20ms\""), "{xml}");
    assert!(xml.contains("message=\"p95 was "), "{xml}");
    assert!(xml.contains("limit &lt; 20.0 ms\""), "{xml}");
}

/// A server that slows down for a second in the middle of the test fails
/// `p95 < 50ms over 2s` but passes the same over the whole run.
#[test]
fn a_slow_spell_fails_a_trailing_window_but_not_the_run() {
    let target = spawn(TargetConfig::default());
    let run = judged(
        &target.url(),
        "9s",
        &["p95{name:/sleep} < 50ms over 2s", "p95{name:/sleep} < 50ms"],
        &[],
        &[("SLOW_FROM", "4"), ("SLOW_UNTIL", "5"), ("SLOW_MS", "300")],
    );
    assert_marks(
        &run,
        &[
            ("p95{name:/sleep} < 50ms over 2s", "✗ FAIL"),
            ("p95{name:/sleep} < 50ms", "✓ pass"),
        ],
    );
    assert_eq!(run.code, Some(99), "{}", run.all());
}

/// The seconds between test_start and test_stop the locustfile printed.
fn stopped_after(run: &Run) -> f64 {
    let line = common::text::line(&run.stdout, "STOPPED AFTER ");
    line.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{}", run.all()))
}

#[test]
fn abort_stops_the_test_at_once_or_after_its_grace() {
    let target = spawn(TargetConfig::default());
    // /late fails from 2 s into the test on; the run time is never reached.
    let env = [("FAIL_FROM", "2")];
    let at_once = "fail_ratio{name:/late} < 10% over 1s abort";
    let run = judged(&target.url(), "40s", &[at_once], &[], &env);
    assert_eq!(run.code, Some(99), "{}", run.all());
    common::text::assert_contains(&run.stderr, &format!("threshold '{at_once}' failed with "));
    common::text::assert_contains(&run.stderr, "and aborts the test, shutting down");
    assert!(
        !run.stderr.contains("--run-time limit reached"),
        "{}",
        run.all()
    );
    assert_marks(&run, &[(at_once, "✗ ABORT")]);
    assert!(stopped_after(&run) >= 2.0, "{}", run.all());

    let graced = "fail_ratio{name:/late} < 10% over 1s abort after 4s";
    let run = judged(&target.url(), "40s", &[graced], &[], &env);
    assert_eq!(run.code, Some(99), "{}", run.all());
    assert_marks(&run, &[(graced, "✗ ABORT")]);
    assert!(
        !run.stderr.contains("--run-time limit reached"),
        "{}",
        run.all()
    );
    // Failing from about 2 s on, it waits 4 s of failures before stopping.
    assert!(stopped_after(&run) >= 6.0, "{}", run.all());
}

#[test]
fn exit_codes_keep_their_precedence() {
    let target = spawn(TargetConfig::default());
    let url = target.url();
    // Passing thresholds: failed requests still give Locust's exit code 1 …
    let run = judged(&url, "2s", &["rps > 1"], &[], &[]);
    assert_marks(&run, &[("rps > 1", "✓ pass")]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    // … or --exit-code-on-error's.
    let run = judged(
        &url,
        "2s",
        &["rps > 1"],
        &["--exit-code-on-error", "0"],
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.all());
    // A failed threshold beats failed requests.
    let run = judged(
        &url,
        "2s",
        &["rps > 100000"],
        &["--exit-code-on-error", "5"],
        &[],
    );
    assert_eq!(run.code, Some(99), "{}", run.all());
    // User code's process_exit_code beats a failed threshold.
    let run = judged(&url, "2s", &["rps > 100000"], &[], &[("EXIT_CODE", "7")]);
    assert_eq!(run.code, Some(7), "{}", run.all());
    // A bad expression on the command line: clap's exit code 2, naming the bad part.
    let run = judged(&url, "2s", &["p95 < 300xs"], &[], &[]);
    assert_eq!(run.code, Some(2), "{}", run.all());
    common::text::assert_contains(
        &run.stderr,
        "threshold 'p95 < 300xs': 'xs' (column 10): expected a time unit (us, ms or s) after 300",
    );
}

#[test]
fn configuration_files_declare_thresholds() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("thresholds-config");
    std::fs::write(
        dir.join("locust.conf"),
        "threshold = fail_ratio{method:GET,name:/mixed} <= 0\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        "[tool.locust]\nthreshold = [\"rps > 1\", \"p95{name:/sleep} < 1ms\"]\n",
    )
    .unwrap();
    let file = locustfile("thresholds.py");
    let url = target.url();
    let args = [
        "--headless",
        "-f",
        &file,
        "-H",
        &url,
        "-u",
        "2",
        "-t",
        "2s",
        "--only-summary",
    ];
    let run = common::timed::run(
        Command::new(locusta_binary())
            .args(args)
            .current_dir(&*dir)
            .env("FAST_MS", "5"),
        LIMIT,
    );
    // pyproject.toml is stronger than locust.conf: its list is the setting.
    assert_marks(
        &run,
        &[("rps > 1", "✓ pass"), ("p95{name:/sleep} < 1ms", "✗ FAIL")],
    );
    assert!(
        !run.stderr.contains("fail_ratio{method:GET"),
        "{}",
        run.all()
    );
    assert_eq!(run.code, Some(99), "{}", run.all());

    // A bad one in a file: the file, its line and the bad part.
    std::fs::remove_file(dir.join("pyproject.toml")).unwrap();
    std::fs::write(
        dir.join("locust.conf"),
        "users = 2\nthreshold = p95 <= fast\n",
    )
    .unwrap();
    let run = common::timed::run(
        Command::new(locusta_binary()).args(args).current_dir(&*dir),
        LIMIT,
    );
    assert_eq!(run.code, Some(1), "{}", run.all());
    common::text::assert_contains(&run.stderr, "locust.conf, line 2: invalid value");
    common::text::assert_contains(
        &run.stderr,
        "threshold 'p95 <= fast': 'fast' (column 8): expected a time limit",
    );
}

#[test]
fn locust_plugins_checks_become_thresholds_without_the_plugin() {
    let target = spawn(TargetConfig::default());
    let url = target.url();
    // A missed check: locust-plugins' exit code 3.
    let run = judged(&url, "2s", &[], &["--check-rps", "100000"], &[]);
    assert_marks(&run, &[("rps >= 100000 (--check-rps)", "✗ FAIL")]);
    assert_eq!(run.code, Some(3), "{}", run.all());
    // --check-fail-ratio judges the failures instead of --exit-code-on-error.
    let run = judged(
        &url,
        "2s",
        &[],
        &[
            "--check-fail-ratio",
            "0.6",
            "--check-avg-response-time",
            "5000",
        ],
        &[],
    );
    assert_marks(
        &run,
        &[
            ("fail_ratio <= 0.6 (--check-fail-ratio)", "✓ pass"),
            ("avg <= 5000ms (--check-avg-response-time)", "✓ pass"),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.all());
    let run = judged(&url, "2s", &[], &["--check-fail-ratio", "0.1"], &[]);
    assert_eq!(run.code, Some(3), "{}", run.all());
    // A declared threshold's 99 beats a check's 3.
    let run = judged(
        &url,
        "2s",
        &["rps > 100000"],
        &["--check-rps", "100000"],
        &[],
    );
    assert_eq!(run.code, Some(99), "{}", run.all());
}

/// The same load, the same thresholds, judged by a master over its
/// workers' merged statistics and by a local run: the same verdicts.
#[test]
fn a_distributed_run_is_judged_as_a_local_one() {
    let target = spawn(TargetConfig::default());
    let url = target.url();
    let expected = [
        ("fail_ratio{name:/mixed} <= 50%", "✓ pass"),
        ("fail_ratio{name:/mixed} < 40%", "✗ FAIL"),
        ("p50{name:/sleep} >= 20ms", "✓ pass"),
        ("max{name:/sleep} < 20ms", "✗ FAIL"),
        ("requests{method:xmlrpc} >= 5", "✓ pass"),
        ("failures{method:GET,name:/mixed} < 1", "✓ pass"),
        ("p95{name:/sleep} < 10ms over 2s", "✗ FAIL"),
    ];
    let thresholds: Vec<&str> = expected.iter().map(|(t, _)| *t).collect();
    let env = [("FAST_MS", "25")];
    let local = judged(&url, "5s", &thresholds, &[], &env);
    assert_marks(&local, &expected);
    assert_eq!(local.code, Some(99), "{}", local.all());
    let distributed = judged(&url, "5s", &thresholds, &["--processes", "2"], &env);
    assert_marks(&distributed, &expected);
    assert_eq!(distributed.code, Some(99), "{}", distributed.all());
}

/// A locustfile's `environment.thresholds` (append and `+=`, in an init
/// listener) joins the command line's; a bad one raises ValueError there.
#[test]
fn a_locustfile_declares_thresholds_on_its_environment() {
    let target = spawn(TargetConfig::default());
    let url = target.url();
    let env = [
        ("PY_APPEND", "requests > 0;rps > 100000"),
        ("PY_PLUS", "fail_ratio{method:GET,name:/mixed} <= 0"),
    ];
    let run = judged(&url, "2s", &["rps > 1"], &[], &env);
    assert_marks(
        &run,
        &[
            ("rps > 1", "✓ pass"),
            ("requests > 0", "✓ pass"),
            ("rps > 100000", "✗ FAIL"),
            ("fail_ratio{method:GET,name:/mixed} <= 0", "✓ pass"),
        ],
    );
    common::text::assert_contains(
        &run.stdout,
        "DECLARED ['requests > 0', 'rps > 100000', 'fail_ratio{method:GET,name:/mixed} <= 0']",
    );
    assert_eq!(run.code, Some(99), "{}", run.all());
    let run = judged(&url, "2s", &[], &[], &[("PY_APPEND", "p95 < soon")]);
    common::text::assert_contains(
        &run.stderr,
        "ValueError: threshold 'p95 < soon': 'soon' (column 7): expected a time limit",
    );
    common::text::assert_contains(&run.stderr, "thresholds.py");
}

async fn home(u: &mut User<()>) {
    u.client.get("/").send().await;
}

/// `Locusta::threshold`, in a Rust program; a bad one stops the run before
/// it starts.
#[test]
fn a_rust_program_declares_thresholds() {
    let target = spawn(TargetConfig::default());
    let url = target.url();
    let program = |threshold: &str| {
        Locusta::new()
            .user(
                UserClass::<()>::new("Visitor")
                    .wait(constant(0.05))
                    .task(1, home),
            )
            .threshold(threshold)
    };
    let args = [
        "locusta",
        "--headless",
        "--only-summary",
        "-u",
        "1",
        "-t",
        "2s",
        "-H",
        &url,
    ];
    assert_eq!(program("fail_ratio < 1%").run_with_args(args), 0);
    assert_eq!(program("requests > 1000000").run_with_args(args), 99);
    assert_eq!(program("p95 <").run_with_args(args), 1);
}

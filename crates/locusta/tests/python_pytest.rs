//! pytest-style locustfiles (`test_*` functions taking the `session` and
//! `fastsession` fixtures, no User class): each function runs as a user
//! looping over it, as in Locust. The same file runs under real Locust
//! 2.47 against the same kind of target, and the statistics must carry the
//! same names with the same failing rows.
#![cfg(feature = "python")]

use std::collections::BTreeMap;
use std::process::Command;

use locusta_demo_target::{spawn, TargetConfig};

mod common;

use common::programs::{locusta, locustfile, real_locust, LIMIT};
use common::text::assert_contains;
use common::timed::{run, Run};

/// The arguments of a short headless run of `file` against `url`, two
/// users (one per test function), with the statistics as JSON on stdout.
fn run_args(file: &str, url: &str) -> Vec<String> {
    [
        "-f", file, "-H", url, "-u", "2", "-r", "10", "-t", "3s", "--json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The names of the rows of a run's `--json` output, and whether each had failures.
fn names(run: &Run) -> BTreeMap<String, bool> {
    run.rows()
        .into_iter()
        .map(|(name, (requests, failures))| {
            assert!(requests > 0, "{name} has no request");
            (name, failures > 0)
        })
        .collect()
}

#[test]
fn test_functions_run_as_users_with_the_statistics_locust_gives_them() {
    let file = locustfile("test_pytest_style.py");

    let target = spawn(TargetConfig::default());
    let args = run_args(&file, &target.url());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ours = locusta(&args);
    assert_eq!(
        ours.code,
        Some(1),
        "failures give exit code 1: {}",
        ours.stderr
    );
    // One user per test function, named after it.
    let spawned = ours
        .stderr
        .lines()
        .find(|l| l.contains("All users spawned: "))
        .unwrap_or_else(|| panic!("no spawn line in:\n{}", ours.stderr));
    for class in [r#""test_shop": 1"#, r#""test_fast": 1"#] {
        assert_contains(spawned, class);
    }
    // raise_for_status() raised in every round, and the users went on: no
    // error logged, no exception recorded, the request after it never sent.
    assert!(!ours.stderr.contains("Traceback"), "{}", ours.stderr);
    let rows = ours.rows();
    assert!(rows["/status/404"].0 > 1, "test_shop looped: {rows:?}");
    assert!(rows["/status/503"].0 > 1, "test_fast looped: {rows:?}");
    assert!(!rows.contains_key("/after-error"), "{rows:?}");
    // Cookies persist in a user's session: /cart after /login never fails.
    assert_eq!(rows["/cart"].1, 0, "{rows:?}");

    let target = spawn(TargetConfig::default());
    let args = run_args(&file, &target.url());
    let locust = run(
        Command::new(real_locust()).arg("--headless").args(&args),
        LIMIT,
    );
    assert_eq!(locust.code, Some(1), "{}", locust.stderr);
    assert_eq!(
        names(&ours),
        names(&locust),
        "locusta's rows, then Locust's"
    );
}

#[test]
fn a_test_function_asking_for_an_unknown_fixture_stops_the_start_naming_it() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("test_pytest_unknown_fixture.py"),
        "-H",
        &target.url(),
        "-u",
        "1",
        "-t",
        "2s",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_contains(
        &run.stderr,
        "Could not find fixture for parameter 'database' in test_needs_a_database",
    );
    assert_eq!(target.requests_served(), 0);
}

//! A pytest-style locustfile from the wheel, in a fresh venv (CPython 3.13)
//! with pytest installed beside locusta: plain `pytest` runs its tests with
//! the wheel's `session`/`fastsession` fixtures (the plugin the wheel
//! registers in the `pytest11` entry-point group) against `--host`, and
//! `locusta -f` runs the same file as a load test, where the run's own
//! fixtures replace the plugin's.

mod common;

use std::time::Duration;

use common::reports::csv_totals;
use common::scratch::scratch;
use common::text::assert_contains;
use common::timed::run;
use common::{root, Venv};
use locusta_demo_target::{spawn, TargetConfig};

/// Every run is bounded: one that does not end by itself within this is a hang.
const LIMIT: Duration = Duration::from_secs(90);

/// The pytest-style locustfile `crates/locusta`'s tests run too.
fn locustfile() -> String {
    root()
        .join("crates/locusta/tests/locustfiles/test_pytest_style.py")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn a_pytest_style_locustfile_is_a_test_suite_under_pytest_and_a_load_test_under_locusta() {
    let venv = Venv::new("pytest", &common::python(13), &["pytest"]);
    let dir = scratch("wheel-pytest");

    let target = spawn(TargetConfig::default());
    let tested = run(
        venv.command("pytest")
            .args([
                "-q",
                "-p",
                "no:cacheprovider",
                &locustfile(),
                "--host",
                &target.url(),
            ])
            .current_dir(&dir),
        LIMIT,
    );
    assert_eq!(tested.code, Some(0), "{}", tested.all());
    assert_contains(&tested.stdout, "2 passed");
    // test_shop sends 4 requests, test_fast 1: each to the target.
    assert_eq!(target.requests_served(), 5, "{}", tested.all());

    let target = spawn(TargetConfig::default());
    let csv = dir.join("run").to_string_lossy().into_owned();
    let loaded = run(
        venv.command("locusta")
            .args(["-f", &locustfile(), "--headless", "-u", "2", "-r", "10"])
            .args(["-t", "2s", "-H", &target.url(), "--csv", &csv])
            .current_dir(&dir),
        LIMIT,
    );
    assert_eq!(
        loaded.code,
        Some(1),
        "failures give exit code 1: {}",
        loaded.all()
    );
    let spawned = loaded
        .stderr
        .lines()
        .find(|l| l.contains("All users spawned: "))
        .unwrap_or_else(|| panic!("no spawn line in:\n{}", loaded.stderr));
    for class in [r#""test_shop": 1"#, r#""test_fast": 1"#] {
        assert_contains(spawned, class);
    }
    let (requests, failures) = csv_totals(&dir.join("run_stats.csv"));
    assert!(
        failures > 0 && requests > failures,
        "{requests} requests, {failures} failures"
    );
    // The target may have answered a request whose user the end of the run killed.
    assert!(requests <= target.requests_served(), "{requests} counted");
}

//! locust-plugins' PlaywrightUser from the wheel, in a fresh venv (CPython
//! 3.13) with Playwright's Python package and locust-plugins (without its
//! Locust dependency) beside locusta, driving Debian's chromium by its path
//! (`crates/locusta/tests/locustfiles/playwright_users.py`) against a demo
//! target. Its own venv: the plugin refuses to import where trio is
//! installed, and selenium (the WebdriverUser tests') brings trio.

mod common;

use std::time::Duration;

use common::scratch::scratch;
use common::timed::run;
use common::{root, Venv};
use locusta_demo_target::{spawn, TargetConfig};

/// Every run is bounded: one that does not end by itself within this is a hang.
const LIMIT: Duration = Duration::from_secs(120);

#[test]
fn playwright_users_drive_debians_chromium() {
    assert!(
        std::path::Path::new("/usr/bin/chromium").is_file(),
        "/usr/bin/chromium is missing: run scripts/setup.sh test (apt-get install chromium)"
    );
    let venv = Venv::new(
        "playwright",
        &common::python(13),
        &["playwright", "typing-extensions"],
    );
    let plugins = run(
        venv.command("pip")
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
            ])
            .arg("locust-plugins==5.0.3"),
        Duration::from_secs(300),
    );
    assert_eq!(plugins.code, Some(0), "{}", plugins.all());

    let target = spawn(TargetConfig::default());
    let dir = scratch("wheel-playwright");
    let locustfile = root().join("crates/locusta/tests/locustfiles/playwright_users.py");
    let ran = run(
        venv.command("locusta")
            .arg("-f")
            .arg(&locustfile)
            .args([
                "--headless",
                "-u",
                "2",
                "-r",
                "10",
                "-t",
                "6s",
                "-H",
                &target.url(),
                "--json",
            ])
            .current_dir(&dir),
        LIMIT,
    );
    assert_eq!(ran.code, Some(0), "{}", ran.all());
    let rows = ran.rows();
    let (visits, failed) = rows["front page"];
    assert!(visits > 0 && failed == 0, "{rows:?}");
    // One TASK row per visit (one fewer when the end came between the two).
    let (tasks, failed) = rows["Shopper.front_page"];
    assert!(
        failed == 0 && tasks <= visits && tasks + 1 >= visits,
        "{rows:?}"
    );
    // The browser asked the target for the page, once a visit at least.
    assert!(target.requests_served() >= visits);
}

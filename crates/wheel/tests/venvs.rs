//! The wheel as a Locust user meets it: `python -m venv`, `pip install` of
//! the wheel and a third-party package, and a locustfile that imports that
//! package, run by the venv's `locusta` against a local server, for every
//! CPython from 3.9 to 3.13 and Debian's own python3; and the same venv with
//! a real Locust installed beside locusta, both commands working.

mod common;

use std::time::Duration;

use common::reports::csv_totals;
use common::scratch::scratch;
use common::text::assert_contains;
use common::timed::run;
use common::{write, Venv};
use locusta_demo_target::{spawn, TargetConfig};

/// A locustfile that imports a package only the venv has (`six`) and says
/// which interpreter and which `locust` package it runs with.
const LOCUSTFILE: &str = r#"
import os
import sys

import six

import locust
from locust import HttpUser, constant, events, task

@events.init.add_listener
def _(environment, **kwargs):
    print(f"interpreter {sys.version_info[0]}.{sys.version_info[1]} at {sys.prefix}", flush=True)
    print(f"six {six.__version__} from {os.path.dirname(six.__file__)}", flush=True)
    print(f"locust package {locust.__file__}", flush=True)

class Visitor(HttpUser):
    wait_time = constant(0.01)

    @task
    def index(self):
        self.client.get("/")
"#;

#[test]
fn every_cpython_runs_a_locustfile_that_imports_a_package_of_its_venv() {
    let target = spawn(TargetConfig::default());
    for python in common::pythons() {
        let name = python.label.replace(' ', "-");
        let venv = Venv::new(&format!("cpython-{name}"), &python, &["six"]);
        let dir = scratch(&format!("cpython-{name}"));
        let file = write(&dir, "locustfile.py", LOCUSTFILE);
        let before = target.requests_served();
        let prefix = dir.join("run");
        let ran = run(
            venv.command("locusta")
                .args(["-f", &file, "--headless", "-u", "3", "-r", "3", "-t", "2s"])
                .args(["-H", &target.url(), "--only-summary", "--csv"])
                .arg(&prefix)
                .current_dir(&dir),
            Duration::from_secs(60),
        );
        let context = format!("{}:\n{}", python.label, ran.all());
        assert_eq!(ran.code, Some(0), "{context}");
        let venv_dir = venv.dir.canonicalize().expect("the venv");
        assert_contains(&ran.stdout, &format!("at {}", venv_dir.display()));
        assert_contains(&ran.stdout, &format!("from {}", venv_dir.display()));
        assert_contains(&ran.stdout, "locust package <locusta>/");
        let (requests, failures) = csv_totals(&dir.join("run_stats.csv"));
        assert!(requests > 0, "no requests: {context}");
        assert_eq!(failures, 0, "{context}");
        assert_eq!(
            target.requests_served() - before,
            requests,
            "the server's count differs from the report: {context}"
        );
        // `python -m locusta` is the same command.
        let module = run(
            venv.command("python").args(["-m", "locusta", "--version"]),
            Duration::from_secs(30),
        );
        assert_eq!(module.code, Some(0), "{}", module.all());
        assert_contains(&module.stdout, "locusta 0.1.0");
        let _ = std::fs::remove_dir_all(&venv.dir);
    }
}

#[test]
fn real_locust_and_locusta_share_a_venv_without_shadowing_each_other() {
    let target = spawn(TargetConfig::default());
    let venv = Venv::new(
        "with-locust",
        &common::python(12),
        &["six", "locust==2.47.0"],
    );
    let dir = scratch("with-locust");
    let file = write(&dir, "locustfile.py", LOCUSTFILE);
    let version = run(
        venv.command("locust").arg("--version"),
        Duration::from_secs(60),
    );
    assert_eq!(version.code, Some(0), "{}", version.all());
    assert_contains(
        &format!("{}{}", version.stdout, version.stderr),
        "locust 2.47.0",
    );
    // Real Locust runs the same locustfile with its own package.
    let locust = run(
        venv.command("locust")
            .args(["-f", &file, "--headless", "-u", "2", "-r", "2", "-t", "2s"])
            .args(["-H", &target.url(), "--only-summary"])
            .current_dir(&dir),
        Duration::from_secs(60),
    );
    assert_eq!(locust.code, Some(0), "{}", locust.all());
    let site = venv.dir.canonicalize().expect("the venv");
    assert_contains(
        &locust.stdout,
        &format!("locust package {}", site.display()),
    );
    // locusta, in the same venv, runs it with its own.
    let ran = run(
        venv.command("locusta")
            .args(["-f", &file, "--headless", "-u", "2", "-r", "2", "-t", "2s"])
            .args(["-H", &target.url(), "--only-summary", "--json"])
            .current_dir(&dir),
        Duration::from_secs(60),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.all());
    assert_contains(&ran.stdout, "locust package <locusta>/");
    assert_contains(&ran.stdout, "\"num_requests\"");
    // And Python outside either command still imports the real Locust.
    let plain = run(
        venv.command("python").args([
            "-c",
            "import locust, locusta; print(locust.__file__, locusta.__version__)",
        ]),
        Duration::from_secs(60),
    );
    assert_eq!(plain.code, Some(0), "{}", plain.all());
    assert_contains(&plain.stdout, "site-packages/locust/__init__.py 0.1.0");
    let _ = std::fs::remove_dir_all(&venv.dir);
}

#[test]
fn a_venv_without_gevent_is_told_which_interpreter_needs_it() {
    // pip would install gevent with the wheel: a venv where it was removed
    // afterwards gets a message naming that venv's own interpreter.
    let venv = Venv::new("no-gevent", &common::python(11), &[]);
    let removed = run(
        venv.command("pip")
            .args(["uninstall", "--yes", "--quiet", "gevent"]),
        Duration::from_secs(120),
    );
    assert_eq!(removed.code, Some(0), "{}", removed.all());
    let dir = scratch("no-gevent");
    let file = write(&dir, "locustfile.py", LOCUSTFILE);
    let ran = run(
        venv.command("locusta")
            .args(["-f", &file, "--headless", "-t", "1s"]),
        Duration::from_secs(60),
    );
    assert_eq!(ran.code, Some(1), "{}", ran.all());
    assert_contains(&ran.stderr, "cannot import it: install it with `");
    assert_contains(&ran.stderr, &format!("{}/bin/python", venv.dir.display()));
    assert_contains(&ran.stderr, " -m pip install gevent`");
    let _ = std::fs::remove_dir_all(&venv.dir);
}

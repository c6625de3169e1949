//! Locust's library use with a web UI (`locusta --python script.py`,
//! Locust's `python script.py` of its `use_as_lib` example): a script with a
//! local runner calls `environment.create_web_ui(host, port)` and gets
//! locusta's own web UI in its process. Checked as a real process on
//! 127.0.0.1 against a target started here: the page is served, its
//! statistics are the script's (the target's own count once stopped), its
//! Stop and Start buttons drive the script's runner, and `web_ui.stop()`
//! closes the port before the script exits 0. The form's host, class
//! choice and per-class settings reach the script's environment and
//! classes, and the Logs tab shows the script's log lines.
#![cfg(feature = "python")]

mod common;

use std::time::{Duration, Instant};

use common::net::{free_port, http, request};
use common::process::Proc;
use common::programs::{locusta_binary, locustfile};
use common::scratch::scratch;
use common::text::{field, line, number};
use common::timed::wait_until;
use locusta_demo_target::{spawn, TargetConfig};
use serde_json::Value;

/// `/stats/requests` as JSON, or None while the UI does not answer.
fn stats(address: &str) -> Option<Value> {
    std::net::TcpStream::connect(address).ok()?;
    let answer = request(address, "GET", "/stats/requests", &[], "");
    serde_json::from_str(&answer.body).ok()
}

/// The Aggregated row's request count.
fn requests(stats: &Value) -> u64 {
    stats["stats"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["name"] == "Aggregated"))
        .and_then(|row| row["num_requests"].as_u64())
        .unwrap_or(0)
}

/// Polls `/stats/requests` (at most 30 s) until `done` holds; the last answer.
#[track_caller]
fn wait_for_stats(address: &str, script: &Proc, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(stats) = stats(address) {
            if done(&stats) {
                return stats;
            }
            assert!(
                Instant::now() < deadline,
                "the UI never showed it; last: {stats}\nscript log:\n{}",
                script.log()
            );
        } else {
            assert!(
                Instant::now() < deadline,
                "the UI never answered; script log:\n{}",
                script.log()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_scripts_web_ui_shows_its_test_drives_its_runner_and_stops() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("library-web-ui");
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let mut script = Proc::start(
        locusta_binary(),
        &[
            "--python",
            &locustfile("library_web_ui.py"),
            &target.url(),
            &port.to_string(),
        ],
        &dir,
        "script",
    );

    // The script's users run: the page shows them and their requests.
    let running = wait_for_stats(&address, &script, |s| {
        s["state"] == "running" && s["user_count"] == 3 && requests(s) > 0
    });
    assert_eq!(running["stats"][0]["name"], "/", "{running}");
    let page = request(&address, "GET", "/", &[], "");
    assert_eq!(page.status(), 200, "{}", page.body);
    assert!(page.body.contains("library_web_ui.py"), "{}", page.body);

    // The page's Stop stops the script's runner; once stopped, the page
    // counts every request the target served.
    let (status, _) = http(&address, "GET", "/stop", "");
    assert!(status.contains(" 200 "), "{status}");
    let stopped = wait_for_stats(&address, &script, |s| {
        s["state"] == "stopped" && s["user_count"] == 0
    });
    assert_eq!(requests(&stopped), target.requests_served(), "{stopped}");

    // The page's Start starts the script's runner again.
    let (status, body) = http(&address, "POST", "/swarm", "user_count=2&spawn_rate=2");
    assert!(status.contains(" 200 "), "{status} {body}");
    wait_for_stats(&address, &script, |s| {
        s["state"] == "running" && s["user_count"] == 2
    });
    // The charts' history is recorded while the test runs.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let history = request(&address, "GET", "/stats/history", &[], "");
        let history: Value = serde_json::from_str(&history.body).expect("JSON");
        let points = history["points"].as_array().map_or(0, Vec::len);
        if points > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no history: {history}");
        std::thread::sleep(Duration::from_millis(100));
    }

    // The script quits, stops its UI and exits 0.
    let status = script.wait_for(Duration::from_secs(40));
    let out = script.stdout();
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "stdout:\n{out}\nstderr:\n{}",
        script.log()
    );
    let init = line(&out, "INIT ");
    assert_eq!(field(init, "same_web_ui"), "True", "{out}");
    assert_eq!(field(init, "env_web_ui"), "True", "{out}");
    let by_ui = line(&out, "STOPPED_BY_UI ");
    assert_eq!(field(by_ui, "stopped"), "True", "{out}");
    assert_eq!(number(by_ui, "users"), 0, "{out}");
    let by_ui = line(&out, "STARTED_BY_UI ");
    assert_eq!(field(by_ui, "started"), "True", "{out}");
    assert_eq!(number(by_ui, "users"), 2, "{out}");
    assert_eq!(
        field(line(&out, "WEB_UI_STOPPED "), "closed"),
        "True",
        "{out}"
    );
    assert!(std::net::TcpStream::connect(&address).is_err());
    // env.stats are the statistics the page showed: the second test's
    // requests, every one the target served since the first ended.
    let totals = line(&out, "TOTALS ");
    let second = number(totals, "requests");
    assert!(second > 0, "{out}");
    assert_eq!(
        second + requests(&stopped),
        target.requests_served(),
        "{out}"
    );
    assert_eq!(number(totals, "failures"), 0, "{out}");
}

#[test]
fn a_scripts_web_ui_form_sets_host_classes_and_class_settings_and_shows_its_logs() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("library-web-ui-form");
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let mut script = Proc::start(
        locusta_binary(),
        &[
            "--python",
            &locustfile("library_web_ui_form.py"),
            &port.to_string(),
        ],
        &dir,
        "script",
    );

    // The Logs tab shows the script's log lines, in Locust's format.
    wait_until(
        Duration::from_secs(30),
        "the script's line in /logs",
        || {
            std::net::TcpStream::connect(&address).is_ok()
                && request(&address, "GET", "/logs", &[], "")
                    .body
                    .contains("/INFO/root: the script waits for the page")
        },
    );

    // A class's settings from the page reach the script's class.
    let settings = r#"{"user_class_name": "Buyer", "path": "/products/2"}"#;
    let answer = request(
        &address,
        "POST",
        "/user",
        &[("Content-Type", "application/json")],
        settings,
    );
    assert!(answer.status() < 300, "{} {}", answer.status(), answer.body);

    // Start with the form's host and one class picked.
    let form = format!(
        "user_count=2&spawn_rate=10&host={}&user_classes=Buyer",
        target.url()
    );
    let (status, body) = http(&address, "POST", "/swarm", &form);
    assert!(status.contains(" 200 "), "{status} {body}");
    let running = wait_for_stats(&address, &script, |s| {
        s["state"] == "running" && s["user_count"] == 2 && requests(s) > 0
    });
    let mut names: Vec<&str> = running["stats"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|row| row["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["/products/2", "Aggregated"], "{running}");
    assert_eq!(running["fail_ratio"], 0.0, "{running}");

    let (status, _) = http(&address, "GET", "/stop", "");
    assert!(status.contains(" 200 "), "{status}");
    let status = script.wait_for(Duration::from_secs(40));
    let out = script.stdout();
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "stdout:\n{out}\nstderr:\n{}",
        script.log()
    );
    let started = line(&out, "STARTED_BY_UI ");
    assert_eq!(field(started, "started"), "True", "{out}");
    assert_eq!(field(started, "host"), target.url(), "{out}");
    assert_eq!(number(started, "buyers"), 2, "{out}");
    assert_eq!(number(started, "readers"), 0, "{out}");
    assert_eq!(field(started, "path"), "/products/2", "{out}");
    assert!(target.requests_served() > 0);
}

//! The programs as a user runs them: messages of bad options, signals, the
//! console output of a whole run.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::programs::{example, run_binary, LIMIT};
use common::reports::csv_totals;
use common::scratch::scratch;
use common::timed::{finish, run, wait_until};
use locusta_demo_target::{spawn, TargetConfig};

/// `locusta ARGS…` to its end.
fn locusta(args: &[&str]) -> common::timed::Run {
    run_binary(args, &[])
}

#[test]
fn an_unknown_option_gets_a_suggestion_and_exit_code_2() {
    let out = locusta(&["--headless", "--user", "5"]);
    assert_eq!(out.code, Some(2));
    let stderr = &out.stderr;
    assert!(stderr.contains("--users"), "{stderr}");
}

#[test]
fn a_malformed_run_time_says_what_is_valid() {
    let out = locusta(&["--headless", "-t", "10 minutes"]);
    assert_eq!(out.code, Some(2));
    let stderr = &out.stderr;
    assert!(
        stderr.contains(
            "Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc."
        ),
        "{stderr}"
    );
}

#[test]
fn negative_users_and_zero_spawn_rate_are_refused_clearly() {
    let out = locusta(&["--headless", "-u", "-3"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("the number of users must be 0 or more"),
        "{}",
        out.stderr
    );
    let out = locusta(&["--headless", "-r", "0"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("the spawn rate must be a number greater than 0"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_bare_binary_explains_that_it_has_no_users() {
    let out = locusta(&["--headless", "-H", "http://127.0.0.1:1"]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("No User class found!"),
        "{}",
        out.stderr
    );
    let out = locusta(&["--headless", "-f", "no-such-locustfile.py"]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("Could not find 'no-such-locustfile.py'"),
        "{}",
        out.stderr
    );
}

#[test]
fn version_and_list() {
    let out = locusta(&["-V"]);
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.starts_with("locusta "), "{}", out.stdout);
    let out = run(Command::new(example("shop")).arg("--list"), LIMIT);
    assert_eq!(out.code, Some(0));
    assert_eq!(out.stdout, "Available Users:\n    Shopper\n");
}

/// Runs the shop example for a while, then sends `signal`; every output must
/// still be printed and the process must end by itself.
fn stop_with(signal: libc::c_int) {
    let target = spawn(TargetConfig::default());
    let dir = scratch(&format!("signal-{signal}"));
    let prefix = dir.join("run");
    let report = dir.join("report.html");
    let child = Command::new(example("shop"))
        .args([
            "--headless",
            "-u",
            "10",
            "-r",
            "100",
            "-t",
            "60s",
            "-H",
            &target.url(),
        ])
        .args([
            "--csv",
            prefix.to_str().unwrap(),
            "--html",
            report.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(Duration::from_secs(20), "no traffic", || {
        target.requests_served() >= 20
    });
    // SAFETY: kill only sends a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let ended = finish(child, LIMIT);
    let stderr = ended.stderr;
    assert_eq!(ended.code, Some(0), "{stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
    assert!(
        stderr.contains("Response time percentiles (exact)"),
        "{stderr}"
    );
    let summary_rows = stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("Aggregated"))
        .count();
    assert!(
        summary_rows >= 2,
        "final summary and percentile rows: {stderr}"
    );
    // Every requested file is complete: the final Aggregated row counts every request.
    let (count, _) = csv_totals(&dir.join("run_stats.csv"));
    // The target had served 20 requests; at most one per user (10) was still in flight.
    assert!(count >= 10, "{count} requests in the CSV:\n{stderr}");
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(page.contains("locusta report") && page.contains("Aggregated"));
}

#[test]
fn sigterm_stops_gracefully_and_prints_the_summary() {
    stop_with(libc::SIGTERM);
}

#[test]
fn ctrl_c_stops_gracefully_and_prints_the_summary() {
    stop_with(libc::SIGINT);
}

#[test]
fn console_output_has_locusts_layout() {
    // Locust's format: "%-8s %-76s %7s %12s |%7s %7s %7s%7s | %7s %11s".
    let target = spawn(TargetConfig::default());
    let out = run(
        Command::new(example("bench_fast")).args([
            "--headless",
            "-u",
            "2",
            "-r",
            "10",
            "-i",
            "100",
            "-H",
            &target.url(),
        ]),
        LIMIT,
    );
    assert_eq!(out.code, Some(0));
    let stderr = &out.stderr;
    let header = format!(
        "{:<8} {:<76} {:>7} {:>12} |{:>7} {:>7} {:>7}{:>7} | {:>7} {:>11}",
        "Type", "Name", "# reqs", "# fails", "Avg", "Min", "Max", "Med", "req/s", "failures/s"
    );
    assert!(stderr.contains(&header), "{stderr}");
    let row = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("GET      /  ") && l.contains('|'))
        .unwrap_or_else(|| panic!("no GET / row: {stderr}"));
    let columns: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(columns[2], "100", "{row}");
    assert_eq!(columns[3], "0(0.00%)", "{row}");
}

#[test]
fn task_ratio_as_text_and_json() {
    let out = run(
        Command::new(example("journey")).arg("--show-task-ratio"),
        LIMIT,
    );
    assert_eq!(out.code, Some(0));
    let listing = &out.stdout;
    assert!(listing.contains(" - Visitor: 100.0%"), "{listing}");
    assert!(listing.contains("- home: 60.0%"), "{listing}");
    assert!(listing.contains("- Purchase: 20.0%"), "{listing}");
    let out = run(
        Command::new(example("journey")).arg("--show-task-ratio-json"),
        LIMIT,
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let visitor = &json["per_class"]["Visitor"];
    assert_eq!(visitor["ratio"], 1.0);
    assert_eq!(visitor["tasks"]["home"]["ratio"], 0.6);
    // Inside the sequential journey: login 1, add_to_cart 2, checkout 1 of 4.
    assert_eq!(
        visitor["tasks"]["Purchase"]["tasks"]["add_to_cart"]["ratio"],
        0.5
    );
    let total = &json["total"]["Visitor"]["tasks"]["Purchase"]["tasks"]["add_to_cart"]["ratio"];
    assert!((total.as_f64().unwrap() - 0.1).abs() < 1e-9, "{json}");
}

#[test]
fn a_panicking_event_listener_is_logged_and_gives_exit_code_2() {
    // The journey example has no such listener; build the case in-process instead.
    use locusta::prelude::*;
    let target = spawn(TargetConfig::default());
    async fn index(u: &mut User<()>) {
        u.client.get("/").send().await;
    }
    let code = Locusta::new()
        .user(UserClass::<()>::new("U").task(1, index))
        .setup(|env: &Environment| {
            env.events
                .test_start
                .add_listener(|_| panic!("listener bug"))
        })
        .run_with_args([
            "locusta",
            "--headless",
            "--only-summary",
            "-i",
            "3",
            "-H",
            &target.url(),
        ]);
    assert_eq!(code, 2);
    assert_eq!(target.requests_served(), 3, "the test still ran");
}

//! The web mode as a user runs it: the program serves the UI, prints its URL,
//! starts tests from `/swarm` or `--autostart`, quits on SIGTERM or
//! `--autoquit`, and writes the outputs asked for on the command line.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::net::http;
use common::process::Proc;
use common::programs::{example, LIMIT};
#[cfg(feature = "python")]
use common::programs::{example_file, locusta_binary, locustfile};
use common::scratch::scratch;
use common::timed::run;
use locusta_demo_target::{spawn, TargetConfig};

/// The shop example running with `args` in `dir`.
fn shop_program(args: &[&str], dir: &Path) -> Proc {
    Proc::start(&example("shop"), args, dir, "shop")
}

/// `locusta -f LOCUSTFILE EXTRA…` with its UI on a free port and `url` as
/// the host, in `dir`; and the UI's address.
#[cfg(feature = "python")]
fn python_ui(locustfile: &str, extra: &[&str], url: &str, dir: &Path) -> (Proc, String) {
    let mut args = vec!["-f", locustfile];
    args.extend_from_slice(extra);
    args.extend(["--web-host", "127.0.0.1", "--web-port", "0", "-H", url]);
    let program = Proc::start(locusta_binary(), &args, dir, "locusta");
    let address = program.ui_address();
    (program, address)
}

/// The UI's `/stats/requests` once `ready` holds for it; fails, saying
/// `what` and with the last answer, after 20 s.
#[cfg(feature = "python")]
fn stats_when(address: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, stats) = http(address, "GET", "/stats/requests", "");
        if ready(&stats) {
            return stats;
        }
        assert!(Instant::now() < deadline, "{what}: {stats}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_ui_starts_tests_and_sigterm_writes_every_output() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("sigterm");
    let mut program = shop_program(
        &[
            "--web-host",
            "127.0.0.1",
            "--web-port",
            "0",
            "-H",
            &target.url(),
            "--csv",
            "out/run",
            "--csv-full-history",
            "--html",
            "out/report.html",
            "--json-file",
            "out/final",
        ],
        &dir,
    );
    let address = program.ui_address();
    let (status, page) = http(&address, "GET", "/", "");
    assert!(status.contains("200"), "{status}");
    assert!(page.contains("window.templateArgs"));
    // No warning on loopback.
    assert!(!program.log().contains("with no login"));

    let (status, body) = http(
        &address,
        "POST",
        "/swarm",
        "user_count=3&spawn_rate=10&quantity=2",
    );
    assert!(
        status.contains("200") && body.contains("\"success\":true"),
        "{status} {body}"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, stats) = http(&address, "GET", "/stats/requests", "");
        if stats.contains("\"/cart\"") || Instant::now() > deadline {
            assert!(stats.contains("\"user_count\":3"), "{stats}");
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let (status, history) = http(&address, "GET", "/stats/requests_full_history/csv", "");
    assert!(status.contains("200"), "{status}");
    assert!(
        history.starts_with("Timestamp,User Count,Type,Name"),
        "{history}"
    );
    assert!(history.contains(",Aggregated,"), "{history}");
    let (_, bad) = http(
        &address,
        "POST",
        "/swarm",
        "user_count=3&spawn_rate=10&quantity=lots",
    );
    assert!(
        bad.contains("quantity: 'lots' is not a whole number"),
        "{bad}"
    );

    // SIGTERM: a clean exit with every output written.
    program.signal(libc::SIGTERM);
    program.succeeded(Duration::from_secs(30));
    let stats = std::fs::read_to_string(dir.join("out/run_stats.csv")).expect("stats CSV");
    assert!(stats.contains("/cart"), "{stats}");
    let report = std::fs::read_to_string(dir.join("out/report.html")).expect("report");
    assert!(report.contains("/products"));
    let json = std::fs::read_to_string(dir.join("out/final.json")).expect("JSON");
    assert!(json.contains("\"/login\""));
}

#[test]
fn autostart_runs_for_the_run_time_and_autoquit_ends_the_program() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("autoquit");
    let started = Instant::now();
    let mut program = shop_program(
        &[
            "--web-host",
            "127.0.0.1",
            "--web-port",
            "0",
            "-H",
            &target.url(),
            "--autostart",
            "-u",
            "2",
            "-r",
            "10",
            "-t",
            "2s",
            "--autoquit",
            "1",
            "--csv",
            "auto",
        ],
        &dir,
    );
    let address = program.ui_address();
    let (_, stats) = http(&address, "GET", "/stats/requests", "");
    assert!(
        stats.contains("\"state\":\"spawning\"") || stats.contains("\"state\":\"running\""),
        "{stats}"
    );
    program.succeeded(Duration::from_secs(30));
    assert!(started.elapsed() >= Duration::from_secs(3));
    program.line_with("--autoquit time reached");
    let stats = std::fs::read_to_string(dir.join("auto_stats.csv")).expect("stats CSV");
    assert!(stats.contains("/login"), "{stats}");
}

#[test]
fn a_ui_open_to_the_network_without_login_is_warned_about_and_a_login_needs_its_password() {
    let dir = scratch("warn");
    let program = shop_program(
        &[
            "--web-host",
            "0.0.0.0",
            "--web-port",
            "0",
            "-H",
            "http://127.0.0.1:9",
        ],
        &dir,
    );
    program.line_with("with no login");
    let address = program.ui_address();
    assert!(address.starts_with("localhost:"), "{address}");
    drop(program);

    let out = run(
        Command::new(example("shop"))
            .args(["--web-login", "--web-host", "127.0.0.1", "--web-port", "0"])
            .env_remove("LOCUSTA_WEB_LOGIN")
            .current_dir(&dir),
        LIMIT,
    );
    assert_eq!(out.code, Some(1));
    let stderr = &out.stderr;
    assert!(stderr.contains("LOCUSTA_WEB_LOGIN"), "{stderr}");
}

#[test]
fn custom_options_are_in_the_help_and_checked_on_the_command_line() {
    let help = run(Command::new(example("shop")).arg("--help"), LIMIT);
    let text = &help.stdout;
    assert!(text.contains("Custom options"), "{text}");
    assert!(text.contains("--quantity"), "{text}");
    let bad = run(
        Command::new(example("shop")).args([
            "--headless",
            "--quantity",
            "many",
            "-H",
            "http://127.0.0.1:9",
        ]),
        LIMIT,
    );
    assert_eq!(bad.code, Some(2));
    let stderr = &bad.stderr;
    assert!(
        stderr.contains("quantity: 'many' is not a whole number"),
        "{stderr}"
    );
}

#[cfg(feature = "python")]
#[test]
fn python_users_run_from_the_ui_too() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("python");
    let (mut program, address) =
        python_ui(&example_file("locustfile.py"), &[], &target.url(), &dir);
    let (_, tasks) = http(&address, "GET", "/tasks", "");
    assert!(tasks.contains("\"Shopper\""), "{tasks}");
    // Per-class settings of Python classes: each task once (a weighted task is
    // listed once), and the settings reach the Python class.
    let (_, page) = http(&address, "GET", "/", "");
    assert!(
        page.contains(r#""Shopper":["browse","product","add_to_cart","checkout"]"#),
        "{page}"
    );
    for settings in [
        r#"{"user_class_name": "Shopper", "tasks": ["browse", "product"], "weight": 1}"#,
        r#"{"user_class_name": "Visitor", "weight": 0}"#,
    ] {
        let (status, body) = http(&address, "POST", "/user", settings);
        assert!(status.contains("201"), "{settings}: {status} {body}");
    }
    let (status, body) = http(
        &address,
        "POST",
        "/user",
        r#"{"user_class_name": "Shopper", "tasks": ["fly"]}"#,
    );
    assert!(
        status.contains("400") && body.contains("no task named fly"),
        "{status} {body}"
    );
    let (status, body) = http(&address, "POST", "/swarm", "user_count=4&spawn_rate=20");
    assert!(status.contains("200"), "{status} {body}");
    let stats = stats_when(&address, "no Python requests", |stats| {
        stats.contains("\"/products/[id]\"") && stats.contains("\"user_count\":4")
    });
    assert!(!stats.contains("\"/checkout\""), "{stats}");
    assert!(!stats.contains("\"name\":\"/\""), "{stats}");
    let (_, stop) = http(&address, "GET", "/stop", "");
    assert!(stop.contains("Test stopped"));
    program.signal(libc::SIGTERM);
    program.succeeded(Duration::from_secs(30));
}

#[cfg(feature = "python")]
#[test]
fn the_class_picker_runs_the_python_shape_chosen() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("python-shapes");
    let (mut program, address) = python_ui(
        &locustfile("two_shapes.py"),
        &["--class-picker"],
        &target.url(),
        &dir,
    );
    let (_, page) = http(&address, "GET", "/", "");
    assert!(
        page.contains(r#""available_shape_classes":["Default","OneUser","ThreeUsers"]"#),
        "{page}"
    );
    let (status, body) = http(&address, "POST", "/swarm", "shape_class=ThreeUsers");
    assert!(status.contains("200"), "{status} {body}");
    let stats = stats_when(&address, "the shape did not run", |stats| {
        stats.contains("\"ThreeUsers\"") && stats.contains("\"user_count\":3")
    });
    assert!(!stats.contains("\"OneUser\""), "{stats}");
    program.signal(libc::SIGTERM);
    program.succeeded(Duration::from_secs(30));
}

/// In the web UI a threshold's live state is in `/stats/requests`; one that
/// aborts stops the test as the Stop button does, the UI stays, and the
/// exit code says a threshold failed.
#[cfg(feature = "python")]
#[test]
fn a_threshold_that_aborts_stops_the_test_and_the_ui_stays() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("web-thresholds");
    let file = locustfile("thresholds.py");
    let threshold = "fail_ratio{name:/mixed} < 10% abort";
    let extra = [
        "--autostart",
        "-u",
        "2",
        "-r",
        "10",
        "--threshold",
        threshold,
        "--threshold",
        "requests > 0",
    ];
    let (mut program, address) = python_ui(&file, &extra, &target.url(), &dir);
    let stats = stats_when(&address, "the threshold aborts the test", |stats| {
        stats.contains(r#""status":"aborted""#) && stats.contains(r#""state":"stopped""#)
    });
    let answer: serde_json::Value = serde_json::from_str(&stats).expect("JSON");
    let thresholds = answer["thresholds"].as_array().expect("a thresholds key");
    assert_eq!(thresholds[0]["threshold"], threshold);
    assert_eq!(thresholds[0]["limit_text"], "< 10.00%");
    assert_eq!(thresholds[1]["status"], "passing");
    program.expect_log(
        "and aborts the test: stopping the test",
        Duration::from_secs(5),
    );
    // The UI still answers.
    let (head, _) = http(&address, "GET", "/", "");
    assert!(head.contains("200"), "{head}");
    program.signal(libc::SIGTERM);
    assert_eq!(
        program.exit_code(Duration::from_secs(20)),
        Some(99),
        "{}",
        program.log()
    );
    assert!(program.log().contains("✗ ABORT"), "{}", program.log());
}

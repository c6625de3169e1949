//! Every way of running, from the wheel installed in a fresh venv (CPython
//! 3.13): a folder of locustfiles, `--python script.py`, the web UI,
//! `--master` with a worker and a `-f -` worker, `--processes`, Ctrl-C and
//! SIGTERM writing every output, and the exit codes.

mod common;

use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::net::{free_port, try_request};
use common::reports::csv_totals;
use common::scratch::scratch;
use common::text::assert_contains;
use common::timed::{finish, run, wait_until};
use common::{write, Venv};
use locusta_demo_target::{spawn, TargetConfig};

/// Every run is bounded: one that does not end by itself within this is a hang.
const LIMIT: Duration = Duration::from_secs(90);

/// The venv all these tests share (made once, by the first test to ask).
fn venv() -> &'static Venv {
    static VENV: OnceLock<Venv> = OnceLock::new();
    VENV.get_or_init(|| Venv::new("ways", &common::python(13), &[]))
}

const USERS: &str = r#"
from locust import HttpUser, constant, task

class Visitor(HttpUser):
    wait_time = constant(0.02)

    @task
    def index(self):
        self.client.get("/")
"#;

/// Starts the venv's `locusta` with `args` in `dir`, its output piped.
fn start(dir: &std::path::Path, args: &[&str]) -> Child {
    venv()
        .command("locusta")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start locusta")
}

/// `GET path` on 127.0.0.1:`port`: the status and body, or None while
/// nothing answers.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let answer = try_request(&format!("127.0.0.1:{port}"), "GET", path, &[], "").ok()?;
    Some((answer.status(), answer.body))
}

#[test]
fn a_folder_of_locustfiles_runs_every_class() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("ways-folder");
    let files = dir.join("locustfiles");
    std::fs::create_dir_all(&files).expect("a folder");
    write(&files, "first.py", USERS);
    write(
        &files,
        "second.py",
        &USERS
            .replace("Visitor", "Shopper")
            .replace("\"/\"", "\"/products\""),
    );
    let ran = run(
        venv()
            .command("locusta")
            .args(["-f", "locustfiles", "--headless", "-u", "4", "-r", "4"])
            .args(["-t", "2s", "-H", &target.url(), "--only-summary", "--json"])
            .current_dir(&dir),
        LIMIT,
    );
    assert_eq!(ran.code, Some(0), "{}", ran.all());
    assert_contains(&ran.stdout, "\"name\": \"/\"");
    assert_contains(&ran.stdout, "\"name\": \"/products\"");
}

#[test]
fn a_script_runs_one_user_with_run_single_user() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("ways-script");
    let script = write(
        &dir,
        "debug_me.py",
        &format!(
            r#"
from locust import HttpUser, constant, run_single_user, task
from locust.exception import StopUser

class Visitor(HttpUser):
    host = {:?}
    wait_time = constant(0)

    @task
    def three(self):
        for _ in range(3):
            self.client.get("/")
        raise StopUser()

if __name__ == "__main__":
    run_single_user(Visitor)
"#,
            target.url()
        ),
    );
    let ran = run(venv().command("locusta").args(["--python", &script]), LIMIT);
    assert_eq!(ran.code, Some(0), "{}", ran.all());
    let printed = ran
        .stdout
        .lines()
        .filter(|line| line.starts_with("GET\t/ "))
        .count();
    assert!(printed >= 3, "each request is printed:\n{}", ran.all());
    assert_eq!(target.requests_served(), 3);
}

#[test]
fn the_web_ui_serves_its_page_and_runs_a_test() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("ways-web");
    let file = write(&dir, "locustfile.py", USERS);
    let port = free_port();
    let child = start(
        &dir,
        &[
            "-f",
            &file,
            "--web-host",
            "127.0.0.1",
            "--web-port",
            &port.to_string(),
            "--autostart",
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "4s",
            "--autoquit",
            "0",
            "-H",
            &target.url(),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let page = loop {
        if let Some((200, body)) = get(port, "/") {
            break body;
        }
        assert!(Instant::now() < deadline, "the web UI never answered");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_contains(&page, "<html");
    let mut counted = false;
    while Instant::now() < deadline && !counted {
        if let Some((200, json)) = get(port, "/stats/requests") {
            let stats: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            counted = stats["total_rps"].as_f64().unwrap_or(0.0) > 0.0
                || stats["stats"][0]["num_requests"].as_u64().unwrap_or(0) > 0;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(counted, "/stats/requests never counted a request");
    let ended = finish(child, LIMIT);
    assert_eq!(ended.code, Some(0), "{}", ended.all());
}

#[test]
fn a_master_with_a_worker_and_a_worker_that_fetches_the_locustfile() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("ways-distributed");
    let file = write(&dir, "locustfile.py", USERS);
    let port = free_port().to_string();
    let before = target.requests_served();
    let master = start(
        &dir,
        &[
            "-f",
            &file,
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            &port,
            "--headless",
            "--expect-workers",
            "2",
            "-u",
            "4",
            "-r",
            "4",
            "-t",
            "3s",
            "-H",
            &target.url(),
            "--csv",
            "run",
            "--only-summary",
        ],
    );
    let worker = start(&dir, &["-f", &file, "--worker", "--master-port", &port]);
    let fetching = start(&dir, &["-f", "-", "--worker", "--master-port", &port]);
    let master = finish(master, LIMIT);
    assert_eq!(master.code, Some(0), "{}", master.all());
    for worker in [worker, fetching] {
        let worker = finish(worker, LIMIT);
        assert_eq!(worker.code, Some(0), "{}", worker.all());
    }
    let (requests, failures) = csv_totals(&dir.join("run_stats.csv"));
    assert!(requests > 0 && failures == 0, "{}", master.all());
    assert_eq!(target.requests_served() - before, requests);
}

#[test]
fn processes_start_workers_with_the_venvs_python() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("ways-processes");
    let file = write(&dir, "locustfile.py", USERS);
    let port = free_port().to_string();
    let ran = run(
        venv()
            .command("locusta")
            .args(["-f", &file, "--processes", "2", "--master-bind-port", &port])
            .args([
                "--headless",
                "-u",
                "4",
                "-r",
                "4",
                "-t",
                "3s",
                "-H",
                &target.url(),
            ])
            .args(["--csv", "run", "--only-summary"])
            .current_dir(&dir),
        LIMIT,
    );
    assert_eq!(ran.code, Some(0), "{}", ran.all());
    assert_contains(&ran.stderr, "2 workers connected");
    let (requests, failures) = csv_totals(&dir.join("run_stats.csv"));
    assert!(requests > 0 && failures == 0, "{}", ran.all());
}

/// A long run stopped by `signal` still writes every output and exits 0.
fn stopped_by(signal: libc::c_int, name: &str) {
    let target = spawn(TargetConfig::default());
    let dir = scratch(&format!("ways-{name}"));
    let file = write(&dir, "locustfile.py", USERS);
    let child = start(
        &dir,
        &[
            "-f",
            &file,
            "--headless",
            "-u",
            "3",
            "-r",
            "3",
            "-t",
            "60s",
            "-H",
            &target.url(),
            "--csv",
            "run",
            "--html",
            "report.html",
            "--json-file",
            "run",
        ],
    );
    wait_until(Duration::from_secs(30), "no traffic", || {
        target.requests_served() >= 20
    });
    // SAFETY: kill only sends a signal to this test's own child.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let ended = finish(child, LIMIT);
    assert_eq!(ended.code, Some(0), "{}", ended.all());
    let (requests, _) = csv_totals(&dir.join("run_stats.csv"));
    assert!(requests >= 17, "{}", ended.all());
    for output in [
        "run_failures.csv",
        "run_exceptions.csv",
        "run_stats_history.csv",
    ] {
        assert!(dir.join(output).is_file(), "{output} is missing");
    }
    assert_contains(
        &std::fs::read_to_string(dir.join("report.html")).expect("the HTML report"),
        "Aggregated",
    );
    let json = std::fs::read_to_string(dir.join("run.json")).expect("the JSON report");
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
}

#[test]
fn sigterm_writes_every_output() {
    stopped_by(libc::SIGTERM, "sigterm");
}

#[test]
fn ctrl_c_writes_every_output() {
    stopped_by(libc::SIGINT, "sigint");
}

#[test]
fn exit_codes_are_locusts() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("ways-exit-codes");
    let failing = write(
        &dir,
        "failing.py",
        &USERS.replace("\"/\"", "\"/status/500\""),
    );
    let code = |args: &[&str]| {
        let ran = run(
            venv().command("locusta").args(args).current_dir(&dir),
            LIMIT,
        );
        (ran.code, ran.stderr)
    };
    let run_failing = [
        "-f",
        &failing,
        "--headless",
        "-u",
        "1",
        "-t",
        "1s",
        "-H",
        &target.url(),
    ];
    assert_eq!(code(&run_failing).0, Some(1));
    let mut custom = run_failing.to_vec();
    custom.extend(["--exit-code-on-error", "3"]);
    assert_eq!(code(&custom).0, Some(3));
    let (bad_option, stderr) = code(&["-f", &failing, "--no-such-option"]);
    assert_eq!(bad_option, Some(2), "{stderr}");
    let broken = write(&dir, "broken.py", "from locust import User\n\nx = (\n");
    let (broken_code, stderr) = code(&["-f", &broken, "--headless", "-t", "1s"]);
    assert_eq!(broken_code, Some(1), "{stderr}");
    assert_contains(&stderr, "broken.py");
    assert_contains(&stderr, "line 3");
    let (missing, stderr) = code(&["-f", "nowhere.py", "--headless"]);
    assert_eq!(missing, Some(1), "{stderr}");
}

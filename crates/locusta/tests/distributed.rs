//! Distributed mode with real processes: a master and workers talking over
//! ZeroMQ on 127.0.0.1 (ports chosen free here), load on the demo target
//! started by the test. Every run is bounded by `-t` and by the time limits
//! of `wait_for`.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::net::{free_port, request};
use common::process::{words, Proc};
use common::programs::{example, locusta_binary, locustfile, real_locust};
use common::scratch::scratch;
use locusta_demo_target::{spawn, TargetConfig};

/// The total request count in `--json` output.
fn json_requests(stdout: &str) -> u64 {
    let start = stdout.find('[').expect("JSON statistics on stdout");
    let rows: serde_json::Value = serde_json::from_str(stdout[start..].trim()).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| row["num_requests"].as_u64().unwrap())
        .sum()
}

/// The user count in the last "Running {…} (N total users)" line of a worker.
fn worker_users(log: &str) -> Option<u64> {
    let line = log.lines().rev().find(|l| l.contains("total users)"))?;
    let count = line.rsplit('(').next()?.split_whitespace().next()?;
    count.parse().ok()
}

/// A master and its workers on 127.0.0.1, all running `program` in `dir`:
/// the master with `master_args` plus `--master-bind-host 127.0.0.1
/// --master-bind-port` on a free port, then `N` workers with `worker_args`
/// plus `--worker --master-port` that port (logged as `worker1`, `worker2`,
/// …).
fn master_and_workers<const N: usize>(
    program: &Path,
    dir: &Path,
    master_args: &str,
    worker_args: &[&str],
) -> (Proc, [Proc; N]) {
    let port = free_port().to_string();
    let master = Proc::start(
        program,
        &words(&format!(
            "{master_args} --master-bind-host 127.0.0.1 --master-bind-port {port}"
        )),
        dir,
        "master",
    );
    let mut args = worker_args.to_vec();
    args.extend(["--worker", "--master-port", &port]);
    let workers =
        std::array::from_fn(|i| Proc::start(program, &args, dir, &format!("worker{}", i + 1)));
    (master, workers)
}

#[test]
fn two_workers_share_the_users_and_the_master_counts_every_request() {
    let target = spawn(TargetConfig::default());
    let program = example("bench_sleep");
    let dir = scratch("two");
    let url = target.url();
    let (mut master, [mut first, mut second]) = master_and_workers(
        &program,
        &dir,
        &format!("--master --headless --json --only-summary --expect-workers 2 --expect-workers-max-wait 30 -u 4 -r 4 -t 4s --stop-timeout 5 -H {url}"),
        &["--master-host", "127.0.0.1"],
    );

    let stdout = master.succeeded(Duration::from_secs(40));
    let log = master.log();
    // Workers leave when the master quits.
    for worker in [&mut first, &mut second] {
        worker.succeeded(Duration::from_secs(10));
        assert!(worker.log().contains("Got quit message from master"));
    }
    assert!(
        log.contains("All users spawned: {\"Sleeper\": 4} (4 total users)"),
        "{log}"
    );
    assert_eq!(worker_users(&first.log()), Some(2), "{}", first.log());
    assert_eq!(worker_users(&second.log()), Some(2), "{}", second.log());
    // Users finished their requests (graceful stop): every request the
    // target served is in the master's merged statistics.
    let counted = json_requests(&stdout);
    assert!(counted > 20, "{stdout}");
    assert_eq!(counted, target.requests_served(), "{log}");
    assert!(log.contains("Response time percentiles"), "{log}");
}

#[test]
fn python_locustfile_workers() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("python");
    std::fs::write(
        dir.join("locustfile.py"),
        "from locust import HttpUser, task, constant\n\n\
         class Visitor(HttpUser):\n    wait_time = constant(0.1)\n\n    @task\n    def index(self):\n        self.client.get(\"/\")\n",
    )
    .unwrap();
    let url = target.url();
    let (mut master, [mut worker]) = master_and_workers(
        locusta_binary(),
        &dir,
        &format!("-f locustfile.py --master --headless --json --only-summary --expect-workers 1 --expect-workers-max-wait 30 -u 3 -r 10 -t 3s --stop-timeout 5 -H {url}"),
        // No --host: a worker takes its master's.
        &["-f", "locustfile.py"],
    );
    let stdout = master.succeeded(Duration::from_secs(40));
    let log = master.log();
    worker.succeeded(Duration::from_secs(10));
    assert_eq!(worker_users(&worker.log()), Some(3), "{}", worker.log());
    let counted = json_requests(&stdout);
    assert!(counted > 10, "{stdout}");
    assert_eq!(counted, target.requests_served(), "{log}");
}

#[test]
fn a_python_workers_client_id_is_the_id_its_master_knows() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("client_id");
    std::fs::write(
        dir.join("locustfile.py"),
        "from locust import HttpUser, task, constant, events\n\
         from locust.runners import WorkerRunner\n\n\
         @events.init.add_listener\n\
         def write_id(environment, **kwargs):\n    \
             if isinstance(environment.runner, WorkerRunner):\n        \
                 with open('client_id.txt', 'w') as f:\n            \
                     f.write(environment.runner.client_id)\n\n\
         class Visitor(HttpUser):\n    wait_time = constant(0.1)\n\n    @task\n    def index(self):\n        self.client.get(\"/\")\n",
    )
    .unwrap();
    let url = target.url();
    let (mut master, [mut worker]) = master_and_workers(
        locusta_binary(),
        &dir,
        &format!("-f locustfile.py --master --headless --expect-workers 1 --expect-workers-max-wait 30 -u 1 -r 10 -t 1s -H {url}"),
        &["-f", "locustfile.py"],
    );
    master.succeeded(Duration::from_secs(40));
    let log = master.log();
    worker.wait_for(Duration::from_secs(10));
    let client_id = std::fs::read_to_string(dir.join("client_id.txt")).unwrap_or_default();
    assert!(client_id.contains('_'), "{client_id:?}: {}", worker.log());
    assert!(
        log.contains(&format!("{client_id} (index 0) reported as ready")),
        "{client_id} is not the worker the master knows:\n{log}"
    );
}

/// Processes whose command line mentions `text` (a test's own scratch folder).
fn processes_mentioning(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(text) {
                found.push(cmdline);
            }
        }
    }
    found
}

#[test]
fn processes_start_the_masters_own_workers() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("processes");
    let locustfile = dir.join("processes_locustfile.py");
    std::fs::write(
        &locustfile,
        "from locust import HttpUser, task, constant\n\n\
         class Visitor(HttpUser):\n    wait_time = constant(0.1)\n\n    @task\n    def index(self):\n        self.client.get(\"/\")\n",
    )
    .unwrap();
    let locusta = locusta_binary();
    let url = target.url();
    let locustfile = locustfile.to_str().unwrap();
    let mut parent = Proc::start(
        locusta,
        &[
            "-f",
            locustfile,
            "--processes",
            "2",
            "--headless",
            "--json",
            "--only-summary",
            "--csv",
            "run",
            "-u",
            "4",
            "-r",
            "10",
            "-t",
            "3s",
            "--stop-timeout",
            "5",
            // Any free port: the children are told where their master is.
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            "0",
            "-H",
            &url,
        ],
        &dir,
        "parent",
    );
    let stdout = parent.succeeded(Duration::from_secs(40));
    let log = parent.log();
    assert!(log.contains("2 workers connected"), "{log}");
    assert_eq!(
        log.matches("Got quit message from master").count(),
        2,
        "{log}"
    );
    assert!(
        log.contains("Running {\"Visitor\": 2} (2 total users)"),
        "{log}"
    );
    // Every request the target served is in the master's statistics.
    let counted = json_requests(&stdout);
    assert!(counted > 10, "{stdout}");
    assert_eq!(counted, target.requests_served(), "{log}");
    // The reports are the master's alone (a child writing the same files would
    // leave its own, empty figures), and no child outlives the parent.
    let csv = std::fs::read_to_string(dir.join("run_stats.csv")).unwrap();
    let aggregated = csv
        .lines()
        .find(|line| line.contains("Aggregated"))
        .expect("an Aggregated row");
    let count: u64 = aggregated.split(',').nth(2).unwrap().parse().unwrap();
    assert_eq!(count, counted, "{csv}");
    assert_eq!(processes_mentioning(locustfile), Vec::<String>::new());
}

#[test]
fn a_worker_parent_supervises_its_worker_processes() {
    let target = spawn(TargetConfig::default());
    let program = example("bench_sleep");
    let dir = scratch("supervisor");
    let port = free_port().to_string();
    let url = target.url();
    let mut master = Proc::start(
        &program,
        &words(&format!("--master --headless --json --only-summary --expect-workers 2 --expect-workers-max-wait 30 -u 4 -r 4 -t 3s --stop-timeout 5 --master-bind-host 127.0.0.1 --master-bind-port {port} -H {url}")),
        &dir,
        "master",
    );
    let mut supervisor = Proc::start(
        &program,
        &["--worker", "--processes", "2", "--master-port", &port],
        &dir,
        "supervisor",
    );
    let stdout = master.succeeded(Duration::from_secs(40));
    let log = master.log();
    let status = supervisor.exit_code(Duration::from_secs(15));
    let workers = supervisor.log();
    assert_eq!(status, Some(0), "{workers}");
    assert_eq!(
        workers.matches("Got quit message from master").count(),
        2,
        "{workers}"
    );
    assert!(log.contains("2 workers connected"), "{log}");
    assert_eq!(json_requests(&stdout), target.requests_served(), "{log}");
}

#[test]
fn iterations_are_a_total_over_the_workers() {
    let target = spawn(TargetConfig::default());
    let program = example("bench_sleep");
    let dir = scratch("iterations");
    let url = target.url();
    // Three users over two workers: the shares follow the users (2:1).
    let (mut master, [mut first, mut second]) = master_and_workers(
        &program,
        &dir,
        &format!("--master --headless --json --only-summary --expect-workers 2 --expect-workers-max-wait 30 -u 3 -r 1 -i 45 -H {url}"),
        &[],
    );
    // No run time: the master ends the test once the workers' shares are spent.
    let stdout = master.succeeded(Duration::from_secs(60));
    let log = master.log();
    assert!(log.contains("45 iterations done"), "{log}");
    for worker in [&mut first, &mut second] {
        worker.succeeded(Duration::from_secs(10));
    }
    assert_eq!(target.requests_served(), 45, "{log}");
    assert_eq!(json_requests(&stdout), 45, "{log}");
}

#[test]
fn custom_messages_go_between_the_master_and_its_workers() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("messages");
    let locustfile = locustfile("distributed_messages.py");
    let locusta = locusta_binary();
    let url = target.url();
    let mut parent = Proc::start(
        locusta,
        &words(&format!("-f {locustfile} --processes 2 --headless -u 2 -r 10 -t 3s --master-bind-host 127.0.0.1 --master-bind-port 0 -H {url}")),
        &dir,
        "parent",
    );
    parent.succeeded(Duration::from_secs(40));
    let log = parent.log();
    assert!(log.contains("MASTER SEES 2 WORKERS"), "{log}");
    // Each worker got its own accounts, and the master heard back from both.
    assert!(log.contains("WORKER GOT user0,user2,user4"), "{log}");
    assert!(log.contains("WORKER GOT user1,user3,user5"), "{log}");
    assert!(
        log.contains("MASTER HEARD [('count', 3), ('first', 'user0')] from "),
        "{log}"
    );
    assert!(
        log.contains("MASTER HEARD [('count', 3), ('first', 'user1')] from "),
        "{log}"
    );
    assert_eq!(
        log.matches("Unknown message type received: nobody_listens")
            .count(),
        2,
        "{log}"
    );
}

/// A 2-second headless run of the locustfile `name` by a master given
/// `master_options` and one worker given only the file; the master's `--json`
/// output, once both have ended.
fn run_with_one_worker(name: &str, master_options: &str) -> String {
    let target = spawn(TargetConfig::default());
    let dir = scratch(name);
    let locustfile = locustfile(name);
    let url = target.url();
    let (mut master, [mut worker]) = master_and_workers(
        locusta_binary(),
        &dir,
        &format!("-f {locustfile} --master --headless --json --only-summary {master_options} -u 2 -r 10 -t 2s --stop-timeout 5 -H {url}"),
        &["-f", &locustfile],
    );
    let stdout = master.succeeded(Duration::from_secs(40));
    assert!(
        worker.wait_for(Duration::from_secs(10)).is_some(),
        "{}",
        worker.log()
    );
    stdout
}

#[test]
fn workers_take_the_masters_custom_options() {
    // The worker's command line does not have the options.
    let stdout = run_with_one_worker("relayed_options.py", "--greeting hello --repeat 3");
    assert!(stdout.contains("\"name\": \"/hellox3\""), "{stdout}");
    assert!(!stdout.contains("/unsetx1"), "{stdout}");
}

#[test]
fn a_worker_with_f_dash_runs_the_masters_locustfile() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("fdash");
    let master_dir = dir.join("master");
    std::fs::create_dir_all(&master_dir).unwrap();
    std::fs::write(
        master_dir.join("only_here.py"),
        "from locust import HttpUser, task, constant\n\n\
         class OnlyOnTheMaster(HttpUser):\n    wait_time = constant(0.1)\n\n    @task\n    def index(self):\n        self.client.get(\"/\", name=\"fetched\")\n",
    )
    .unwrap();
    let locusta = locusta_binary();
    let port = free_port().to_string();
    let url = target.url();
    let mut master = Proc::start(
        locusta,
        &words(&format!("-f only_here.py --master --headless --json --only-summary -u 2 -r 10 -t 2s --stop-timeout 5 --master-bind-host 127.0.0.1 --master-bind-port {port} -H {url}")),
        &master_dir,
        "master",
    );
    // The worker runs elsewhere, without the file.
    let mut worker = Proc::start(
        locusta,
        &["-f", "-", "--worker", "--master-port", &port],
        &dir,
        "worker",
    );
    let stdout = master.succeeded(Duration::from_secs(40));
    let log = master.log();
    let pid = worker.child.id();
    worker.succeeded(Duration::from_secs(10));
    assert!(
        worker.log().contains("Running {\"OnlyOnTheMaster\": 2}"),
        "{}",
        worker.log()
    );
    assert!(stdout.contains("\"name\": \"fetched\""), "{stdout}");
    assert_eq!(json_requests(&stdout), target.requests_served(), "{log}");
    // The fetched copy is gone with the worker.
    assert!(!std::env::temp_dir()
        .join(format!("locusta-locustfiles-{pid}"))
        .exists());
}

#[test]
fn f_dash_needs_a_worker_and_a_master_with_files() {
    let locusta = locusta_binary();
    let dir = scratch("fdash-errors");
    let mut alone = Proc::start(locusta, &["-f", "-", "--headless"], &dir, "alone");
    assert_eq!(alone.exit_code(Duration::from_secs(20)), Some(1));
    assert!(
        alone.log().contains("only works with --worker"),
        "{}",
        alone.log()
    );
    // A master of a Rust program has no locustfile to send.
    let program = example("bench_sleep");
    let port = free_port().to_string();
    let _master = Proc::start(
        &program,
        &words(&format!(
            "--master --headless -u 1 -t 20s --master-bind-port {port} -H http://127.0.0.1:9"
        )),
        &dir,
        "master",
    );
    let mut worker = Proc::start(
        locusta,
        &["-f", "-", "--worker", "--master-port", &port],
        &dir,
        "worker",
    );
    assert_eq!(worker.exit_code(Duration::from_secs(20)), Some(1));
    assert!(
        worker
            .log()
            .contains("the master cannot send its locustfile"),
        "{}",
        worker.log()
    );
}

#[test]
fn the_masters_class_settings_reach_its_workers() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("user-settings");
    let locustfile = locustfile("picked_tasks.py");
    let web_port = free_port().to_string();
    let url = target.url();
    let web = format!("127.0.0.1:{web_port}");
    // One request to the master's web UI: the status line and the body.
    let web_request = |method: &str, path: &str, content_type: &str, body: &str| {
        let answer = request(&web, method, path, &[("Content-Type", content_type)], body);
        (answer.status_line, answer.body)
    };
    let (master, [worker]) = master_and_workers(
        locusta_binary(),
        &dir,
        &format!("-f {locustfile} --master --class-picker --web-host 127.0.0.1 --web-port {web_port} -H {url}"),
        &["-f", &locustfile],
    );
    master.expect_log("1 workers connected", Duration::from_secs(30));
    let settings = r#"{"user_class_name": "Visitor", "tasks": ["cart"]}"#;
    let (status, body) = web_request("POST", "/user", "application/json", settings);
    assert!(status.contains("201"), "{status} {body}");
    worker.expect_log(
        "User class settings updated by the master",
        Duration::from_secs(10),
    );
    let form = "user_count=2&spawn_rate=10&user_classes=Visitor";
    let (status, body) = web_request("POST", "/swarm", "application/x-www-form-urlencoded", form);
    assert!(status.contains("200"), "{status} {body}");
    // Wait for some requests, then read the master's statistics.
    let started = Instant::now();
    let stats = loop {
        let (_, stats) = web_request("GET", "/stats/requests", "text/plain", "");
        if target.requests_served() >= 10 || started.elapsed() > Duration::from_secs(20) {
            break stats;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(target.requests_served() >= 10, "{}", worker.log());
    let (_, stats) = if stats.contains("/cart") {
        (String::new(), stats)
    } else {
        std::thread::sleep(Duration::from_secs(4));
        web_request("GET", "/stats/requests", "text/plain", "")
    };
    assert!(stats.contains("\"/cart\""), "{stats}");
    assert!(!stats.contains("\"/products\""), "{stats}");
    let _ = web_request("GET", "/quit", "text/plain", "");
}

#[test]
fn workers_without_tags_take_the_masters() {
    let stdout = run_with_one_worker("tagged_tasks.py", "--tags cart");
    assert!(stdout.contains("\"name\": \"tagged\""), "{stdout}");
    assert!(!stdout.contains("untagged"), "{stdout}");
}

#[test]
fn a_killed_worker_is_marked_missing_and_the_test_goes_on() {
    let target = spawn(TargetConfig::default());
    let program = example("bench_sleep");
    let dir = scratch("missing");
    let url = target.url();
    let (mut master, [mut survivor, mut victim]) = master_and_workers(
        &program,
        &dir,
        &format!("--master --headless --only-summary --expect-workers 2 --expect-workers-max-wait 30 -u 2 -r 10 -t 14s --enable-rebalancing -H {url}"),
        &[],
    );
    master.expect_log("All users spawned", Duration::from_secs(30));
    victim.kill();
    master.expect_log("setting state to missing", Duration::from_secs(10));
    // The survivor takes the missing worker's user.
    survivor.expect_log("(2 total users)", Duration::from_secs(5));
    master.succeeded(Duration::from_secs(30));
    assert_eq!(survivor.exit_code(Duration::from_secs(10)), Some(0));
}

#[test]
fn when_every_worker_goes_missing_the_test_stops_once() {
    let target = spawn(TargetConfig::default());
    let program = example("bench_sleep");
    let dir = scratch("all-missing");
    let url = target.url();
    let (mut master, [mut first, mut second]) = master_and_workers(
        &program,
        &dir,
        &format!("--master --headless --only-summary --expect-workers 2 --expect-workers-max-wait 30 -u 2 -r 10 -t 60s -H {url}"),
        &[],
    );
    master.expect_log("All users spawned", Duration::from_secs(30));
    first.kill();
    second.kill();
    master.succeeded(Duration::from_secs(40));
    let log = master.log();
    assert_eq!(
        log.matches("The last worker quit or went missing, stopping test.")
            .count(),
        1,
        "{log}"
    );
}

#[test]
fn a_worker_without_a_master_and_a_bad_address_fail_clearly() {
    let program = example("bench_sleep");
    let dir = scratch("bad");
    let mut worker = Proc::start(
        &program,
        &[
            "--worker",
            "--master-host",
            "not a host name",
            "--master-port",
            "1",
        ],
        &dir,
        "worker",
    );
    let status = worker.exit_code(Duration::from_secs(20));
    assert_ne!(status, Some(0), "{}", worker.log());
    assert!(
        worker.log().contains("Failed to connect to the master"),
        "{}",
        worker.log()
    );
}

const SLEEPER_LOCUSTFILE: &str = "from locust import HttpUser, task, constant\n\n\
class Sleeper(HttpUser):\n    wait_time = constant(0.1)\n\n    @task\n    def slow(self):\n        self.client.get(\"/sleep?ms=50\")\n";

/// The request count on the Aggregated line of a summary table.
fn aggregated_requests(log: &str) -> Option<u64> {
    let line = log
        .lines()
        .find(|l| l.trim_start().starts_with("Aggregated"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_locusta_worker_joins_a_locust_master() {
    let locust = real_locust();
    let program = example("bench_sleep");
    let target = spawn(TargetConfig::default());
    let dir = scratch("locust-master");
    std::fs::write(dir.join("locustfile.py"), SLEEPER_LOCUSTFILE).unwrap();
    let port = free_port().to_string();
    let url = target.url();
    let mut master = Proc::start(
        &locust,
        &words(&format!("-f locustfile.py --master --headless --only-summary --expect-workers 1 --expect-workers-max-wait 30 -u 2 -r 2 -t 4s --stop-timeout 5 --master-bind-host 127.0.0.1 --master-bind-port {port} -H {url}")),
        &dir,
        "master",
    );
    let mut worker = Proc::start(
        &program,
        &["--worker", "--master-port", &port],
        &dir,
        "worker",
    );
    master.succeeded(Duration::from_secs(40));
    let log = master.log();
    worker.succeeded(Duration::from_secs(10));
    assert!(log.contains("All users spawned: {\"Sleeper\": 2}"), "{log}");
    assert_eq!(worker_users(&worker.log()), Some(2), "{}", worker.log());
    let counted = aggregated_requests(&log).expect("a summary");
    assert!(counted > 10, "{log}");
    assert_eq!(counted, target.requests_served(), "{log}");
}

#[test]
fn a_locusta_worker_fetches_its_locustfile_and_trades_messages_with_a_locust_master() {
    let locust = real_locust();
    let target = spawn(TargetConfig::default());
    let dir = scratch("locust-master-fdash");
    let master_dir = dir.join("master");
    std::fs::create_dir_all(&master_dir).unwrap();
    // The messages locustfile: custom messages go both ways too.
    let source = locustfile("distributed_messages.py");
    std::fs::copy(source, master_dir.join("locustfile.py")).unwrap();
    let port = free_port().to_string();
    let url = target.url();
    let mut master = Proc::start(
        &locust,
        &words(&format!("-f locustfile.py --master --headless --only-summary --expect-workers 1 --expect-workers-max-wait 30 -u 2 -r 2 -t 3s --stop-timeout 5 --master-bind-host 127.0.0.1 --master-bind-port {port} -H {url}")),
        &master_dir,
        "master",
    );
    let locusta = locusta_binary();
    let mut worker = Proc::start(
        locusta,
        &["-f", "-", "--worker", "--master-port", &port],
        &dir,
        "worker",
    );
    master.succeeded(Duration::from_secs(40));
    let log = master.log();
    worker.succeeded(Duration::from_secs(10));
    assert_eq!(worker_users(&worker.log()), Some(2), "{}", worker.log());
    assert!(
        worker
            .log()
            .contains("WORKER GOT user0,user1,user2,user3,user4,user5"),
        "{}",
        worker.log()
    );
    assert!(
        log.contains("MASTER HEARD [('count', 6), ('first', 'user0')] from "),
        "{log}"
    );
    let counted = aggregated_requests(&log).expect("a summary");
    assert!(counted > 5, "{log}");
    assert_eq!(counted, target.requests_served(), "{log}");
}

#[test]
fn a_locust_worker_joins_a_locusta_master() {
    let locust = real_locust();
    let target = spawn(TargetConfig::default());
    let dir = scratch("locust-worker");
    std::fs::write(dir.join("locustfile.py"), SLEEPER_LOCUSTFILE).unwrap();
    let port = free_port().to_string();
    let url = target.url();
    let mut master = Proc::start(
        locusta_binary(),
        &words(&format!("-f locustfile.py --master --headless --json --only-summary --expect-workers 1 --expect-workers-max-wait 30 -u 2 -r 2 -t 4s --stop-timeout 5 --master-bind-host 127.0.0.1 --master-bind-port {port} -H {url}")),
        &dir,
        "master",
    );
    let mut worker = Proc::start(
        &locust,
        &["-f", "locustfile.py", "--worker", "--master-port", &port],
        &dir,
        "worker",
    );
    let stdout = master.succeeded(Duration::from_secs(40));
    let log = master.log();
    worker.succeeded(Duration::from_secs(15));
    let counted = json_requests(&stdout);
    assert!(counted > 10, "{stdout}");
    assert_eq!(counted, target.requests_served(), "{log}");
}

#[test]
fn a_locust_worker_fetches_the_locustfile_and_trades_messages_with_a_locusta_master() {
    let locust = real_locust();
    let target = spawn(TargetConfig::default());
    let dir = scratch("locust-worker-messages");
    let master_dir = dir.join("master");
    std::fs::create_dir_all(&master_dir).unwrap();
    let source = locustfile("distributed_messages.py");
    std::fs::copy(source, master_dir.join("distributed_messages.py")).unwrap();
    let port = free_port().to_string();
    let url = target.url();
    let mut master = Proc::start(
        locusta_binary(),
        &words(&format!("-f distributed_messages.py --master --headless --expect-workers 1 --expect-workers-max-wait 30 -u 2 -r 10 -t 3s --stop-timeout 5 --master-bind-host 127.0.0.1 --master-bind-port {port} -H {url}")),
        &master_dir,
        "master",
    );
    // Locust's worker, with no locustfile of its own.
    let mut worker = Proc::start(
        &locust,
        &words(&format!("-f - --worker --master-port {port}")),
        &dir,
        "worker",
    );
    master.succeeded(Duration::from_secs(40));
    let log = master.log();
    assert!(
        worker.wait_for(Duration::from_secs(15)).is_some(),
        "{}",
        worker.log()
    );
    let worker_log = worker.log();
    assert!(
        worker_log.contains("WORKER GOT user0,user1,user2,user3,user4,user5"),
        "{worker_log}"
    );
    assert!(
        log.contains("MASTER HEARD [('count', 6), ('first', 'user0')] from "),
        "{log}"
    );
}

/// locust-plugins' `Distributor` (tests/locustfiles/distributor.py): the
/// master's iterator feeds the users of two workers through custom messages,
/// and no item is handed out twice.
#[test]
fn locust_plugins_distributor_hands_each_item_to_one_user() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("distributor");
    let file = locustfile("distributor.py");
    let url = target.url();
    let (mut master, [mut first, mut second]) = master_and_workers(
        locusta_binary(),
        &dir,
        &format!("-f {file} --master --headless --json-file items --only-summary --expect-workers 2 --expect-workers-max-wait 30 -u 4 -r 4 -t 3s --stop-timeout 5 -H {url}"),
        &["-f", &file, "--master-host", "127.0.0.1"],
    );
    // A file, not stdout: one row per item is more than a pipe holds.
    master.succeeded(Duration::from_secs(40));
    for worker in [&mut first, &mut second] {
        worker.succeeded(Duration::from_secs(10));
        assert_eq!(worker_users(&worker.log()), Some(2), "{}", worker.log());
    }
    let json = std::fs::read_to_string(dir.join("items.json")).expect("the JSON file");
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = rows.as_array().expect("an array of rows");
    assert!(rows.len() > 10, "few items handed out: {json}");
    for row in rows {
        assert!(
            row["name"].as_str().is_some_and(|n| n.starts_with("item-")),
            "{row}"
        );
        assert_eq!(row["num_requests"], 1, "an item handed out twice: {row}");
        assert_eq!(row["num_failures"], 0, "{row}");
    }
    assert_eq!(
        rows.len() as u64,
        target.requests_served(),
        "{}",
        master.log()
    );
}

//! Locust's library use with a distributed runner (`locusta --python
//! script.py`, Locust's `python script.py`), as real processes on 127.0.0.1
//! against a target started here: a script whose environment is a master
//! (`create_master_runner`) with `locusta --worker` processes or a Locust
//! worker, and a script that is the worker (`create_worker_runner`) of a
//! `locusta --master`. The scripts bound their own waits; every process is
//! bounded by `Proc::wait_for`.
#![cfg(feature = "python")]

mod common;

use std::path::Path;
use std::time::Duration;

use common::net::free_port;
use common::process::{words, Proc};
use common::programs::{locusta_binary, locustfile, real_locust};
use common::scratch::scratch;
use common::text::{assert_contains, field, line, number};
use common::timed::Run;
use locusta_demo_target::{spawn, TargetConfig};

/// `library_master.py` as a script: its master listens on `port`, waits for
/// `workers` workers, runs 4 users on them for about 4 s and quits.
fn script_master(dir: &Path, url: &str, port: &str, workers: &str) -> Proc {
    let file = locustfile("library_master.py");
    Proc::start(
        locusta_binary(),
        &["--python", &file, url, port, workers],
        dir,
        "script",
    )
}

/// What the script's master saw, checked against the target's own count.
#[track_caller]
fn check_master_script(out: &str, workers: u64, per_worker: &str, served: u64) {
    let joined = line(out, "WORKERS ");
    assert_eq!(number(joined, "count"), workers, "{out}");
    assert!(
        field(joined, "states").split(',').all(|s| s == "ready"),
        "{out}"
    );
    let running = line(out, "RUNNING ");
    assert_eq!(field(running, "state"), "running", "{out}");
    assert_eq!(number(running, "users"), 4, "{out}");
    assert_eq!(field(running, "per_worker"), per_worker, "{out}");
    // env.stats is the master's merge of the workers' reports: every
    // request the target served (users stop gracefully before the last report).
    let totals = line(out, "TOTALS ");
    let counted = number(totals, "requests");
    assert!(counted > 20, "{out}");
    assert_eq!(counted, served, "{out}");
    assert_eq!(number(totals, "home"), counted, "{out}");
    assert_eq!(number(totals, "failures"), 0, "{out}");
    assert_eq!(field(line(out, "JOINED "), "state"), "stopped", "{out}");
    let events = line(out, "EVENTS ");
    assert_eq!(number(events, "test_start"), 1, "{out}");
    assert_eq!(number(events, "test_stop"), 1, "{out}");
    assert_eq!(number(events, "reporting_workers"), workers, "{out}");
    // The master's "ping" reached every worker, whose "pong" came back.
    let pongs = line(out, "PONGS ");
    assert_eq!(number(pongs, "count"), workers, "{out}");
    assert_eq!(number(pongs, "from_workers"), workers, "{out}");
    assert_eq!(field(pongs, "answered"), "True", "{out}");
}

#[test]
fn a_scripts_master_runs_its_users_on_locusta_workers_and_merges_their_statistics() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("library-master");
    let port = free_port().to_string();
    let mut script = script_master(&dir, &target.url(), &port, "2");
    // The script is their locustfile too (its test runs under `__main__`).
    let file = locustfile("library_master.py");
    let worker_args = [
        "-f",
        &file,
        "--worker",
        "--master-host",
        "127.0.0.1",
        "--master-port",
        &port,
    ];
    let mut workers = [
        Proc::start(locusta_binary(), &worker_args, &dir, "worker1"),
        Proc::start(locusta_binary(), &worker_args, &dir, "worker2"),
    ];
    let out = script.succeeded(Duration::from_secs(50));
    // runner.quit() quit the workers.
    for worker in &mut workers {
        worker.succeeded(Duration::from_secs(10));
        assert_contains(&worker.log(), "Got quit message from master");
    }
    check_master_script(&out, 2, "2+2", target.requests_served());
}

#[test]
fn a_scripts_master_takes_a_locust_worker() {
    let locust = real_locust();
    let target = spawn(TargetConfig::default());
    let dir = scratch("library-master-locust");
    let port = free_port().to_string();
    let mut script = script_master(&dir, &target.url(), &port, "1");
    let file = locustfile("library_master.py");
    let mut worker = Proc::start(
        &locust,
        &["-f", &file, "--worker", "--master-port", &port],
        &dir,
        "locust-worker",
    );
    let out = script.succeeded(Duration::from_secs(50));
    worker.succeeded(Duration::from_secs(10));
    check_master_script(&out, 1, "4", target.requests_served());
}

#[test]
fn a_script_is_a_worker_of_a_locusta_master_until_the_master_quits() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("library-worker");
    let port = free_port().to_string();
    let url = target.url();
    // The script is the master's locustfile too: the master pings its
    // workers at test start and logs their answers.
    let file = locustfile("library_worker.py");
    let mut master = Proc::start(
        locusta_binary(),
        &words(&format!("-f {file} --master --headless --json --only-summary --expect-workers 1 --expect-workers-max-wait 30 -u 2 -r 2 -t 3s --stop-timeout 5 --master-bind-host 127.0.0.1 --master-bind-port {port} -H {url}")),
        &dir,
        "master",
    );
    let mut script = Proc::start(
        locusta_binary(),
        &["--python", &file, &port],
        &dir,
        "script",
    );
    let master_out = master.succeeded(Duration::from_secs(40));
    // The master's quit ends the script's runner.greenlet.join().
    let out = script.succeeded(Duration::from_secs(10));
    let rows = Run {
        code: Some(0),
        stdout: master_out,
        stderr: String::new(),
    }
    .rows();
    let counted: u64 = rows.values().map(|&(requests, _)| requests).sum();
    assert!(counted > 10, "{rows:?}");
    assert_eq!(counted, target.requests_served(), "{}", master.log());

    let client_id = field(line(&out, "CLIENT "), "id");
    let (host, hex) = client_id.rsplit_once('_').expect("<hostname>_<hex>");
    assert!(!host.is_empty() && hex.len() == 32, "{out}");
    assert_eq!(number(line(&out, "JOINED "), "users"), 0, "{out}");
    let events = line(&out, "EVENTS ");
    assert_eq!(number(events, "test_start"), 1, "{out}");
    assert_eq!(number(events, "test_stop"), 1, "{out}");
    assert_eq!(number(events, "pings"), 1, "{out}");
    assert_eq!(field(events, "ping_data"), "True", "{out}");
    let log = master.log();
    assert_contains(&log, &format!("{client_id} (index 0) reported as ready"));
    assert_contains(
        &log,
        &format!("PONG from={client_id} data={{'client_id': '{client_id}'}}"),
    );
    assert_contains(&log, &format!("Worker {client_id} quit"));
}

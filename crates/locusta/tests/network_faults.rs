//! Network faults between a master and its workers, with real processes in
//! network namespaces each test makes (`common::netns`): the master in a hub
//! namespace, each worker in its own, linked to the hub by a veth pair
//! (10.77.0.0/24). Each worker namespace has its own demo target on its
//! loopback (127.0.0.1:8080, the master's `-H`), so load never crosses the
//! faulty links: only the cluster's traffic does, and the targets' own
//! counts are the ground truth for the master's totals.
//!
//! Faults: a link cut (the hub drops every packet of the link), delay with
//! random loss (an NFQUEUE queue served by the test), a master killed and
//! started again, a worker stopped with SIGSTOP.
//!
//! The tests need root (namespaces); where namespaces cannot be created they
//! skip with a banner on stderr. Every run is bounded by `-t` or a signal
//! and by the time limits of `wait_for`; namespaces, links and rules are
//! removed when a test ends, pass or fail.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::netns::{self, Net, NsTarget, HUB_ADDR};
use common::process::{words, Proc};
use common::programs::example;
use common::reports::csv_totals;
use common::scratch::scratch;

/// The master's port in the hub (each test has its own hub).
const PORT: &str = "5557";
/// Each worker namespace's target port (the master's `-H`).
const TARGET_PORT: u16 = 8080;

fn host() -> String {
    format!("http://127.0.0.1:{TARGET_PORT}")
}

/// Starts `program args` in namespace `ns`, its stderr in `dir/name.log`.
fn start_in(net: &Net, ns: &str, program: &Path, args: &[String], dir: &Path, name: &str) -> Proc {
    let mut command: Command = net.command(ns, program);
    command.args(args);
    Proc::spawn(command, dir, name)
}

/// Starts worker `k` of `net` (connecting to the hub's master).
fn start_worker(net: &Net, k: usize, program: &Path, dir: &Path) -> Proc {
    let args = words(&format!(
        "--worker --master-host {HUB_ADDR} --master-port {PORT}"
    ));
    start_in(
        net,
        net.worker(k),
        program,
        &args,
        dir,
        &format!("worker{k}"),
    )
}

/// The worker's node id, from its "Connected to the master … as worker ID" line.
fn worker_id(worker: &Proc) -> String {
    assert!(
        worker.wait_for_log("as worker ", Duration::from_secs(30)),
        "the worker never connected:\n{}",
        worker.log()
    );
    let log = worker.log();
    let line = log.lines().find(|l| l.contains("as worker ")).unwrap();
    let after = line.split("as worker ").nth(1).unwrap();
    after.split_whitespace().next().unwrap().to_string()
}

/// How many lines of `log` contain `text`.
fn count(log: &str, text: &str) -> usize {
    log.lines().filter(|l| l.contains(text)).count()
}

/// The master's total must be what the targets served: never more, and
/// less by at most one request in flight per user when the run ended.
#[track_caller]
fn assert_totals(counted: u64, served: u64, users: u64, log: &str) {
    assert!(
        counted <= served && served - counted <= users,
        "the master counted {counted} requests, the targets served {served} \
         (at most {users} may have been in flight at the end):\n{log}"
    );
}

fn served(targets: &[&NsTarget]) -> u64 {
    targets.iter().map(|t| t.requests_served()).sum()
}

#[test]
fn a_worker_cut_off_goes_missing_its_users_move_and_it_rejoins_when_the_link_heals() {
    if netns::skip("a_worker_cut_off_goes_missing…") {
        return;
    }
    let program = example("bench_sleep");
    let dir = scratch("netcut");
    let net = Net::new("cut", 2);
    let targets = [net.target(1, TARGET_PORT), net.target(2, TARGET_PORT)];
    // A long run time: the test ends the run with SIGINT once it has seen
    // what it wants; -t only bounds a run that would hang.
    let mut master = start_in(
        &net,
        net.hub(),
        &program,
        &words(&format!("--master --headless --enable-rebalancing --csv run --expect-workers 2 --expect-workers-max-wait 30 -u 4 -r 4 -t 150s --stop-timeout 5 --master-bind-host {HUB_ADDR} --master-bind-port {PORT} -H {}", host())),
        &dir,
        "master",
    );
    let mut first = start_worker(&net, 1, &program, &dir);
    let mut second = start_worker(&net, 2, &program, &dir);
    let first_id = worker_id(&first);
    master.expect_log("All users spawned", Duration::from_secs(40));
    first.expect_log("(2 total users)", Duration::from_secs(10));
    // Some load before the cut.
    std::thread::sleep(Duration::from_secs(2));

    net.cut(1);
    let served_at_cut = targets[0].requests_served();
    let missing = format!("Worker {first_id} failed to send heartbeat, setting state to missing.");
    assert!(
        master.wait_for_log(&missing, Duration::from_secs(20)),
        "worker 1 was not marked missing:\n{}",
        master.log()
    );
    // Its users move to the other worker (--enable-rebalancing) ...
    second.expect_log("(4 total users)", Duration::from_secs(10));
    // ... while the cut-off worker, told nothing, keeps its own.
    std::thread::sleep(Duration::from_secs(3));
    assert!(!first.log().contains("Got quit message"), "{}", first.log());

    // Its requests during the cut are in reports it could not deliver yet.
    let served_in_cut = targets[0].requests_served() - served_at_cut;
    assert!(
        served_in_cut > 0,
        "worker 1 stopped its users during the cut"
    );
    net.heal(1);
    let healed = format!("Worker {first_id} self-healed with heartbeat");
    assert!(
        master.wait_for_log(&healed, Duration::from_secs(30)),
        "worker 1 did not come back after the link healed:\n{}",
        master.log()
    );
    // Both workers get their share again: 2 users each.
    let started = Instant::now();
    while count(&second.log(), "(2 total users)") < 2 && started.elapsed() < Duration::from_secs(15)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        count(&second.log(), "(2 total users)"),
        2,
        "{}",
        second.log()
    );
    assert!(
        count(&first.log(), "(2 total users)") >= 2,
        "{}",
        first.log()
    );
    // Load after the heal, then a graceful end.
    std::thread::sleep(Duration::from_secs(3));
    master.signal(libc::SIGINT);
    master.succeeded(Duration::from_secs(60));
    let log = master.log();
    for worker in [&mut first, &mut second] {
        worker.succeeded(Duration::from_secs(15));
        assert!(worker.log().contains("Got quit message from master"));
    }
    // Every request either worker made, during the cut too, is in the
    // master's statistics: the reports queued during the cut arrived.
    let (counted, failures) = csv_totals(&dir.join("run_stats.csv"));
    let served = served(&[&targets[0], &targets[1]]);
    assert!(targets[0].requests_served() > 0 && targets[1].requests_served() > 0);
    assert_eq!(failures, 0, "{log}");
    assert_totals(counted, served, 4, &log);
}

#[test]
fn a_run_over_links_with_200_ms_delay_and_5_percent_loss_completes_with_correct_totals() {
    if netns::skip("a_run_over_links_with_200_ms_delay…") {
        return;
    }
    let program = example("bench_sleep");
    let dir = scratch("netdelay");
    let mut net = Net::new("delay", 2);
    let targets = [net.target(1, TARGET_PORT), net.target(2, TARGET_PORT)];
    // Both ways on each link: 400 ms round trips, 5 % of the packets lost
    // in each direction.
    let faults = net.delay_and_loss(Duration::from_millis(200), 0.05);
    let mut master = start_in(
        &net,
        net.hub(),
        &program,
        &words(&format!("--master --headless --csv run --html report.html --expect-workers 2 --expect-workers-max-wait 60 -u 4 -r 4 -t 15s --stop-timeout 5 --master-bind-host {HUB_ADDR} --master-bind-port {PORT} -H {}", host())),
        &dir,
        "master",
    );
    let mut first = start_worker(&net, 1, &program, &dir);
    let mut second = start_worker(&net, 2, &program, &dir);
    master.succeeded(Duration::from_secs(120));
    let log = master.log();
    assert!(log.contains("All users spawned"), "{log}");
    for worker in [&mut first, &mut second] {
        worker.succeeded(Duration::from_secs(30));
        assert!(worker.log().contains("Got quit message from master"));
    }
    let packets = faults.packets.load(std::sync::atomic::Ordering::Relaxed);
    let dropped = faults.dropped.load(std::sync::atomic::Ordering::Relaxed);
    // The faults were there: the cluster's packets went through the queue,
    // and some were lost.
    assert!(
        packets > 100 && dropped > 0,
        "{packets} packets, {dropped} dropped"
    );
    let (counted, failures) = csv_totals(&dir.join("run_stats.csv"));
    assert_eq!(failures, 0, "{log}");
    assert!(dir.join("report.html").exists());
    let served = served(&[&targets[0], &targets[1]]);
    assert!(targets[0].requests_served() > 0 && targets[1].requests_served() > 0);
    eprintln!("delay and loss: {packets} packets, {dropped} dropped; {counted} requests counted, {served} served");
    assert_totals(counted, served, 4, &log);
}

#[test]
fn a_worker_that_never_answers_does_not_stall_the_masters_stop() {
    if netns::skip("a_worker_that_never_answers…") {
        return;
    }
    let program = example("bench_sleep");
    let dir = scratch("netsilent");
    let net = Net::new("silent", 3);
    let targets = [
        net.target(1, TARGET_PORT),
        net.target(2, TARGET_PORT),
        net.target(3, TARGET_PORT),
    ];
    let run_time = 12;
    let stop_timeout = 2;
    let mut master = start_in(
        &net,
        net.hub(),
        &program,
        &words(&format!("--master --headless --csv run --html report.html --json-file report --expect-workers 3 --expect-workers-max-wait 30 -u 6 -r 6 -t {run_time}s --stop-timeout {stop_timeout} --master-bind-host {HUB_ADDR} --master-bind-port {PORT} -H {}", host())),
        &dir,
        "master",
    );
    let mut stopped = start_worker(&net, 1, &program, &dir);
    let _cut = start_worker(&net, 2, &program, &dir);
    let mut healthy = start_worker(&net, 3, &program, &dir);
    master.expect_log("All users spawned", Duration::from_secs(40));
    let spawned = Instant::now();
    // A second before the run time ends, one worker freezes (SIGSTOP) and
    // another's link is cut: the master stops the test while it still
    // counts both, and neither answers the stop or the quit.
    std::thread::sleep(Duration::from_secs(run_time - 1));
    stopped.signal(libc::SIGSTOP);
    net.cut(2);
    // The master's bound: the run time, then the stop timeout plus 60 s
    // for users to stop, then 5 s for final reports; more is a hang.
    let bound = Duration::from_secs(run_time + stop_timeout + 60 + 5 + 15);
    let status = master.wait_for(bound.saturating_sub(spawned.elapsed()));
    stopped.signal(libc::SIGCONT);
    let log = master.log();
    assert!(
        status.is_some(),
        "the master did not end within {bound:?}:\n{log}"
    );
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{log}");
    assert_eq!(
        count(&log, "failed to send heartbeat, setting state to missing"),
        2,
        "{log}"
    );
    // Every output is written.
    for file in [
        "run_stats.csv",
        "run_stats_history.csv",
        "run_failures.csv",
        "report.html",
        "report.json",
    ] {
        assert!(dir.join(file).exists(), "{file} is missing:\n{log}");
    }
    healthy.succeeded(Duration::from_secs(15));
    // The healthy worker's requests are all counted, and nothing is counted
    // that no target served.
    let (counted, failures) = csv_totals(&dir.join("run_stats.csv"));
    assert_eq!(failures, 0, "{log}");
    let all = served(&[&targets[0], &targets[1], &targets[2]]);
    let healthy_served = targets[2].requests_served();
    assert!(healthy_served > 0);
    assert!(
        counted <= all && counted + 2 >= healthy_served,
        "counted {counted}, served {all} in all and {healthy_served} by the healthy worker's target:\n{log}"
    );
    stopped.kill();
}

/// Locust's workers are not adopted by a master that restarts: the
/// worker's socket reconnects by itself and keeps sending heartbeats, which
/// the new master, not knowing the worker, ignores (it never answers them);
/// 60 s without a heartbeat from its master end the worker (Locust's
/// `MASTER_HEARTBEAT_TIMEOUT`), and the worker, started again by whatever
/// supervises it, joins the new master as a new worker. locusta does the
/// same, and the new master's totals are then right.
#[test]
fn a_restarted_master_is_rejoined_by_its_workers_as_locusts_are() {
    if netns::skip("a_restarted_master_is_rejoined…") {
        return;
    }
    let program = example("bench_sleep");
    let dir = scratch("netrestart");
    let net = Net::new("restart", 1);
    let target = net.target(1, TARGET_PORT);
    let master_args = |extra: &str| {
        words(&format!("--master --headless --expect-workers 1 -u 2 -r 2 --stop-timeout 5 --master-bind-host {HUB_ADDR} --master-bind-port {PORT} -H {} {extra}", host()))
    };
    let mut first = start_in(
        &net,
        net.hub(),
        &program,
        &master_args("-t 150s --expect-workers-max-wait 30"),
        &dir,
        "master1",
    );
    let mut worker = start_worker(&net, 1, &program, &dir);
    let id = worker_id(&worker);
    first.expect_log("All users spawned", Duration::from_secs(40));
    std::thread::sleep(Duration::from_secs(2));
    // The master dies mid-test (no chance to tell its workers) ...
    first.signal(libc::SIGKILL);
    assert!(first.wait_for(Duration::from_secs(10)).is_some());
    // ... and is started again on the same address.
    let mut second = start_in(
        &net,
        net.hub(),
        &program,
        &master_args("-L DEBUG -t 6s --expect-workers-max-wait 120 --csv second"),
        &dir,
        "master2",
    );
    // The worker's connection comes back by itself: the new master hears
    // its heartbeats, but does not know it.
    let unknown = format!("heartbeat from unknown worker {id}");
    second.expect_log(&unknown, Duration::from_secs(30));
    // Unanswered, the worker ends itself once its master has been silent
    // for 60 s (exit code -1), having kept its users until then.
    let status = worker.exit_code(Duration::from_secs(90));
    let log = worker.log();
    assert_eq!(status, Some(255), "{log}");
    assert!(
        log.contains("Didn't get heartbeat from master in over 60 s, quitting"),
        "{log}"
    );
    assert!(
        !second.log().contains(&format!("{id} (index")),
        "{}",
        second.log()
    );
    // Started again, as a supervisor (systemd, Kubernetes) does, the worker
    // joins the new master, which then runs its test.
    let before = target.requests_served();
    let mut again = start_worker(&net, 1, &program, &dir);
    second.succeeded(Duration::from_secs(60));
    let log = second.log();
    assert!(log.contains("All users spawned"), "{log}");
    again.succeeded(Duration::from_secs(15));
    // The new master counts what the worker did for it.
    let (counted, failures) = csv_totals(&dir.join("second_stats.csv"));
    assert_eq!(failures, 0, "{log}");
    let served = target.requests_served() - before;
    assert!(served > 0);
    assert_totals(counted, served, 2, &log);
}

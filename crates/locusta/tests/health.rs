//! The generator's self-check through the real binary (docs/health.md):
//! a run pinned to one CPU with far more users than it can serve is marked
//! suspect and a light one is not; a task that blocks the Python thread is
//! named; `--fail-on-suspect` gives exit code 98; the JSON companion file
//! holds the verdict; a distributed run names its starved worker.
//!
//! The runs take one lock: two runs at once on the same CPU would make each
//! other late.
#![cfg(feature = "python")]

mod common;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use common::net::free_port;
use common::process::{words, Proc};
use common::programs::{locusta_binary, locustfile, LIMIT};
use common::scratch::scratch;
use common::text::assert_contains;
use common::timed::{run, Run};
use locusta_demo_target::{spawn, TargetConfig};

/// One run at a time (see the module's documentation).
static ONE_RUN: Mutex<()> = Mutex::new(());

/// Runs `locusta --headless -f health.py ARGS` in `dir`, restricted to CPU 0.
fn pinned(dir: &Path, args: &[String]) -> Run {
    let mut command = Command::new(locusta_binary());
    command
        .args(["--headless", "-f", &locustfile("health.py")])
        .args(args)
        .current_dir(dir);
    // SAFETY: between fork and exec the child only calls sched_setaffinity,
    // which is async-signal-safe, on a set built on its own stack.
    unsafe {
        command.pre_exec(|| {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(0, &mut set);
            if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    run(&mut command, LIMIT)
}

/// The `generator` report a run with `--json-file NAME` wrote beside NAME.json.
fn generator_report(dir: &Path, name: &str) -> serde_json::Value {
    let path = dir.join(format!("{name}.generator.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}: {text}", path.display()))
}

fn kinds(report: &serde_json::Value) -> Vec<String> {
    report["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["kind"].as_str().expect("kind").to_string())
        .collect()
}

#[test]
fn a_saturated_generator_is_suspect_and_a_light_run_is_not() {
    let _one = ONE_RUN.lock().unwrap_or_else(|e| e.into_inner());
    let target = spawn(TargetConfig::default());
    let url = target.url();
    let dir = scratch("health-saturated");

    // Far more users than one CPU serves, none of them waiting.
    let hammer = pinned(
        &dir,
        &words(&format!(
            "-u 400 -r 400 -t 14s --only-summary --json-file hammer -H {url} Hammer"
        )),
    );
    assert_eq!(hammer.code, Some(0), "{}", hammer.all());
    let report = generator_report(&dir, "hammer");
    assert_eq!(report["verdict"], "suspect", "{report:#}\n{}", hammer.all());
    assert!(
        kinds(&report).contains(&"saturated".to_string()),
        "{report:#}"
    );
    assert_eq!(report["current"]["cpu_limit_cores"], 1.0, "{report:#}");
    assert_contains(
        &hammer.stderr,
        "GENERATOR SUSPECT: the generator is saturated",
    );
    assert_contains(
        &hammer.stderr,
        "GENERATOR SUSPECT: the load generator was the bottleneck",
    );
    // Once per episode, not every second: the live warning and the summary.
    assert!(
        hammer.stderr.matches("GENERATOR SUSPECT").count() <= 3,
        "{}",
        hammer.stderr
    );

    // The same locustfile, a few users that wait: healthy, exit code 0
    // even with --fail-on-suspect.
    let calm = pinned(
        &dir,
        &words(&format!(
            "-u 5 -r 5 -t 8s --only-summary --fail-on-suspect --json-file calm -H {url} Calm"
        )),
    );
    assert_eq!(calm.code, Some(0), "{}", calm.all());
    let report = generator_report(&dir, "calm");
    assert_eq!(report["verdict"], "healthy", "{report:#}");
    assert!(
        !calm.stderr.contains("GENERATOR SUSPECT"),
        "{}",
        calm.stderr
    );
    assert!(
        report["peak"]["python_thread_cpu_percent"]
            .as_f64()
            .unwrap()
            > 0.0,
        "{report:#}"
    );
}

#[test]
fn a_task_that_blocks_the_python_thread_is_named_and_fails_the_run_when_asked() {
    let _one = ONE_RUN.lock().unwrap_or_else(|e| e.into_inner());
    let target = spawn(TargetConfig::default());
    let dir = scratch("health-blocked");
    let blocked = pinned(
        &dir,
        &words(&format!(
            "-u 1 -r 1 -t 6s --only-summary --fail-on-suspect --json-file blocked --html report.html -H {} Blocker",
            target.url()
        )),
    );
    assert_eq!(blocked.code, Some(98), "{}", blocked.all());
    assert_contains(
        &blocked.stderr,
        "GENERATOR SUSPECT: the Python thread has been held for",
    );
    assert_contains(&blocked.stderr, "by Blocker.wait_for_nobody (");
    assert_contains(&blocked.stderr, "health.py:");
    let report = generator_report(&dir, "blocked");
    assert_eq!(report["verdict"], "suspect");
    assert_eq!(kinds(&report), ["hub_held"], "{report:#}");
    assert!(
        report["peak"]["hub_lag_ms"].as_f64().unwrap() >= 1000.0,
        "{report:#}"
    );
    // Locust's array stays as it was.
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("blocked.json")).unwrap()).unwrap();
    assert!(stats.is_array(), "{stats}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_contains(&html, "<dt>Generator</dt><dd><strong class=\"suspect\">suspect</strong>: the Python thread has been held for");
}

#[test]
fn a_distributed_run_names_its_starved_worker() {
    let _one = ONE_RUN.lock().unwrap_or_else(|e| e.into_inner());
    let target = spawn(TargetConfig::default());
    let dir = scratch("health-workers");
    let port = free_port().to_string();
    let locusta = locusta_binary();
    let file = locustfile("health.py");
    let mut master = Proc::start(
        locusta,
        &words(&format!("-f {file} --master --headless --only-summary --json-file master --expect-workers 2 --expect-workers-max-wait 30 -u 4 -r 4 -t 9s --stop-timeout 3 --master-bind-host 127.0.0.1 --master-bind-port {port} -H {} Calm", target.url())),
        &dir,
        "master",
    );
    let worker_args = ["-f", &file, "--worker", "--master-port", &port];
    let mut starved = Proc::start_with_env(
        locusta,
        &worker_args,
        &dir,
        "starved",
        &[("STARVE_HUB", "1")],
    );
    let mut fine = Proc::start(locusta, &worker_args, &dir, "fine");
    master.succeeded(Duration::from_secs(50));
    starved.succeeded(Duration::from_secs(10));
    fine.succeeded(Duration::from_secs(10));
    let id_of = |log: String| {
        let line = log
            .lines()
            .find(|l| l.contains("connecting to master"))
            .unwrap_or_else(|| panic!("no worker id in {log}"))
            .to_string();
        line.split("Worker ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    };
    let (starved_id, fine_id) = (id_of(starved.log()), id_of(fine.log()));
    let report = generator_report(&dir, "master");
    assert_eq!(report["verdict"], "suspect", "{report:#}\n{}", master.log());
    let reasons = report["reasons"].as_array().unwrap();
    assert!(
        reasons.iter().all(|r| r["worker"] == starved_id.as_str()),
        "{report:#}"
    );
    assert_eq!(
        report["workers"][&starved_id]["suspect"], true,
        "{report:#}"
    );
    assert_eq!(report["workers"][&fine_id]["suspect"], false, "{report:#}");
    assert_contains(
        &master.log(),
        &format!("GENERATOR SUSPECT on worker {starved_id}: the Python thread has been held"),
    );
    assert_contains(&master.log(), "by Calm.browse (");
}

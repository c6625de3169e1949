//! Locust's Python API beyond the locustfile: every public module and name
//! of Locust 2.47 compared with real Locust's (from `bench/.venv-locust`),
//! Locust's documented library use (`locusta --python script.py`),
//! locust-plugins, and the attributes tools reach into on live objects. Each
//! runs the real `locusta` binary against servers started here on 127.0.0.1.
#![cfg(feature = "python")]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::process::Proc;
use common::programs::{locusta_with_env, locustfile, reference_python, run_binary, LIMIT};
use common::scratch::{scratch, Scratch};
use common::text::{assert_contains, field, line, number};
use common::timed::{run, Run};
use locusta_demo_target::{spawn, TargetConfig};

/// `locusta --python FILE ARGS…`.
fn script(file: &str, args: &[&str]) -> Run {
    let mut all = vec!["--python", file];
    all.extend_from_slice(args);
    run_binary(&all, &[])
}

#[test]
fn every_public_module_and_name_of_locust_exists_under_locusta() {
    let lister = locustfile("api_names.py");
    let dir = scratch("api-names");
    let reference = dir.join("locust_api.json");
    let listed = run(
        Command::new(reference_python()).args([lister.as_str(), "reference"]),
        LIMIT,
    );
    assert!(listed.code == Some(0), "{}", listed.stderr);
    std::fs::write(&reference, &listed.stdout).expect("the reference list is written");
    let expected: serde_json::Value =
        serde_json::from_str(&listed.stdout).expect("the reference list is JSON");
    let run = script(
        &lister,
        &["check", reference.to_str().expect("a UTF-8 path")],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let report: serde_json::Value =
        serde_json::from_str(line(&run.stdout, "API-REPORT ")).expect("the report is JSON");

    let modules = expected.as_object().expect("modules by name");
    let names_total: u64 = modules
        .values()
        .map(|m| m["names"].as_array().map_or(0, |n| n.len() as u64))
        .sum();
    let imported = report["modules"].as_object().expect("imported modules");
    let names_found: u64 = imported
        .values()
        .map(|pair| pair[0].as_u64().unwrap_or(0))
        .sum();
    let optional = report["optional"].as_object().expect("optional modules");
    eprintln!(
        "locust modules: {} of {} import ({} more need a package this Python lacks: {:?}); \
         public names: {names_found} of {names_total} ({:.1} %)",
        imported.len(),
        modules.len(),
        optional.len(),
        optional,
        100.0 * names_found as f64 / names_total as f64,
    );
    // Every module imports, but those whose third-party package is not
    // installed, and those fail as Locust's do: with an ImportError naming it.
    assert_eq!(
        report["missing_modules"],
        serde_json::json!({}),
        "modules that do not import"
    );
    for (module, package) in optional {
        assert!(
            module.starts_with("locust.contrib."),
            "{module} needs {package}"
        );
    }
    // Every public name of every module that imports.
    assert_eq!(
        report["missing_names"],
        serde_json::json!({}),
        "names missing"
    );
    // Every parameter of Locust's public functions, classes and their methods.
    let signatures = &report["signatures"];
    eprintln!(
        "signatures taking every parameter Locust's take: {} of {}",
        signatures[0], signatures[1]
    );
    assert!(signatures[1].as_u64().unwrap_or(0) > 500, "{signatures}");
    assert_eq!(
        report["parameters"],
        serde_json::json!({}),
        "parameters missing"
    );
    for wanted in [
        "locust.argument_parser",
        "locust.log",
        "locust.dispatch",
        "locust.web",
        "locust.html",
        "locust.input_events",
        "locust.rpc",
        "locust.util",
        "locust.util.timespan",
        "locust.user.sequential_taskset",
        "locust.user.markov_taskset",
        "locust.user.inspectuser",
        "locust.contrib.csv_request_logger",
    ] {
        assert!(imported.contains_key(wanted), "{wanted} does not import");
    }
}

#[test]
fn locusts_library_example_runs_as_a_script_and_counts_every_request() {
    let target = spawn(TargetConfig::default());
    let run = script(&locustfile("library_use.py"), &[&target.url()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out = &run.stdout;
    // While running: spawned and counted; after quit: stopped with no users.
    let sample = line(out, "SAMPLE ");
    assert_eq!(field(sample, "state"), "running", "{out}");
    assert_eq!(number(sample, "users"), 5, "{out}");
    let after = line(out, "AFTER ");
    assert_eq!(field(after, "stopped"), "True", "{out}");
    assert_eq!(number(after, "users"), 0, "{out}");
    // The statistics count what the server served, and what the listener saw.
    let totals = line(out, "TOTALS ");
    let requests = number(totals, "requests");
    let failures = number(totals, "failures");
    assert!(requests > 10, "{out}");
    // A request in flight when quit() kills its user is served but not
    // counted (as in Locust): at most one per user.
    let served = target.requests_served();
    assert!(
        requests <= served && served <= requests + 5,
        "served {served}, counted {requests}: {out}"
    );
    // The listener hears every request but those whose response arrived
    // after quit() killed their user (the statistics count them).
    let heard = line(out, "LISTENER ");
    let (heard, heard_failures) = (number(heard, "requests"), number(heard, "failures"));
    assert!(heard <= requests && requests <= heard + 5, "{out}");
    assert!(
        heard_failures <= failures && failures <= heard_failures + 5,
        "{out}"
    );
    // Every request to the missing page failed (404), and only those.
    let rows = line(out, "ROWS ");
    assert!(rows.contains("('GET', 'missing', "), "{rows}");
    assert!(failures > 0 && failures < requests, "{out}");
    let events = line(out, "EVENTS ");
    assert_eq!(number(events, "test_start"), 1, "{out}");
    assert_eq!(number(events, "test_stop"), 1, "{out}");
    assert_eq!(number(events, "spawning_complete"), 5, "{out}");
    // stats_history appended a point; stats_printer printed the table.
    assert!(number(line(out, "HISTORY "), "points") >= 1, "{out}");
    assert_contains(&run.stderr, "Aggregated");
    assert_contains(
        &run.stderr,
        "All users spawned: \"Visitor\": 5 (5 total users)",
    );
    // events.request.fire counts in env.stats (a success and a failure).
    let fired = line(out, "FIRED ");
    assert_eq!(field(fired, "total_delta"), "2", "{out}");
    assert_eq!(field(fired, "row"), "2/1", "{out}");
    assert_eq!(field(fired, "avg"), "10.0", "{out}");
}

#[test]
fn locusts_helpers_give_the_same_results_under_locusta_as_in_locust() {
    let file = locustfile("api_behaviour.py");
    let reference = run(Command::new(reference_python()).arg(&file), LIMIT);
    let expected = reference.stdout;
    assert!(reference.code == Some(0), "{}", reference.stderr);
    let run = script(&file, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // Locust's option library prints a deprecation notice of its own.
    let lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with("Warning: "))
            .map(str::to_string)
            .collect()
    };
    let (expected, got) = (lines(&expected), lines(&run.stdout));
    assert!(expected.len() > 40, "{expected:?}");
    for (want, have) in expected.iter().zip(&got) {
        assert_eq!(have, want, "locusta's line differs from Locust's");
    }
    assert_eq!(got.len(), expected.len(), "{got:#?}");
}

/// A run of `plugins.py` (locust-plugins) against `url` with `extra` options;
/// its output directory.
fn plugins_run(test: &str, url: &str, extra: &[&str]) -> (Run, Scratch) {
    let dir = scratch(test);
    let data = dir.join("paths.csv");
    std::fs::write(&data, "/\n/no-such-page\n").expect("the CSV is written");
    let prefix = dir.join("run").to_string_lossy().into_owned();
    let file = locustfile("plugins.py");
    let mut args = vec![
        "-f", &file, "-H", url, "-u", "2", "-r", "2", "-t", "20", "-i", "20", "--json", "--csv",
        &prefix,
    ];
    args.extend_from_slice(extra);
    let run = locusta_with_env(
        &args,
        &[
            ("PLUGINS_DATA", data.to_str().expect("UTF-8")),
            ("PLUGINS_OUT", dir.to_str().expect("UTF-8")),
        ],
    );
    (run, dir)
}

#[test]
fn locust_plugins_options_checks_listeners_and_readers_work() {
    let target = spawn(TargetConfig::default());
    let (run, dir) = plugins_run(
        "plugins-pass",
        &target.url(),
        &[
            "--check-fail-ratio",
            "0.9",
            "--check-rps",
            "1",
            "--log-transactions-in-file",
            "--console-stats-interval",
            "5",
        ],
    );
    let file = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let (jmeter, transactions, summary) = (
        file("jmeter.csv"),
        file("run_transactions.csv"),
        file("run_transactions_summary.csv"),
    );
    // Failures, but the plugin's checks passed and set exit_code_on_error=0.
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let options = line(&run.stdout, "PLUGIN OPTIONS ");
    assert_eq!(field(options, "iterations"), "20", "{options}");
    assert_eq!(field(options, "check_rps"), "1.0", "{options}");
    assert_eq!(field(options, "console_stats_interval"), "5", "{options}");
    assert_eq!(
        field(options, "log_transactions_in_file"),
        "True",
        "{options}"
    );
    // -i 20: twenty task runs, alternating between the sequential tasks; the
    // CSV reader alternates between a good and a missing path, and
    // RescheduleTaskOnFail ends a task whose request failed.
    let rows = run.rows();
    assert_eq!(rows.get("from-csv"), Some(&(10, 5)), "{rows:?}");
    assert_eq!(rows.get("home"), Some(&(10, 0)), "{rows:?}");
    assert_eq!(rows.get("after-success"), Some(&(5, 0)), "{rows:?}");
    // JmeterListener: a header and a row per request.
    assert!(jmeter.starts_with("timeStamp,elapsed,label,"), "{jmeter}");
    assert_eq!(
        jmeter.lines().filter(|l| !l.is_empty()).count(),
        26,
        "{jmeter}"
    );
    assert_eq!(jmeter.matches(",KO,").count(), 5, "{jmeter}");
    // TransactionManager: one row per journey, and its summary.
    assert_eq!(
        transactions.matches(",journey,").count(),
        10,
        "{transactions}"
    );
    assert_contains(&summary, "Transaction,journey,10,0,");

    let (run, _dir) = plugins_run(
        "plugins-fail",
        &target.url(),
        &["--check-fail-ratio", "0.01", "--ips", "40"],
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert_eq!(field(line(&run.stdout, "PLUGIN OPTIONS "), "ips"), "40.0");
    assert_contains(
        &run.stderr,
        "CHECK FAILED: fail ratio was 20.00% (threshold 1.00%)",
    );
}

#[test]
fn live_objects_have_the_attributes_tools_reach_for() {
    let target = spawn(TargetConfig::default());
    let run = script(&locustfile("live_objects.py"), &[&target.url()]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    for what in [
        "Environment.create_*",
        "Runner start/spawn_users/stop_users/stop/state/counts/greenlet",
        "RequestStats and StatsEntry",
        "stats functions, PERCENTILES_TO_REPORT, StatsCSVFileWriter, get_html_report",
        "Response.request/raw/iter_content/iter_lines",
        "FastHttpSession(base_url, request_event, user), network_timeout, iter_lines, FastResponse.status/read",
        "User.greenlet/group, HttpUser.rest_",
        "filter_tasks_by_tags, create_environment, WorkerNode",
        "catch_response with a custom Environment's events",
        "Runner.start_shape follows the shape and stops",
        "stop_timeout lets a running task finish",
        "runner.exceptions",
        "Runner.quit ends runner.greenlet.join()",
    ] {
        assert_contains(&run.stdout, &format!("CHECKED {what}\n"));
    }
}

#[test]
fn a_locustfile_can_ramp_spawn_and_stop_users_of_locustas_runner() {
    let target = spawn(TargetConfig::default());
    let run = locusta_with_env(
        &[
            "-f",
            &locustfile("runner_control.py"),
            "-H",
            &target.url(),
            "-u",
            "1",
            "-r",
            "10",
            "-t",
            "4",
        ],
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_contains(
        &run.stderr,
        r#"All users spawned: {"Walker": 3} (3 total users)"#,
    );
    assert_contains(
        &run.stdout,
        "RAMPED users=3 target=3 state=running greenlets=3",
    );
    // spawn_users and stop_users change locusta's counts directly.
    assert_contains(&run.stdout, "SPAWNED users=5 classes={'Walker': 5}");
    assert_contains(&run.stdout, "STOPPED users=1 greenlets=1 history=True");
}

#[test]
fn socketio_users_talk_to_a_local_socketio_server() {
    use std::io::{BufRead, BufReader};

    let python = reference_python();
    // python-socketio and its dependencies, taken from the reference
    // environment (and nothing else of it: not its Locust).
    let found = run(
        Command::new(&python).args([
            "-c",
            "import os, socketio; print(os.path.dirname(os.path.dirname(socketio.__file__)))",
        ]),
        LIMIT,
    );
    let site = found.stdout.trim().to_string();
    let dir = scratch("socketio");
    let packages = dir.join("packages");
    std::fs::create_dir_all(&packages).expect("a package directory");
    for name in [
        "socketio",
        "engineio",
        "bidict",
        "simple_websocket",
        "wsproto",
        "websocket",
        "h11",
    ] {
        let link = packages.join(name);
        if !link.exists() {
            std::os::unix::fs::symlink(PathBuf::from(&site).join(name), &link).expect("a link");
        }
    }
    let mut server = Proc::start(
        &python,
        &[locustfile("socketio_server.py")],
        &dir,
        "socketio-server",
    );
    let mut port = String::new();
    BufReader::new(server.child.stdout.take().expect("stdout"))
        .read_line(&mut port)
        .expect("the server prints its port");
    let url = format!("http://127.0.0.1:{}", port.trim());
    let run = locusta_with_env(
        &[
            "-f",
            &locustfile("socketio_chat.py"),
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "3",
            "--json",
        ],
        &[
            ("SIO_URL", url.as_str()),
            ("PYTHONPATH", packages.to_str().expect("UTF-8")),
        ],
    );
    drop(server);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let start = run.stdout.find("\n[").map_or(0, |i| i + 1);
    let end = run.stdout.rfind(']').map_or(run.stdout.len(), |i| i + 1);
    let rows: serde_json::Value =
        serde_json::from_str(&run.stdout[start..end]).expect("--json rows");
    let count = |method: &str, name: &str| -> (u64, u64) {
        rows.as_array()
            .expect("rows")
            .iter()
            .find(|row| row["method"] == method && row["name"] == name)
            .map(|row| {
                (
                    row["num_requests"].as_u64().unwrap_or(0),
                    row["num_failures"].as_u64().unwrap_or(0),
                )
            })
            .unwrap_or_else(|| panic!("no {method} {name} row: {}", run.stdout))
    };
    assert_eq!(count("WS", "connect"), (2, 0));
    let (chats, chat_failures) = count("WSE", "chat");
    let (calls, call_failures) = count("WSC", "ask");
    let (replies, _) = count("WSR", "reply");
    assert!(
        chats > 2 && chat_failures == 0 && call_failures == 0,
        "{}",
        run.stdout
    );
    // Every talk emits once, then calls once (the call's answer is checked):
    // a user stopped between the two leaves one call out.
    assert!(calls <= chats && chats <= calls + 2, "{}", run.stdout);
    assert!(replies > 0 && replies <= chats, "{}", run.stdout);
}

#[test]
fn locust_main_main_runs_locustas_command_line() {
    let target = spawn(TargetConfig::default());
    let run = script(&locustfile("main_entry.py"), &[&target.url()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    let served = target.requests_served();
    assert!(
        rows.get("/")
            .is_some_and(|&(n, f)| n > 2 && f == 0 && n <= served),
        "{rows:?}, served {served}"
    );
    assert_contains(&run.stderr, r#"All users spawned: {"Caller": 2}"#);
}

#[test]
fn locust_plugins_connection_pools_spread_requests_over_sessions() {
    let target = spawn(TargetConfig::default());
    let run = locusta_with_env(
        &[
            "-f",
            &locustfile("plugins_pools.py"),
            "-H",
            &target.url(),
            "-u",
            "2",
            "-r",
            "10",
            "-t",
            "1",
            "--pool_size",
            "3",
            "--json",
        ],
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_contains(&run.stdout, "POOLS requests=3 fast=2");
    let rows = run.rows();
    for name in ["pooled", "fast-pooled"] {
        assert!(
            rows.get(name).is_some_and(|&(n, f)| n > 0 && f == 0),
            "{name}: {rows:?}"
        );
    }
}

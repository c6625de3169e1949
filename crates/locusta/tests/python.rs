//! Python locustfiles run through the real `locusta` binary against the demo
//! target: the API, the catch_response matrix, events, exceptions, shapes,
//! custom clients, gevent primitives and broken files.
#![cfg(feature = "python")]

use std::collections::BTreeMap;

use locusta_demo_target::{spawn, TargetConfig};

mod common;

use common::programs::{example_file, locusta, locusta_with_env, locustfile, run_binary};
use common::scratch::scratch;
use common::text::assert_contains;
use common::timed::Run;

#[test]
fn the_shop_example_logs_in_keeps_its_cookie_and_validates_responses() {
    let target = spawn(TargetConfig::default());
    let csv_dir = scratch("py-csv");
    let csv_prefix = csv_dir.join("run").to_string_lossy().into_owned();
    let run = locusta(&[
        "-f",
        &example_file("locustfile.py"),
        "-H",
        &target.url(),
        "-u",
        "6",
        "-r",
        "100",
        "-t",
        "3",
        "--json",
        "--csv",
        &csv_prefix,
        "Shopper",
    ]);
    let stats_csv = std::fs::read_to_string(format!("{csv_prefix}_stats.csv")).unwrap_or_default();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        stats_csv.starts_with("Type,Name,Request Count,Failure Count"),
        "{stats_csv}"
    );
    assert!(stats_csv.contains("POST,/login,6,0,"), "{stats_csv}");
    assert!(stats_csv.contains(",Aggregated,"), "{stats_csv}");
    let rows = run.rows();
    // Only the class named on the command line ran: one login per shopper.
    assert_eq!(rows.get("/login"), Some(&(6, 0)), "{rows:?}");
    assert!(!rows.contains_key("/"), "Visitor ran: {rows:?}");
    for (name, (requests, failures)) in &rows {
        assert_eq!(*failures, 0, "{name} failed: {}", run.stderr);
        assert!(*requests > 0);
    }
    assert!(rows.contains_key("/products/[id]"), "{rows:?}");
    assert_contains(&run.stderr, r#"All users spawned: {"Shopper": 6}"#);
}

#[test]
fn catch_response_naming_and_the_response_api_behave_as_in_locust() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("catch_response.py"),
        "-H",
        &target.url(),
        "-i",
        "9",
        "--json",
        "Checker",
    ]);
    assert_eq!(
        run.code,
        Some(1),
        "failures give exit code 1: {}",
        run.stderr
    );
    let rows = run.rows();
    let expected: BTreeMap<String, (u64, u64)> = [
        ("success_on_404", (1, 0)),
        ("failure_on_200", (1, 1)),
        ("last_call_wins", (1, 0)),
        ("response_error", (1, 1)),
        ("default_rule", (1, 1)),
        ("renamed_in_block", (1, 0)),
        ("grouped", (2, 0)),
        ("refused", (1, 1)),
        ("redirected", (1, 0)),
    ]
    .into_iter()
    .map(|(name, counts)| (name.to_string(), counts))
    .collect();
    assert_eq!(rows, expected, "{}", run.stderr);
    assert!(run.stdout.contains("RESPONSE_API_OK OK"), "{}", run.stderr);
    assert_contains(&run.stderr, "GET failure_on_200: wrong content");
    assert!(
        run.stderr
            .contains("GET response_error: ResponseError('raised in the block')"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Traceback"), "{}", run.stderr);

    // An exception other than ResponseError, without a decision: not reported.
    let run = locusta(&[
        "-f",
        &locustfile("catch_response.py"),
        "-H",
        &target.url(),
        "-i",
        "3",
        "--json",
        "Unreported",
    ]);
    assert_eq!(run.code, Some(1), "the task errors count: {}", run.stderr);
    assert!(!run.rows().contains_key("unreported"), "{}", run.stdout);
    assert_contains(&run.stderr, "ValueError: raised in the block");
}

#[test]
fn events_fire_in_order_and_exceptions_have_their_effects() {
    let target = spawn(TargetConfig::default());
    let csv_dir = scratch("py-events");
    let csv_prefix = csv_dir.join("run").to_string_lossy().into_owned();
    let run = locusta(&[
        "-f",
        &locustfile("lifecycle.py"),
        "-H",
        &target.url(),
        "-u",
        "5",
        "-r",
        "100",
        "-t",
        "2",
        "-E",
        "never",
        "--json",
        "--csv",
        &csv_prefix,
    ]);
    let exceptions =
        std::fs::read_to_string(format!("{csv_prefix}_exceptions.csv")).unwrap_or_default();
    // The quitting listener sets environment.process_exit_code.
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    // Task errors are in the exceptions table with their Python traceback.
    assert!(
        exceptions.contains("ValueError: boom in a task"),
        "{exceptions}"
    );
    assert!(exceptions.contains("lifecycle.py"), "{exceptions}");
    let events: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("EVENT "))
        .collect();
    assert_eq!(
        events,
        [
            "init:5:ready",
            "test_start",
            "spawning_complete:5",
            "test_stopping",
            "test_stop",
            "quitting",
            "quit:3"
        ],
        "{}",
        run.stderr
    );
    let rows = run.rows();
    // The sequential journey ran once, then StopUser ended that user.
    assert_eq!(rows.get("step1"), Some(&(1, 0)), "{rows:?}");
    assert_eq!(rows.get("step2"), Some(&(1, 0)), "{rows:?}");
    // interrupt() left the nested set (its on_stop ran) and re-entered it.
    let entered = rows["set_start"].0;
    assert!(entered > 1, "{rows:?}");
    assert!(rows["set_stop"].0 >= entered - 1, "{rows:?}");
    assert!(rows["in_set"].0 >= entered - 1, "{rows:?}");
    // The user's on_stop ran when the test stopped.
    assert_eq!(rows.get("user_stop"), Some(&(1, 0)), "{rows:?}");
    // -E never removed the tagged task.
    assert!(!rows.contains_key("excluded_by_tag"), "{rows:?}");
    // RescheduleTask still waited; the manual fire was recorded.
    assert!(rows.contains_key("reschedule"), "{rows:?}");
    // A raising task: logged with the Python traceback, user_error fired, the user went on.
    assert!(rows["before_boom"].0 > 1, "{rows:?}");
    assert!(run.stdout.contains("USER_ERROR ValueError boom in a task"));
    assert_contains(&run.stderr, "lifecycle.py\", line");
    assert_contains(&run.stderr, "ValueError: boom in a task");
    assert!(!run.stderr.contains("<locusta>"), "{}", run.stderr);
    // An error in on_start ends that user: no task, no on_stop.
    assert_contains(&run.stderr, "RuntimeError: cannot log in");
    assert!(!rows.contains_key("never_runs"), "{rows:?}");
    assert!(!rows.contains_key("never_stops"), "{rows:?}");
}

#[test]
fn a_staged_shape_drives_the_runner_and_ends_the_test() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &example_file("shape.py"),
        "-H",
        &target.url(),
        "-t",
        "30",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(r#"All users spawned: {"Reader": 1, "Writer": 1} (2 total users)"#),
        "{}",
        run.stderr
    );
    // The second stage restricts the classes: the writer is ramped out.
    assert!(
        run.stderr
            .contains(r#"All users spawned: {"Reader": 4, "Writer": 0} (4 total users)"#)
            || run
                .stderr
                .contains(r#"All users spawned: {"Reader": 3, "Writer": 1} (4 total users)"#),
        "{}",
        run.stderr
    );
    assert_contains(&run.stderr, "Shape test completed");
    assert!(run.stdout.contains("TICK 4 2"), "{}", run.stdout);
}

#[test]
fn a_custom_client_reports_with_events_request() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &example_file("xmlrpc_client.py"),
        "-H",
        &target.url(),
        "-u",
        "2",
        "-r",
        "100",
        "-t",
        "2",
        "--json",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let rows = run.rows();
    let (calls, failures) = rows["get_time"];
    assert!(calls > 0 && calls == failures, "{rows:?}");
    let (measured, measured_failures) = rows["measured"];
    assert!(measured > 0 && measured_failures == 0, "{rows:?}");
    assert_contains(&run.stderr, "xmlrpc get_time: <ProtocolError");
    assert!(run.stdout.contains("LISTENER_SAW True"), "{}", run.stdout);
}

#[test]
fn gevent_primitives_work_inside_tasks() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("concurrency.py"),
        "-H",
        &target.url(),
        "-u",
        "4",
        "-r",
        "100",
        "-t",
        "2",
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    assert!(rows["pooled"].0 >= 3 && rows["pooled"].1 == 0, "{rows:?}");
    assert!(
        rows["/products"].0 > 0 && rows["/products"].1 == 0,
        "{rows:?}"
    );
}

#[test]
fn a_graceful_stop_lets_the_running_task_finish() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("stopping.py"),
        "-H",
        &target.url(),
        "-u",
        "1",
        "-t",
        "1",
        "--stop-timeout",
        "10",
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    assert_eq!(rows.get("task_started"), Some(&(1, 0)), "{rows:?}");
    assert_eq!(rows.get("task_finished"), Some(&(1, 0)), "{rows:?}");
    assert_eq!(rows.get("on_stop"), Some(&(1, 0)), "{rows:?}");

    // Without a stop timeout the user is killed mid-task; on_stop still runs.
    let run = locusta(&[
        "-f",
        &locustfile("stopping.py"),
        "-H",
        &target.url(),
        "-u",
        "1",
        "-t",
        "1",
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    assert!(!rows.contains_key("task_finished"), "{rows:?}");
    assert_eq!(rows.get("on_stop"), Some(&(1, 0)), "{rows:?}");
}

#[test]
fn stop_test_in_a_task_ends_the_run() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("stop_test.py"),
        "-H",
        &target.url(),
        "-t",
        "30",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("StopTest raised by a Checker user, shutting down"),
        "{}",
        run.stderr
    );
}

#[test]
fn tags_and_iterations_select_and_count_tasks() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &example_file("locustfile.py"),
        "-H",
        &target.url(),
        "-u",
        "2",
        "-r",
        "100",
        "-T",
        "cart",
        "-i",
        "6",
        "--json",
        "Shopper",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    assert!(!rows.contains_key("/products"), "{rows:?}");
    let added = rows.get("/cart").map_or(0, |r| r.0);
    let checkouts = rows.get("/checkout").map_or(0, |r| r.0);
    assert!(added > 0 || checkouts > 0, "{rows:?}");
    assert!(run.stderr.contains("6 iterations done"), "{}", run.stderr);
}

#[test]
fn broken_locustfiles_get_clear_messages_and_exit_code_1() {
    let cases = [
        ("syntax_error.py", "syntax_error.py\", line 5"),
        ("syntax_error.py", "SyntaxError: expected ':'"),
        (
            "import_error.py",
            "ModuleNotFoundError: No module named 'no_such_module_for_locusta'",
        ),
        ("import_error.py", "import_error.py\", line 1, in <module>"),
        ("no_users.py", "No User class found!"),
        ("bad_wait_time.py", "Slow.wait_time must be a function"),
        ("no_host.py", "You must specify the base host"),
        ("missing_file.py", "Could not find"),
    ];
    for (file, message) in cases {
        let run = locusta(&["-f", &locustfile(file), "-u", "1", "-t", "5"]);
        assert_eq!(run.code, Some(1), "{file}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{file}: {}", run.stderr);
    }
    let run = locusta(&[
        "-f",
        &locustfile("stop_test.py"),
        "-H",
        "http://127.0.0.1:1",
        "NoSuchUser",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "Unknown User(s): NoSuchUser");
}

#[test]
fn markov_sets_plain_functions_and_custom_waits_run() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("markov.py"),
        "-H",
        &target.url(),
        "-u",
        "2",
        "-r",
        "100",
        "-t",
        "2",
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    let first = rows["markov_first"].0;
    let second = rows["markov_second"].0;
    let third = rows.get("markov_third").map_or(0, |r| r.0);
    // first -> second always; second -> first or third; third -> first.
    assert!(second > 2, "{rows:?}");
    assert!(first.abs_diff(second) <= 1, "{rows:?}");
    assert!(third < second, "{rows:?}");
    assert!(rows["plain_function"].0 > 0, "{rows:?}");
}

#[test]
fn python_classes_are_listed_with_their_task_ratios() {
    let example = example_file("locustfile.py");
    let example = example.as_str();
    let run = locusta(&["-f", example, "--list"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Available Users:\n    Shopper\n    Visitor"),
        "{}",
        run.stdout
    );
    let run = locusta(&["-f", example, "--show-task-ratio"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains(" - Shopper: 75.0%"), "{}", run.stdout);
    assert_contains(&run.stdout, "     - browse: 45.5%");
}

#[test]
fn request_listeners_receive_locusts_arguments() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("request_listener.py"),
        "-H",
        &target.url(),
        "-u",
        "1",
        "-i",
        "4",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("REQUEST "))
        .collect();
    assert_eq!(
        lines,
        [
            "REQUEST GET /products float True 200 [('step', 1), ('user', 'u1')] NoneType True True",
            "REQUEST GET /status/404 float False 404 [('user', 'u1')] HTTPError True True",
            "REQUEST GET caught float True 200 [('user', 'u1')] CatchResponseError True -",
            "REQUEST GET undecided float False 404 [('user', 'u1')] HTTPError True -",
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn fast_http_user_names_requests_after_the_url_and_has_rest() {
    let target = spawn(TargetConfig::default());
    let url = target.url();
    let run = locusta(&[
        "-f",
        &locustfile("fasthttp.py"),
        "-H",
        &url,
        "-u",
        "3",
        "-r",
        "100",
        "-t",
        "1",
        "--json",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let rows = run.rows();
    // FastHttpUser: the URL as passed; HttpUser: the path.
    assert!(rows.contains_key(&format!("{url}/products")), "{rows:?}");
    assert!(rows.contains_key("/products?page=2"), "{rows:?}");
    assert!(rows.contains_key("/"), "{rows:?}");
    assert_eq!(rows["rest_product"].1, 0, "{rows:?}");
    // Locust's response and session class names answer isinstance checks.
    assert!(!run.stderr.contains("AssertionError"), "{}", run.stderr);
    // FastHttpUser's success rule, and its failure text and exception.
    assert_eq!(rows["fast_203"].1, 0, "{rows:?}");
    let (requests, failures) = rows["fast_299"];
    assert!(requests > 0 && failures == requests, "{rows:?}");
    assert!(
        run.stderr
            .contains("GET fast_299: LocustBadStatusCode(code=299)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "FAST_299 str={url}/status/299, code=299 repr=LocustBadStatusCode(code=299)"
        )),
        "{}",
        run.stderr
    );
    // Every one failed (one cut by the end of the test is not reported at all).
    let (requests, failures) = rows["rest_assert"];
    assert!(requests > 1 && failures == requests, "{rows:?}");
    assert!(
        run.stderr
            .contains("GET rest_assert: expected an object, response was ["),
        "{}",
        run.stderr
    );
}

#[test]
fn a_greenlet_can_stop_the_test_on_a_threshold() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("threshold.py"),
        "-H",
        &target.url(),
        "-u",
        "2",
        "-r",
        "100",
        "-t",
        "30",
    ]);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(run.stdout.contains("THRESHOLD 1.0"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("STATS True True True True [('/status/500', 'GET')]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "ERRORS [\"GET /status/500: HTTPError('500 Server Error: Internal Server Error for url: /status/500')\"] True True"
        ),
        "{}",
        run.stdout
    );
    assert_contains(&run.stderr, "runner.quit() called, shutting down");
}

#[test]
fn test_data_credentials_bodies_headers_and_auth_reach_the_server() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("test_data.py"),
        "-H",
        &target.url(),
        "-u",
        "3",
        "-r",
        "100",
        "-i",
        "12",
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    assert_eq!(rows.get("/login"), Some(&(3, 0)), "{rows:?}");
    for name in ["headers", "auth", "multipart", "raw", "add", "cart"] {
        let (requests, failures) = rows[name];
        assert!(
            requests > 0 && failures == 0,
            "{name}: {rows:?}\n{}",
            run.stderr
        );
    }
}

#[test]
fn import_locust_resolves_to_locusta_even_with_another_locust_on_the_path() {
    let target = spawn(TargetConfig::default());
    // A `locust` package that breaks when imported, first on sys.path.
    let shadow = scratch("shadow");
    std::fs::create_dir_all(shadow.join("locust")).expect("temp dir");
    std::fs::write(
        shadow.join("locust/__init__.py"),
        "raise ImportError('the real locust was imported')\n",
    )
    .expect("write");
    let run = locusta_with_env(
        &[
            "-f",
            &locustfile("request_listener.py"),
            "-H",
            &target.url(),
            "-u",
            "1",
            "-i",
            "1",
        ],
        &[("PYTHONPATH", shadow.to_str().expect("utf-8 path"))],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_contains(&run.stdout, "REQUEST GET /products");
}

#[test]
fn an_exception_in_an_event_listener_gives_exit_code_2() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("listener_error.py"),
        "-H",
        &target.url(),
        "-i",
        "2",
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_contains(&run.stderr, "Uncaught exception in event handler");
    assert_contains(&run.stderr, "RuntimeError: listener broke");
    assert_contains(&run.stderr, "listener_error.py\", line 7");
}

#[test]
fn a_plain_user_needs_no_host() {
    let run = locusta(&["-f", &locustfile("hostless.py"), "-i", "3", "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.rows().get("plain"), Some(&(3, 0)), "{}", run.stdout);
}

#[test]
fn several_locustfiles_or_a_directory_are_loaded_together() {
    let dir = scratch("dir");
    std::fs::copy(locustfile("hostless.py"), dir.join("a.py")).expect("copy");
    std::fs::write(
        dir.join("b.py"),
        "from locust import User, constant, events, task\n\n\
         class Other(User):\n    wait_time = constant(0.01)\n\n    @task\n    def t(self):\n        \
         events.request.fire(request_type='x', name='other', response_time=1, response_length=0)\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("_helper.py"),
        "raise ImportError('not a locustfile')\n",
    )
    .expect("write");
    let listed = locusta(&["-f", dir.to_str().expect("utf-8 path"), "--list"]);
    let a = dir.join("a.py");
    let b = dir.join("b.py");
    let both = format!("{},{}", a.display(), b.display());
    let run = locusta(&["-f", &both, "-u", "2", "-r", "100", "-i", "6", "--json"]);
    assert_eq!(listed.code, Some(0), "{}", listed.stderr);
    assert!(
        listed
            .stdout
            .contains("Available Users:\n    Plain\n    Other"),
        "{}",
        listed.stdout
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    assert!(
        rows.contains_key("plain") && rows.contains_key("other"),
        "{rows:?}"
    );
}

#[test]
fn sys_exit_in_a_task_ends_the_test_with_its_code() {
    let run = locusta(&["-f", &locustfile("exiting.py"), "-t", "30"]);
    assert_eq!(run.code, Some(7), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("sys.exit() called by a user of class Exiting, shutting down"),
        "{}",
        run.stderr
    );
}

#[test]
fn custom_options_from_init_command_line_parser_reach_parsed_options() {
    let target = spawn(TargetConfig::default());
    let file = locustfile("custom_options.py");
    let common = ["-f", &file, "-H", &target.url(), "-u", "1", "-t", "1"];
    // Defaults.
    let run = locusta(&common);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_contains(&run.stdout, "OPTIONS '' 2 False 'red' '' 1");
    // Command line and environment variable, typed as declared.
    let mut args = common.to_vec();
    args.extend([
        "--my-count",
        "7",
        "--my-flag",
        "--my-choice",
        "blue",
        "--my-secret",
        "s3cret",
    ]);
    let run = locusta_with_env(&args, &[("LOCUST_MY_ARGUMENT", "from env")]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("OPTIONS 'from env' 7 True 'blue' 's3cret' 1"),
        "{}",
        run.stdout
    );
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
    // A value of the wrong kind or outside the choices: the parser's error, exit 2.
    let mut args = common.to_vec();
    args.extend(["--my-count", "many"]);
    let run = locusta(&args);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_contains(&run.stderr, "'many' is not a whole number");
    let mut args = common.to_vec();
    args.extend(["--my-choice", "green"]);
    assert_eq!(locusta(&args).code, Some(2));
}

#[test]
fn custom_options_appear_in_help_and_a_broken_parser_listener_is_reported() {
    let file = locustfile("custom_options.py");
    let output = run_binary(&["-f", &file, "--help"], &[]);
    let help = &output.stdout;
    assert!(output.code == Some(0), "{help}");
    for line in [
        "--my-argument <value>",
        "It's working",
        "--my-count <int>",
        "--my-flag",
    ] {
        assert!(help.contains(line), "{line} missing from:\n{help}");
    }
    let run = locusta(&["-f", &locustfile("bad_parser.py"), "-u", "1", "-t", "1"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("init_command_line_parser")
            && run.stderr.contains("parser listener broke")
            && run.stderr.contains("bad_parser.py\", line 9"),
        "{}",
        run.stderr
    );
}

#[test]
fn config_users_sets_tasks_counts_hosts_and_attributes_of_classes() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("config-users");
    let file = dir.join("config-users.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"user_class_name": "Buyer", "fixed_count": 1, "host": "{}"}}"#,
            target.url()
        ),
    )
    .expect("config file written");
    let browser = format!(
        r#"[{{"user_class_name": "Browser", "tasks": ["browse"], "page": "/products/1", "host": "{}"}}]"#,
        target.url()
    );
    let run = locusta(&[
        "-f",
        &locustfile("config_users.py"),
        "-u",
        "4",
        "-r",
        "100",
        "-i",
        "40",
        "--json",
        "--config-users",
        &browser,
        file.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    assert!(rows.contains_key("browse /products/1"), "{rows:?}");
    assert!(!rows.contains_key("cart"), "{rows:?}");
    assert!(
        rows.contains_key(&format!("buyer at {}", target.url())),
        "{rows:?}"
    );
    assert_contains(&run.stderr, r#""Browser": 3, "Buyer": 1"#);
}

#[test]
fn bad_config_users_are_refused_with_the_reason() {
    let target = spawn(TargetConfig::default());
    for (config, needle) in [
        (
            r#"{"user_class_name": "Nobody"}"#,
            "no user class named Nobody",
        ),
        (
            r#"{"user_class_name": "Browser", "tasks": ["fly"]}"#,
            "Browser has no task named fly (its tasks: browse, cart)",
        ),
        ("/nonexistent/users.json", "/nonexistent/users.json"),
    ] {
        let run = locusta(&[
            "-f",
            &locustfile("config_users.py"),
            "-H",
            &target.url(),
            "-u",
            "1",
            "-t",
            "2s",
            "--config-users",
            config,
        ]);
        assert_eq!(run.code, Some(255), "{config}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{config}: {}", run.stderr);
    }
}

#[test]
fn a_zero_wait_task_that_never_yields_still_lets_other_users_run() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("zero_wait.py"),
        "-H",
        &target.url(),
        "-u",
        "4",
        "-r",
        "100",
        "-t",
        "2s",
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    let spins = rows.get("spin").map_or(0, |r| r.0);
    let fetches = rows.get("fetch").map_or(0, |r| r.0);
    assert!(spins > 100 && fetches > 100, "{rows:?}");
}

#[test]
fn with_two_shapes_a_headless_run_uses_the_first() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("two_shapes.py"),
        "-H",
        &target.url(),
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    assert!(
        rows.contains_key("OneUser") && !rows.contains_key("ThreeUsers"),
        "{rows:?}"
    );
    assert_contains(&run.stderr, r#"All users spawned: {"Visitor": 1}"#);
}

/// `locusta --python debugging.py MODE…` with the target in `TARGET`.
fn debug_script(target: &str, args: &[&str]) -> Run {
    let file = locustfile("debugging.py");
    let args: Vec<&str> = ["--python", file.as_str()]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    run_binary(&args, &[("TARGET", target)])
}

#[test]
fn run_single_user_runs_one_user_in_the_script_and_prints_each_request() {
    let target = spawn(TargetConfig::default());
    let run = debug_script(&target.url(), &["plain"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.contains("ARGV ['plain']"), "{out}");
    assert!(out.contains("type\tname"), "{out}");
    assert!(out.contains("\tresp_ms\texception\t"), "{out}");
    assert!(out.contains("EVENT init runner=None"), "{out}");
    assert!(out.contains("EVENT test_start ['Shopper']"), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let get = lines.iter().find(|l| l.starts_with("GET\t/products"));
    assert!(get.is_some(), "{out}");
    let post = lines.iter().find(|l| l.starts_with("POST\tadd"));
    assert!(
        post.is_some_and(|l| l.contains("refused on purpose")),
        "{out}"
    );
    // The user stopped (StopUser), then the script went on; no test_stop or quit.
    let stopped = out.find("Shopper stopped").expect("on_stop ran");
    assert!(out.find("DONE").is_some_and(|done| done > stopped), "{out}");
    assert!(
        !out.contains("EVENT test_stop") && !out.contains("EVENT quit"),
        "{out}"
    );
    assert_eq!(target.requests_served(), 2);
}

#[test]
fn run_single_user_prints_the_optional_columns_and_runs_twice() {
    let target = spawn(TargetConfig::default());
    let run = debug_script(&target.url(), &["columns"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("time                    \ttype\tname"),
        "{out}"
    );
    assert!(
        out.contains("\tresp_ms\tlength\texception\tcontext\t\tpayload\t"),
        "{out}"
    );
    assert!(out.contains("{'step': 1}"), "{out}");
    assert!(out.contains("b'{\"id\": 7}'"), "{out}");

    let run = debug_script(&target.url(), &["two"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out = &run.stdout;
    assert_eq!(out.matches("EVENT init").count(), 1, "{out}");
    assert!(out.contains("EVENT test_start ['Api']"), "{out}");
    assert!(out.contains("GET\t/status/500"), "{out}");
    assert!(out.contains("LocustBadStatusCode(code=500)"), "{out}");
}

#[test]
fn run_single_user_takes_the_host_from_the_script_arguments() {
    let target = spawn(TargetConfig::default());
    let file = locustfile("debugging.py");
    let url = target.url();
    let run = run_binary(&["--python", &file, "plain", "-H", &url], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_contains(&run.stdout, "ARGV ['plain', '-H', ");
    assert_eq!(target.requests_served(), 2);

    let run = run_binary(&["--python", &file, "no-host"], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_contains(&run.stderr, "You must specify the base host");
    assert_contains(&run.stderr, "debugging.py\", line");
}

#[test]
fn a_script_gets_pythons_exit_codes_and_error_messages() {
    let target = spawn(TargetConfig::default());
    let run = debug_script(&target.url(), &["exit"]);
    assert_eq!(run.code, Some(3), "{}", run.stderr);

    let run = debug_script(&target.url(), &["raise"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.contains("DONE"), "{}", run.stdout);
    assert!(
        run.stderr.contains("debugging.py\", line")
            && run
                .stderr
                .contains("ValueError: the script failed after its runs"),
        "{}",
        run.stderr
    );

    let run = run_binary(&["--python", &locustfile("syntax_error.py")], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "syntax_error.py\", line");
    assert!(run.stderr.contains("SyntaxError"), "{}", run.stderr);

    let run = run_binary(&["--python"], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_contains(&run.stderr, "--python needs a script");
    let run = run_binary(&["--python", "no/such/script.py"], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("can't open file 'no/such/script.py': no such file"),
        "{}",
        run.stderr
    );
    let folder = locustfile("");
    let run = run_binary(&["--python", &folder], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("': not a file"), "{}", run.stderr);

    // Outside a script, run_single_user explains how to run it.
    let run = locusta_with_env(
        &["-f", &locustfile("debugging.py"), "-i", "1"],
        &[("TARGET", &target.url()), ("CALL_AT_IMPORT", "1")],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "locusta --python FILE.py");
}

#[test]
fn a_user_whose_init_blocks_is_created_and_runs() {
    let target = spawn(TargetConfig::default());
    let url = target.url();
    let file = locustfile("slow_init.py");
    let run = locusta(&[
        "-f", &file, "-H", &url, "-u", "5", "-r", "5", "-t", "2", "--json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stderr.contains("Could not create"), "{}", run.stderr);
    assert!(
        run.rows().get("/").is_some_and(|&(n, _)| n >= 5),
        "{}",
        run.stdout
    );
}

#[test]
fn users_stopped_while_their_init_blocks_never_start() {
    let target = spawn(TargetConfig::default());
    // A shape asks for 5 users, then for none after 1 s, while each user's
    // __init__ takes 2.5 s (so a stop that comes late on a loaded machine
    // still comes first); the test ends at 3 s.
    let run = locusta_with_env(
        &[
            "-f",
            &locustfile("slow_init.py"),
            "-H",
            &target.url(),
            "--json",
        ],
        &[("INIT_SECONDS", "2.5"), ("SHAPE", "1")],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stderr.contains("Could not create"), "{}", run.stderr);
    assert_eq!(target.requests_served(), 0, "{}", run.stderr);
}

#[test]
fn custom_messages_reach_their_listener_in_a_local_run() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("messages.py"),
        "-H",
        &target.url(),
        "-u",
        "3",
        "-r",
        "100",
        "-t",
        "1",
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("ACK got 3 users from local <Message acknowledge:local>"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("DUPLICATE"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("Unknown message type received: nobody_listens"),
        "{}",
        run.stderr
    );
    let rows = run.rows();
    for name in ["User0", "User1", "User2"] {
        assert!(rows.contains_key(name), "{rows:?}");
    }
}

#[test]
fn changed_locust_stats_settings_are_reported_as_not_applied() {
    let target = spawn(TargetConfig::default());
    let run = locusta(&[
        "-f",
        &locustfile("stats_settings.py"),
        "-H",
        &target.url(),
        "-i",
        "3",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "locust.stats.CONSOLE_STATS_INTERVAL_SEC = 15 is not applied: locusta uses 2"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("locust.stats.PERCENTILES_TO_REPORT = [0.5, 0.9] is not applied"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("CSV_STATS_INTERVAL_SEC"),
        "{}",
        run.stderr
    );
}

//! End-to-end runs of a Rust test program against the demo target: what a
//! user sees (exit codes, statistics, errors) for good and bad input.

use std::sync::Arc;

use locusta::prelude::*;
use locusta_demo_target::{spawn, TargetConfig};
use parking_lot::Mutex;

/// Totals read at `test_stop`.
#[derive(Default)]
struct Totals {
    requests: u64,
    failures: u64,
    errors: Vec<String>,
    exception_groups: usize,
}

#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Totals>>);

impl Seen {
    fn attach(&self, program: Locusta) -> Locusta {
        let seen = self.clone();
        program.setup(move |env: &Environment| {
            env.events.test_stop.add_listener(move |env: &Environment| {
                let stats = env.stats.collect();
                let errors = stats.errors().iter().map(|e| e.display_name()).collect();
                *seen.0.lock() = Totals {
                    requests: stats.total.num_requests,
                    failures: stats.total.num_failures,
                    errors,
                    exception_groups: env.stats.exceptions().len(),
                };
            });
        })
    }
    fn requests(&self) -> u64 {
        self.0.lock().requests
    }
    fn failures(&self) -> u64 {
        self.0.lock().failures
    }
    fn errors(&self) -> Vec<String> {
        self.0.lock().errors.clone()
    }
}

fn run(program: Locusta, args: &[&str]) -> i32 {
    let mut argv = vec!["locusta", "--headless", "--only-summary"];
    argv.extend_from_slice(args);
    program.run_with_args(argv)
}

async fn index(u: &mut User<()>) {
    u.client.get("/").send().await;
}

async fn server_error(u: &mut User<()>) {
    u.client.get("/status/500").send().await;
}

#[test]
fn iterations_bound_the_run_and_every_request_is_counted() {
    let target = spawn(TargetConfig::default());
    let seen = Seen::default();
    let program = seen.attach(Locusta::new().user(UserClass::<()>::new("U").task(1, index)));
    let code = run(
        program,
        &[
            "-H",
            &target.url(),
            "-u",
            "5",
            "-r",
            "100",
            "-i",
            "50",
            "-t",
            "60s",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(seen.requests(), 50);
    assert_eq!(target.requests_served(), 50);
}

#[test]
fn failures_give_the_exit_code_on_error() {
    let target = spawn(TargetConfig::default());
    let seen = Seen::default();
    let program = seen.attach(Locusta::new().user(UserClass::<()>::new("U").task(1, server_error)));
    let code = run(program, &["-H", &target.url(), "-i", "3"]);
    assert_eq!(code, 1);
    assert_eq!(seen.failures(), 3);
    assert_eq!(
        seen.errors(),
        ["GET /status/500: HTTPError('500 Server Error: Internal Server Error for url: /status/500')"]
    );
    let program = Locusta::new().user(UserClass::<()>::new("U").task(1, server_error));
    assert_eq!(
        run(
            program,
            &["-H", &target.url(), "-i", "1", "--exit-code-on-error", "3"]
        ),
        3
    );
}

#[test]
fn an_exit_code_set_by_user_code_wins() {
    let target = spawn(TargetConfig::default());
    let program = Locusta::new()
        .user(UserClass::<()>::new("U").task(1, server_error))
        .setup(|env: &Environment| {
            env.events.quitting.add_listener(|env: &Environment| {
                *env.process_exit_code.lock() = Some(7);
            })
        });
    assert_eq!(run(program, &["-H", &target.url(), "-i", "1"]), 7);
}

#[test]
fn a_refused_connection_is_a_recorded_failure() {
    // Port 1 on loopback: nothing listens there.
    let seen = Seen::default();
    let program = seen.attach(Locusta::new().user(UserClass::<()>::new("U").task(1, index)));
    let code = run(program, &["-H", "http://127.0.0.1:1", "-i", "4"]);
    assert_eq!(code, 1);
    assert_eq!((seen.requests(), seen.failures()), (4, 4));
    let errors = seen.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("GET /: ConnectionRefused"),
        "{errors:?}"
    );
}

#[test]
fn task_errors_count_as_errors_for_the_exit_code() {
    let target = spawn(TargetConfig::default());
    let seen = Seen::default();
    let program = seen.attach(Locusta::new().user(UserClass::<()>::new("U").task(
        1,
        async |u: &mut User<()>| {
            let n: u32 = u.client.get("/").send().await.text().parse()?;
            let _ = n;
            Ok(())
        },
    )));
    assert_eq!(run(program, &["-H", &target.url(), "-i", "2"]), 1);
    assert_eq!(seen.0.lock().exception_groups, 1, "one exception group");
}

#[test]
fn startup_errors_exit_with_1() {
    let program = || Locusta::new().user(UserClass::<()>::new("U").task(1, index));
    assert_eq!(run(program(), &["-i", "1"]), 1, "no host");
    assert_eq!(
        run(program(), &["-H", "ht!tp://nowhere", "-i", "1"]),
        1,
        "invalid host"
    );
    assert_eq!(
        run(program(), &["-H", "http://127.0.0.1:1", "Nobody"]),
        1,
        "unknown user class"
    );
    assert_eq!(
        run(Locusta::new(), &["-H", "http://127.0.0.1:1"]),
        1,
        "no user class"
    );
    assert_eq!(
        run(
            Locusta::new().user(UserClass::<()>::new("U").weight(0.0).task(1, index)),
            &["-H", "http://127.0.0.1:1"]
        ),
        1,
        "all weights zero"
    );
}

#[test]
fn bad_options_exit_with_2() {
    let program = || Locusta::new().user(UserClass::<()>::new("U").task(1, index));
    for args in [
        &["-u", "-5"][..],
        &["-u", "many"],
        &["-r", "0"],
        &["-r", "-1"],
        &["-r", "inf"],
        &["-t", "5x"],
        &["-t", "1.5h"],
        &["--userz", "3"],
        &["-s", "soon"],
    ] {
        assert_eq!(run(program(), args), 2, "{args:?}");
    }
    // Scripts are the `locusta` command's (its Python loader), not a Rust program's.
    for argv in [
        &["prog", "--python", "x.py"][..],
        &["prog", "--python=x.py"],
    ] {
        assert_eq!(program().run_with_args(argv.to_vec()), 2, "{argv:?}");
    }
}

#[test]
fn zero_users_runs_until_the_time_limit() {
    let target = spawn(TargetConfig::default());
    let seen = Seen::default();
    let program = seen.attach(Locusta::new().user(UserClass::<()>::new("U").task(1, index)));
    assert_eq!(
        run(program, &["-H", &target.url(), "-u", "0", "-t", "1s"]),
        0
    );
    assert_eq!(seen.requests(), 0);
}

#[test]
fn user_classes_named_on_the_command_line_are_the_only_ones_run() {
    let target = spawn(TargetConfig::default());
    let seen = Seen::default();
    let program = seen.attach(
        Locusta::new()
            .user(UserClass::<()>::new("Good").task(1, index))
            .user(UserClass::<()>::new("Bad").task(1, server_error)),
    );
    assert_eq!(
        run(
            program,
            &[
                "-H",
                &target.url(),
                "-i",
                "20",
                "-u",
                "4",
                "-r",
                "100",
                "Good"
            ]
        ),
        0
    );
    assert_eq!((seen.requests(), seen.failures()), (20, 0));
}

#[test]
fn tags_from_the_command_line_select_tasks() {
    let target = spawn(TargetConfig::default());
    let seen = Seen::default();
    let program = seen.attach(
        Locusta::new().user(
            UserClass::<()>::new("U")
                .task(1, index)
                .tag("ok")
                .task(1, server_error)
                .tag("broken"),
        ),
    );
    assert_eq!(
        run(program, &["-H", &target.url(), "-i", "20", "-T", "ok"]),
        0
    );
    assert_eq!((seen.requests(), seen.failures()), (20, 0));
}

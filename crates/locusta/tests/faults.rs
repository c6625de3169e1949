//! Faults a careless or hostile user causes, through the real binary:
//! standard output closed or full, the output folder removed during the run,
//! absurd user counts, user code that holds the Python thread. None of them
//! may panic, hang, lose a report or take the machine down.
#![cfg(feature = "python")]

mod common;

use std::fs::File;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::programs::{example_file, locusta_binary, locustfile, LIMIT};
use common::reports::csv_totals;
use common::scratch::scratch;
use common::text::assert_contains;
use common::timed::{finish, run, wait_until, Run};
use locusta_demo_target::{spawn, TargetConfig};

/// The write end of a pipe whose read end is already closed: a reader that
/// went away, as `| head -1` does.
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills the two descriptors of the array we own.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe(2)");
    // SAFETY: fds[0] is ours and closed once; fds[1] is handed to OwnedFd once.
    unsafe {
        libc::close(fds[0]);
        Stdio::from(OwnedFd::from_raw_fd(fds[1]))
    }
}

/// `/dev/full`: every write fails with "No space left on device".
fn full_device() -> Stdio {
    Stdio::from(
        File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full"),
    )
}

/// Starts the binary in `dir` with `args`, `stdout` as its standard output
/// and its stderr piped.
fn start(args: &[&str], stdout: Stdio, dir: &Path) -> std::process::Child {
    Command::new(locusta_binary())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("locusta starts")
}

/// Runs the binary with `stdout` as its standard output; fails past [`LIMIT`].
fn locusta(args: &[&str], stdout: Stdio, dir: &Path) -> Run {
    let ended = finish(start(args, stdout, dir), LIMIT);
    assert!(!ended.stderr.contains("panicked"), "{}", ended.stderr);
    ended
}

#[test]
fn listings_end_quietly_on_a_closed_pipe_and_say_so_on_a_full_device() {
    let dir = scratch("listings");
    let file = example_file("locustfile.py");
    for listing in [
        "--list",
        "--show-task-ratio",
        "--show-task-ratio-json",
        "--help",
    ] {
        let closed = locusta(&["-f", &file, listing], closed_pipe(), &dir);
        assert_eq!(closed.code, Some(0), "{listing}: {}", closed.stderr);
        let full = locusta(&["-f", &file, listing], full_device(), &dir);
        assert_eq!(full.code, Some(1), "{listing}: {}", full.stderr);
        assert_contains(
            &full.stderr,
            "cannot write to standard output: No space left on device",
        );
    }
}

#[test]
fn a_run_whose_standard_output_is_gone_still_writes_its_files() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("run-stdout");
    let file = example_file("locustfile.py");
    let url = target.url();
    let run = |prefix: &str, stdout: Stdio| {
        let args = ["-f", &file, "--headless", "-u", "2", "-r", "2", "-t", "2s"];
        let mut args = args.to_vec();
        args.extend(["-H", &url, "--json", "--csv", prefix]);
        locusta(&args, stdout, &dir)
    };
    let closed = run("closed", closed_pipe());
    assert_eq!(closed.code, Some(0), "{}", closed.stderr);
    assert_contains(
        &std::fs::read_to_string(dir.join("closed_stats.csv")).expect("the stats CSV"),
        "Aggregated",
    );
    let full = run("full", full_device());
    // An output that could not be written is an internal error: exit code 2.
    assert_eq!(full.code, Some(2), "{}", full.stderr);
    assert_contains(
        &full.stderr,
        "cannot write to standard output: No space left on device",
    );
    assert_contains(
        &std::fs::read_to_string(dir.join("full_stats.csv")).expect("the stats CSV"),
        "Aggregated",
    );
}

#[test]
fn an_output_folder_removed_during_the_run_is_written_again() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("removed-folder");
    let file = example_file("locustfile.py");
    let url = target.url();
    let mut args = vec!["-f", &file, "--headless", "-u", "2", "-r", "2", "-t", "4s"];
    args.extend(["-H", &url, "--only-summary"]);
    args.extend(["--csv", "out/run", "--html", "out/report.html"]);
    args.extend(["--json-file", "out/run"]);
    let child = start(&args, Stdio::null(), &dir);
    // Wait for the first CSV rewrite, then remove the whole folder.
    let history = dir.join("out/run_stats_history.csv");
    wait_until(Duration::from_secs(20), "no CSV history row", || {
        std::fs::read_to_string(&history).map_or(0, |t| t.lines().count()) >= 2
    });
    std::fs::remove_dir_all(dir.join("out")).expect("remove the output folder");
    let Run { code, stderr, .. } = finish(child, LIMIT);
    assert_eq!(code, Some(0), "{stderr}");
    assert_contains(&stderr, "was removed during the run: writing it again");
    for name in [
        "run_stats.csv",
        "run_stats_history.csv",
        "run_failures.csv",
        "run_exceptions.csv",
        "report.html",
        "run.json",
    ] {
        assert!(
            dir.join("out").join(name).is_file(),
            "{name} is missing\n{stderr}"
        );
    }
    // The history written before the folder went is kept.
    let rows = std::fs::read_to_string(&history).expect("the history");
    assert!(rows.lines().count() >= 3, "{rows}");
}

#[test]
fn a_billion_users_on_the_command_line_are_refused_with_the_numbers() {
    let dir = scratch("billion");
    let file = example_file("locustfile.py");
    let ended = locusta(
        &[
            "-f",
            &file,
            "--headless",
            "-u",
            "1000000000",
            "-r",
            "1000000000",
            "-H",
            "http://127.0.0.1:9",
        ],
        Stdio::null(),
        &dir,
    );
    assert_eq!(ended.code, Some(1), "{}", ended.stderr);
    assert_contains(
        &ended.stderr,
        "Refusing -u 1000000000: 1000000000 users at about 32 KiB each would need 29.8 TiB",
    );
    assert_contains(&ended.stderr, "of memory available: at most ");
}

#[test]
fn a_shape_asking_for_a_billion_users_gets_what_fits_in_memory() {
    use std::os::unix::process::CommandExt;
    let dir = scratch("billion-shape");
    let mut command = Command::new(locusta_binary());
    command
        .args([
            "-f",
            &locustfile("huge_shape.py"),
            "--headless",
            "--only-summary",
        ])
        .current_dir(&dir);
    // SAFETY: setrlimit is async-signal-safe; the child only limits itself.
    unsafe {
        command.pre_exec(|| {
            // 3 GiB of address space: room for a few tens of thousands of users.
            let limit = libc::rlimit {
                rlim_cur: 3 << 30,
                rlim_max: 3 << 30,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let Run { code, stderr, .. } = run(&mut command, LIMIT);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let line = stderr
        .lines()
        .find(|line| line.contains("Ramping to") && line.contains("users instead"))
        .unwrap_or_else(|| panic!("no message about the users that fit:\n{stderr}"));
    let ramped: u64 = line
        .split("Ramping to ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a user count");
    assert!((1000..200_000).contains(&ramped), "{line}");
    // Said once, not at every tick of the shape.
    assert_eq!(stderr.matches("users instead").count(), 1, "{stderr}");
}

/// Starts the binary on `held_hub.py` (class `class`) with `extra`
/// arguments, `--csv run` in `dir`, and LOCUST_SKIP_MONKEY_PATCH set.
fn held(dir: &Path, class: &str, extra: &[&str]) -> std::process::Child {
    Command::new(locusta_binary())
        .args([
            "-f",
            &locustfile("held_hub.py"),
            "--headless",
            "-u",
            "1",
            "--csv",
            "run",
        ])
        .args(["--only-summary", class])
        .args(extra)
        .env("LOCUST_SKIP_MONKEY_PATCH", "1")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("locusta starts")
}

/// The Aggregated request count of `dir/run_stats.csv`.
fn counted(dir: &Path) -> u64 {
    csv_totals(&dir.join("run_stats.csv")).0
}

#[test]
fn the_run_time_ends_a_run_whose_task_holds_the_python_thread() {
    let dir = scratch("held-run-time");
    // The task sleeps a minute without yielding; the run lasts 2 s.
    let child = held(&dir, "Sleeper", &["-t", "2s"]);
    let Run { code, stderr, .. } = finish(child, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    assert_contains(&stderr, "--run-time limit reached");
    assert_contains(&stderr, "The Python thread has been held for");
    assert_contains(&stderr, "by Sleeper.nap (");
    assert_contains(&stderr, "held_hub.py:22)");
    assert_eq!(counted(&dir), 1);
}

#[test]
fn sigterm_ends_a_run_whose_task_loops_on_the_cpu() {
    let dir = scratch("held-sigterm");
    let child = held(&dir, "Spinner", &["-t", "10m"]);
    std::thread::sleep(Duration::from_secs(3));
    // SAFETY: kill(2) on the test's own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let Run { code, stderr, .. } = finish(child, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    assert_contains(&stderr, "Got SIGTERM signal");
    assert_contains(&stderr, "by Spinner.spin (");
    assert_eq!(counted(&dir), 1);
}

#[test]
fn a_second_signal_ends_the_stop_at_once_with_every_output() {
    let dir = scratch("held-second-signal");
    // A stop timeout of ten minutes: only the second signal can end this soon.
    let child = held(
        &dir,
        "Sleeper",
        &["-t", "10m", "-s", "600", "--html", "report.html"],
    );
    std::thread::sleep(Duration::from_secs(3));
    for _ in 0..2 {
        // SAFETY: kill(2) on the test's own child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        std::thread::sleep(Duration::from_millis(500));
    }
    let Run { code, stderr, .. } = finish(child, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    assert_contains(
        &stderr,
        "Second SIGTERM: writing the outputs and exiting now",
    );
    assert_eq!(counted(&dir), 1);
    assert_contains(
        &std::fs::read_to_string(dir.join("report.html")).expect("the HTML report"),
        "Aggregated",
    );
}

#[test]
fn a_locust_variable_that_is_not_utf8_is_named() {
    use std::os::unix::ffi::OsStrExt;
    let Run { code, stderr, .. } = run(
        Command::new(locusta_binary())
            .args(["--headless", "-t", "1s"])
            .env(
                "LOCUST_HOST",
                std::ffi::OsStr::from_bytes(b"http://127.0.0.1:\xff"),
            ),
        LIMIT,
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert_contains(
        &stderr,
        "the environment variable LOCUST_HOST is not valid UTF-8",
    );
}

#[test]
fn keyboard_interrupt_in_a_task_ends_the_run_and_a_nan_wait_is_named() {
    let dir = scratch("odd-tasks");
    let file = locustfile("odd_tasks.py");
    let run = |class: &str, run_time: &str| {
        let args = ["-f", &file, "--headless", "-u", "1", "-t", run_time];
        let mut args = args.to_vec();
        args.extend(["--csv", "run", "--only-summary", class]);
        let ended = finish(start(&args, Stdio::null(), &dir), Duration::from_secs(60));
        (ended.code, ended.stderr)
    };
    // As in Locust, the run ends (long before its ten minutes).
    let (code, stderr) = run("Interrupter", "10m");
    assert_eq!(code, Some(0), "{stderr}");
    assert_contains(
        &stderr,
        "KeyboardInterrupt raised by a Interrupter user, shutting down",
    );
    assert_eq!(counted(&dir), 1);
    // A NaN wait is said once, and the user goes on.
    let (code, stderr) = run("NotANumber", "2s");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stderr
            .matches("wait_time of NotANumber returned nan, which is not a number of seconds")
            .count(),
        1,
        "{stderr}"
    );
    assert!(counted(&dir) > 10, "the user went on");
}

//! Time limits: a command run to its end with one, and what it printed; a
//! condition waited for with one.
//!
//! Shared by the tests of `crates/locusta` and `crates/wheel` (the wheel's
//! `tests/common` includes this file with `#[path]`): nothing here may name
//! a binary, a file or a dependency of one crate only.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What a command did: its exit code (`None` when a signal ended it) and
/// what it printed.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The exit code and both streams, for failure messages.
    pub fn all(&self) -> String {
        format!(
            "exit code {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `command` (no standard input, its output piped) to its end; kills
/// it, and fails, past `limit`.
pub fn run(command: &mut Command, limit: Duration) -> Run {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    finish(child, limit)
}

/// Waits for a started child to end, reading its piped streams (a stream
/// that is not piped reads as empty); kills it, and fails, past `limit`.
pub fn finish(mut child: Child, limit: Duration) -> Run {
    let out = read_all(child.stdout.take());
    let err = read_all(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.and_then(|s| s.code()),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    };
    assert!(
        status.is_some(),
        "still running after {limit:?}, killed:\n{}",
        run.all()
    );
    run
}

/// Reads a stream to its end on a thread of its own (so that neither of a
/// child's pipes fills while the other is read).
fn read_all(stream: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_string(&mut text);
        }
        text
    })
}

/// Polls `done` (every 50 ms) until it holds; fails, saying `what` was
/// waited for, past `limit`.
#[track_caller]
pub fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what} (waited {limit:?})");
        std::thread::sleep(Duration::from_millis(50));
    }
}

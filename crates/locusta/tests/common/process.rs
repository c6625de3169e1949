//! Programs that run beside the test (masters, workers, web UIs, servers):
//! each a [`Proc`] whose stderr goes to a log file in the test's folder
//! (read when it matters), killed if the test ends first.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A command line written as one line (no argument has a space).
pub fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

/// A running program; see the module's documentation.
pub struct Proc {
    pub child: Child,
    pub log: PathBuf,
}

impl Proc {
    /// Starts `program args` in `dir`, its stderr in `dir/name.log`.
    pub fn start<S: AsRef<std::ffi::OsStr>>(
        program: &Path,
        args: &[S],
        dir: &Path,
        name: &str,
    ) -> Proc {
        Proc::start_with_env(program, args, dir, name, &[])
    }

    /// As [`Proc::start`], with extra environment variables.
    pub fn start_with_env<S: AsRef<std::ffi::OsStr>>(
        program: &Path,
        args: &[S],
        dir: &Path,
        name: &str,
        env: &[(&str, &str)],
    ) -> Proc {
        let mut command = Command::new(program);
        command.args(args).envs(env.iter().copied());
        Proc::spawn(command, dir, name)
    }

    /// Starts `command` (program and arguments set) in `dir`, its stdout
    /// piped, its stderr in `dir/name.log`.
    pub fn spawn(mut command: Command, dir: &Path, name: &str) -> Proc {
        let log = dir.join(format!("{name}.log"));
        let stderr =
            std::fs::File::create(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        let child = command
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        Proc { child, log }
    }

    /// What the program wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits up to `limit` for the exit; kills the process after that.
    pub fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        None
    }

    /// The exit code, waiting up to `limit` (`None`: killed, by a signal
    /// or because it did not end within `limit`).
    pub fn exit_code(&mut self, limit: Duration) -> Option<i32> {
        self.wait_for(limit).and_then(|status| status.code())
    }

    /// Waits (at most `limit`) for the program to exit with 0, and fails
    /// with what it printed otherwise; its stdout.
    #[track_caller]
    pub fn succeeded(&mut self, limit: Duration) -> String {
        let code = self.exit_code(limit);
        let stdout = self.stdout();
        assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{}", self.log());
        stdout
    }

    /// All the program printed on stdout (to its end: call it once the
    /// program ended).
    pub fn stdout(&mut self) -> String {
        let mut out = String::new();
        if let Some(stdout) = self.child.stdout.as_mut() {
            let _ = stdout.read_to_string(&mut out);
        }
        out
    }

    /// Waits until the log contains `text` (true) or `limit` passes (false).
    pub fn wait_for_log(&self, text: &str, limit: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.log().contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Fails, with the log, unless the log contains `text` within `limit`.
    #[track_caller]
    pub fn expect_log(&self, text: &str, limit: Duration) {
        assert!(
            self.wait_for_log(text, limit),
            "no {text:?} within {limit:?} in:\n{}",
            self.log()
        );
    }

    /// The first stderr line containing `text` (waiting up to 20 s).
    #[track_caller]
    pub fn line_with(&self, text: &str) -> String {
        let found = self.wait_for_log(text, Duration::from_secs(20));
        let log = self.log();
        if found {
            if let Some(line) = log.lines().find(|l| l.contains(text)) {
                return line.to_string();
            }
        }
        panic!("no line with '{text}' in:\n{log}");
    }

    /// The web UI's `host:port` (and base path), from the "Starting web
    /// interface at" line.
    #[track_caller]
    pub fn ui_address(&self) -> String {
        let line = self.line_with("Starting web interface at http://");
        let url = line.split("at http://").nth(1).expect("a URL");
        url.trim_end_matches('/').to_string()
    }

    /// Sends `signal` to the program.
    #[track_caller]
    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: a plain kill(2) on our own child's pid.
        let sent = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(sent, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// Whether the program is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.running() {
            self.kill();
        }
    }
}

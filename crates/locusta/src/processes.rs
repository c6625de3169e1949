//! `--processes N`: worker processes started on this machine, as Locust's.
//!
//! Without `--worker` the process becomes the master of N workers it starts
//! itself; with `--worker` it only supervises N workers of another master and
//! exits with the highest of their exit codes. Locust forks; locusta starts
//! its own program again with the same arguments, and an environment variable
//! tells each child to be a worker of a given master (so the children also
//! find a master bound to `--master-bind-port 0`, or to another port than
//! `--master-port`, which Locust's children cannot).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::cli::Options;

/// Set in a child: `host:port` of the master it works for.
const MASTER_OF_CHILD: &str = "LOCUSTA_PROCESSES_MASTER";

/// How long children get to leave by themselves once the master is done
/// (Locust: 3 s), before they are told to stop with SIGINT.
const CHILDREN_GRACE: Duration = Duration::from_secs(5);

/// How to start this program again. By default the running executable; the
/// wheel runs inside a Python interpreter, whose copies are
/// `python -m locusta`.
#[derive(Debug, Clone)]
pub struct Relaunch {
    /// The program to execute.
    pub program: PathBuf,
    /// Arguments that come before the command line's own (`["-m", "locusta"]`).
    pub prefix: Vec<OsString>,
}

/// Worker processes that cannot be started.
#[derive(Debug, thiserror::Error)]
pub enum ProcessesError {
    /// The running executable cannot be found, so no copy of it can start.
    #[error("--processes: cannot find this program: {0}")]
    FindProgram(std::io::Error),
    /// A worker process cannot be started.
    #[error("--processes: cannot start a worker: {0}")]
    StartWorker(std::io::Error),
}

/// How copies start, and the command line this run was given (without the
/// program name), set once the command line is known.
static COMMAND: Mutex<Option<(Option<Relaunch>, Vec<OsString>)>> = Mutex::new(None);

/// Remembers how to start copies of this program with `args` (the command
/// line, the program name first).
pub(crate) fn remember(relaunch: Option<Relaunch>, args: &[OsString]) {
    let args = args.iter().skip(1).cloned().collect();
    *COMMAND.lock().unwrap_or_else(|e| e.into_inner()) = Some((relaunch, args));
}

/// The program, and the arguments that start a copy of this run.
fn copy_command() -> Result<(PathBuf, Vec<OsString>), ProcessesError> {
    let remembered = COMMAND.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let (relaunch, args) =
        remembered.unwrap_or_else(|| (None, std::env::args_os().skip(1).collect()));
    let relaunch = match relaunch {
        Some(relaunch) => relaunch,
        None => Relaunch {
            program: std::env::current_exe().map_err(ProcessesError::FindProgram)?,
            prefix: Vec::new(),
        },
    };
    let mut command = relaunch.prefix;
    command.extend(args);
    Ok((relaunch.program, command))
}

/// The number of workers `--processes` asks for (`-1`: one per CPU); `None`
/// when no worker processes are wanted (not given, or 0 as in Locust).
pub fn requested(options: &Options) -> Option<usize> {
    match options.processes? {
        -1 => Some(std::thread::available_parallelism().map_or(1, |n| n.get())),
        n => usize::try_from(n).ok().filter(|&n| n > 0),
    }
}

/// In a process started by `--processes`: makes it the worker it was started
/// as, without the options that only make sense for the parent (run time,
/// autostart, reports), as Locust's children.
pub fn take_child_role(options: &mut Options) {
    let Some((host, port)) = std::env::var(MASTER_OF_CHILD)
        .ok()
        .and_then(|addr| parse_address(&addr))
    else {
        return;
    };
    options.processes = None;
    options.worker = true;
    options.master = false;
    options.master_host = host;
    options.master_port = port;
    options.run_time = None;
    options.autostart = false;
    options.csv_prefix = None;
    options.html = None;
    options.json = false;
    options.json_file = None;
    options.print_stats = false;
    options.metrics_port = None;
}

fn parse_address(addr: &str) -> Option<(String, u16)> {
    let (host, port) = addr.rsplit_once(':')?;
    Some((host.to_owned(), port.parse().ok()?))
}

/// Worker processes started by this one.
pub struct WorkerProcesses {
    children: Vec<Child>,
}

impl WorkerProcesses {
    /// Starts `count` copies of this program as workers of the master at
    /// `host:port`; their output goes where this process's goes.
    pub fn start(count: usize, host: &str, port: u16) -> Result<WorkerProcesses, ProcessesError> {
        let (program, args) = copy_command()?;
        let mut started = WorkerProcesses {
            children: Vec::with_capacity(count),
        };
        for _ in 0..count {
            let child = Command::new(&program)
                .args(&args)
                .env(MASTER_OF_CHILD, format!("{host}:{port}"))
                .stdin(Stdio::null())
                .spawn()
                .map_err(ProcessesError::StartWorker)?;
            log::debug!("Started child worker with pid #{}", child.id());
            started.children.push(child);
        }
        Ok(started)
    }

    /// Sends `signal` to the children still running.
    fn signal(&mut self, signal: libc::c_int) {
        for child in &mut self.children {
            if matches!(child.try_wait(), Ok(None)) {
                let pid = child.id() as libc::pid_t;
                // SAFETY: kill(2) on a child this process started and has not reaped.
                unsafe { libc::kill(pid, signal) };
            }
        }
    }

    /// Reaps the children that have exited; true when none is left.
    fn reap(&mut self, highest: &mut i32) -> bool {
        self.children.retain_mut(|child| match child.try_wait() {
            Ok(Some(status)) => {
                *highest = (*highest).max(exit_code(status));
                false
            }
            Ok(None) => true,
            Err(_) => false,
        });
        self.children.is_empty()
    }

    /// Waits until every child has exited and returns the highest exit code:
    /// `grace` for them to leave by themselves, then SIGINT, and SIGKILL
    /// after another `grace`.
    fn finish(mut self, grace: Duration) -> i32 {
        let mut highest = 0;
        let started = Instant::now();
        let mut interrupted = false;
        while !self.reap(&mut highest) {
            let waited = started.elapsed();
            if waited >= grace * 2 {
                self.signal(libc::SIGKILL);
            } else if waited >= grace && !interrupted {
                self.signal(libc::SIGINT);
                interrupted = true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        highest
    }
}

/// A child's exit code; a child ended by a signal counts as 128 + the signal.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

/// The workers a master started for itself, reaped when the run ends.
static MASTERS_WORKERS: Mutex<Option<WorkerProcesses>> = Mutex::new(None);

/// For a master started with `--processes N`: starts its N workers, which
/// connect to it at `host:port`.
pub fn start_masters_workers(count: usize, host: &str, port: u16) -> Result<(), ProcessesError> {
    let started = WorkerProcesses::start(count, connect_host(host), port)?;
    *MASTERS_WORKERS.lock().unwrap_or_else(|e| e.into_inner()) = Some(started);
    Ok(())
}

/// At the end of a master's run: waits for the workers it started (they leave
/// when it quits them) and says so if one failed. The master's exit code
/// stays its own, as in Locust.
pub fn finish_masters_workers() {
    let started = MASTERS_WORKERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(started) = started {
        let code = started.finish(CHILDREN_GRACE);
        if code > 1 {
            log::error!("Bad response code from worker children: {code}");
        }
    }
}

/// Where a child reaches a master bound to `bind_host`: the same address,
/// or loopback for a master bound to every interface.
fn connect_host(bind_host: &str) -> &str {
    match bind_host {
        "" | "*" | "0.0.0.0" => "127.0.0.1",
        "::" | "[::]" => "::1",
        host => host,
    }
}

/// `--worker --processes N`: starts N workers of the master at
/// `--master-host`/`--master-port` and waits for them; the exit code is the
/// highest of theirs. The first Ctrl-C is left to the children (they tell
/// their master and leave); a second one, or SIGTERM, is passed on to them.
pub fn supervise(options: &Options, count: usize) -> i32 {
    let interrupted = Arc::new(AtomicBool::new(false));
    let terminated = Arc::new(AtomicBool::new(false));
    let registered = [
        signal_hook::flag::register(signal_hook::consts::SIGINT, interrupted.clone()),
        signal_hook::flag::register(signal_hook::consts::SIGTERM, terminated.clone()),
    ];
    if let Some(Err(e)) = registered.into_iter().find(Result::is_err) {
        log::error!("--processes: cannot watch for signals: {e}");
        return 1;
    }
    let mut workers = match WorkerProcesses::start(count, &options.master_host, options.master_port)
    {
        Ok(workers) => workers,
        Err(message) => {
            log::error!("{message}");
            return 1;
        }
    };
    let mut highest = 0;
    let mut interrupts = 0;
    while !workers.reap(&mut highest) {
        if terminated.swap(false, Ordering::SeqCst) {
            workers.signal(libc::SIGTERM);
        }
        if interrupted.swap(false, Ordering::SeqCst) {
            interrupts += 1;
            if interrupts == 2 {
                workers.signal(libc::SIGKILL);
                highest = highest.max(1);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    highest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_bind_hosts() {
        assert_eq!(
            parse_address("127.0.0.1:5557"),
            Some(("127.0.0.1".into(), 5557))
        );
        assert_eq!(parse_address("::1:6000"), Some(("::1".into(), 6000)));
        assert_eq!(parse_address("nonsense"), None);
        assert_eq!(connect_host("*"), "127.0.0.1");
        assert_eq!(connect_host("10.1.2.3"), "10.1.2.3");
    }
}

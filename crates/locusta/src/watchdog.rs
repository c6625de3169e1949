//! The run's last resort: Ctrl-C, SIGTERM and the end of the run enforced
//! from an OS thread of its own.
//!
//! The run itself reacts to signals on its tokio runtime, which is enough as
//! long as nothing blocks that runtime. User code can: a Python task that
//! sleeps without yielding holds the gevent hub, and every event the engine
//! fires waits for it. So this thread, which needs nothing but the signals:
//!
//! * on the first SIGINT or SIGTERM, sets the runner's deadline to now plus
//!   `--stop-timeout`, after which nothing waits for stuck user code any more
//!   (the run itself also sees the signal and stops as usual);
//! * on the second, or when a stop has not finished `FORCE_AFTER` past that
//!   deadline, writes every output and ends the process with the run's exit
//!   code, whatever the rest of the process is doing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use locusta_engine::runner::Runner;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// How long past its deadline a stop may take before it is cut short.
const FORCE_AFTER: Duration = Duration::from_secs(10);

/// Writes the run's outputs and returns its exit code (at most once: a
/// second call returns the first one's code).
pub type FinalReport = Box<dyn Fn() -> i32 + Send + Sync>;

/// The watchdog cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WatchdogError {
    /// SIGINT and SIGTERM cannot be watched.
    #[error("cannot watch for signals: {0}")]
    Signals(std::io::Error),
    /// Its thread cannot be started.
    #[error("cannot start the watchdog thread: {0}")]
    Thread(std::io::Error),
}

/// Starts the watchdog thread for `runner`. Fails when the signals cannot be
/// watched or the thread cannot start.
pub fn start(runner: Arc<Runner>, report: FinalReport) -> Result<(), WatchdogError> {
    let mut signals = Signals::new([SIGINT, SIGTERM]).map_err(WatchdogError::Signals)?;
    std::thread::Builder::new()
        .name("locusta-watchdog".into())
        .spawn(move || {
            let mut first: Option<Instant> = None;
            loop {
                for signal in signals.pending() {
                    let name = if signal == SIGINT { "SIGINT" } else { "SIGTERM" };
                    if first.is_some() {
                        log::warn!("Second {name}: writing the outputs and exiting now");
                        force(&report);
                    }
                    let deadline = Instant::now() + runner.stop_timeout();
                    runner.set_deadline(deadline);
                    first = Some(deadline);
                }
                if let Some(deadline) = first {
                    if Instant::now() >= deadline + FORCE_AFTER {
                        log::error!(
                            "The stop has not finished {} s after its deadline: writing the outputs and exiting now",
                            FORCE_AFTER.as_secs()
                        );
                        force(&report);
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
        .map(drop)
        .map_err(WatchdogError::Thread)
}

fn force(report: &FinalReport) -> ! {
    use std::io::Write;
    let code = report();
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // Not `std::process::exit`: the C exit handlers of a library the
    // locustfile loaded may wait forever (gRPC's do), and this is the last
    // resort. As `ExitCode` has it: past 255 is 1, negative is 255.
    let code = match code {
        0..=255 => code,
        ..0 => 255,
        _ => 1,
    };
    // SAFETY: _exit ends the process at once; nothing runs after it.
    unsafe { libc::_exit(code) }
}

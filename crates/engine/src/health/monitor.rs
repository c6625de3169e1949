//! The self-check's thread: samples [`GeneratorHealth`] once a second and
//! says so, loudly and once, when an episode begins.
//!
//! An OS thread of its own, not a task on the run's runtime: a runtime or
//! hub that user code blocks is exactly what it must still see. It wakes
//! every [`PING_INTERVAL`] to ping the Python hub, and samples every
//! [`INTERVAL`] (a few `/proc` reads).
//!
//! ```no_run
//! use std::sync::Arc;
//! use locusta_engine::health::monitor::HealthMonitor;
//! let env = Arc::new(locusta_engine::Environment::default());
//! let monitor = HealthMonitor::start(env.clone());
//! // … the run …
//! monitor.stop();
//! println!("{}", env.health.report().verdict);
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Change, GeneratorHealth};

/// How often the generator is sampled.
pub const INTERVAL: Duration = Duration::from_secs(1);
/// How often the Python hub is pinged (its worst answer per second counts).
pub const PING_INTERVAL: Duration = Duration::from_millis(100);

/// The running self-check; [`HealthMonitor::stop`] ends it.
pub struct HealthMonitor {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl HealthMonitor {
    /// Starts sampling the health `owner` holds (an
    /// [`Environment`](crate::Environment)'s) every [`INTERVAL`] (without a
    /// thread, and a warning, if none can be started).
    pub fn start<T>(owner: Arc<T>) -> HealthMonitor
    where
        T: AsRef<GeneratorHealth> + Send + Sync + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let handle = std::thread::Builder::new()
            .name("locusta-health".into())
            .spawn(move || {
                let mut next = Instant::now();
                while !stopping.load(Ordering::Relaxed) {
                    if Instant::now() >= next {
                        next += INTERVAL;
                        for change in owner.as_ref().as_ref().sample() {
                            say(&change);
                        }
                    } else {
                        owner.as_ref().as_ref().ping_hub();
                    }
                    std::thread::sleep(PING_INTERVAL);
                }
            });
        match handle {
            Ok(handle) => HealthMonitor {
                stop,
                handle: Some(handle),
            },
            Err(error) => {
                log::warn!("cannot start the generator self-check: {error}");
                HealthMonitor { stop, handle: None }
            }
        }
    }

    /// Ends the thread and waits for it.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The console's word on an episode.
pub fn say(change: &Change) {
    match change {
        Change::Began(reason) => {
            let on = reason
                .worker
                .as_ref()
                .map(|w| format!(" on worker {w}"))
                .unwrap_or_default();
            log::warn!(
                "GENERATOR SUSPECT{on}: {} (this run's numbers are suspect; see docs/health.md)",
                reason.message
            );
        }
        Change::Ended(kind) => log::info!("The load generator recovered ({kind})"),
    }
}

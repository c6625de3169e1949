//! The event bus: Locust's `environment.events`, for Rust listeners and for
//! the Python layer (`locusta-python`), which registers its own listeners here.
//!
//! Request events are not here: every request is recorded straight into the
//! statistics, and listeners of requests register with
//! [`locusta_stats::SharedStats::add_request_listener`].
//!
//! Every hook of [`Events`] lives in the [`Environment`]; the runner fires
//! the test's lifecycle (`test_start`, `spawning_complete`, `test_stopping`,
//! `test_stop`), users fire `user_error`, the `locusta` crate fires `init`,
//! `quitting` and `quit`.
//!
//! ```
//! use locusta_engine::prelude::*;
//!
//! let env = Environment::default();
//! env.events.spawning_complete.add_listener(|count: &u64| println!("{count} users"));
//! env.events.spawning_complete.fire(&10);
//! ```

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::Environment;

/// A listener of events with payload `T`.
pub type Listener<T> = Arc<dyn Fn(&T) + Send + Sync>;

/// One event: a list of listeners called in registration order.
pub struct Hook<T: ?Sized> {
    listeners: RwLock<Vec<Listener<T>>>,
}

impl<T: ?Sized> Default for Hook<T> {
    fn default() -> Self {
        Hook {
            listeners: RwLock::new(Vec::new()),
        }
    }
}

impl<T: ?Sized> Hook<T> {
    /// Whether any listener is registered.
    pub fn has_listeners(&self) -> bool {
        !self.listeners.read().is_empty()
    }

    /// Adds a listener.
    pub fn add_listener(&self, listener: impl Fn(&T) + Send + Sync + 'static) {
        self.listeners.write().push(Arc::new(listener));
    }

    /// Calls every listener with `payload`, in registration order. Listeners added
    /// while firing are called from the next firing on. A listener that panics is
    /// logged and the others still run (see [`unhandled_errors`]).
    pub fn fire(&self, payload: &T) {
        let listeners = self.listeners.read().clone();
        for listener in &listeners {
            call_listener(listener, payload);
        }
    }

    /// Calls every listener in reverse registration order (Locust fires `quitting` so).
    pub fn fire_reversed(&self, payload: &T) {
        let listeners = self.listeners.read().clone();
        for listener in listeners.iter().rev() {
            call_listener(listener, payload);
        }
    }
}

/// How many event listeners have panicked in this process (Locust's "Uncaught
/// exception in event handler"); the exit code is 2 when nothing else sets it.
static UNHANDLED_ERRORS: AtomicU64 = AtomicU64::new(0);

/// How many event listeners have panicked so far.
pub fn unhandled_errors() -> u64 {
    UNHANDLED_ERRORS.load(Ordering::Relaxed)
}

/// Counts an error in an event listener that is not a Rust closure (a Python
/// listener that raised): it sets the exit code to 2 as a panicking one does.
pub fn record_unhandled_error() {
    UNHANDLED_ERRORS.fetch_add(1, Ordering::Relaxed);
}

fn call_listener<T: ?Sized>(listener: &Listener<T>, payload: &T) {
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| listener(payload)));
    if let Err(panic) = outcome {
        UNHANDLED_ERRORS.fetch_add(1, Ordering::Relaxed);
        log::error!(
            "Uncaught panic in event listener: {}",
            panic_message(panic.as_ref())
        );
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-text payload".to_string())
}

/// An unhandled error in user code (Locust's `user_error`).
#[derive(Debug, Clone)]
pub struct UserError {
    /// The user class.
    pub user_class: String,
    /// Where it happened: the task (or `on_start`/`on_stop`) path.
    pub location: String,
    /// The error message.
    pub message: String,
}

/// A custom message from another process of a distributed test (Locust's
/// `runner.register_message` / `send_message`), or from this process itself
/// in a local run.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomMessage {
    /// The message type the sender chose.
    pub kind: String,
    /// Its data (msgpack on the wire, JSON here).
    pub data: serde_json::Value,
    /// The node id the message names: the sending worker's on a master, the
    /// receiving worker's own on a worker, `local` in a local run.
    pub node_id: String,
}

/// A worker's statistics report as its master received it (Locust's
/// `worker_report`), after it was merged into the master's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerReport {
    /// The worker's node id.
    pub client_id: String,
    /// The report (msgpack on the wire, JSON here): Locust's `stats`,
    /// `stats_total`, `errors`, `user_classes_count`, `user_count`.
    pub data: serde_json::Value,
}

/// CPU and memory of this process (Locust's `usage_monitor` payload).
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// CPU use since the previous sample, percent of one core.
    pub cpu_percent: f64,
    /// Resident memory, bytes.
    pub memory_bytes: u64,
}

/// Every event of a test run.
#[derive(Default)]
pub struct Events {
    /// Once, after the runner is created and before the test starts.
    pub init: Hook<Environment>,
    /// When a test starts (not on user-count changes).
    pub test_start: Hook<Environment>,
    /// At the start of stopping, before users are stopped.
    pub test_stopping: Hook<Environment>,
    /// After users are stopped.
    pub test_stop: Hook<Environment>,
    /// At the end of a ramp, with the user count.
    pub spawning_complete: Hook<u64>,
    /// An unhandled error in a task, `on_start` or `on_stop`.
    pub user_error: Hook<UserError>,
    /// During shutdown, before the exit code is decided (fired in reverse order).
    pub quitting: Hook<Environment>,
    /// The very last event, with the exit code.
    pub quit: Hook<i32>,
    /// Every usage-monitor interval.
    pub usage_monitor: Hook<Usage>,
    /// When the process's CPU use exceeds 90 % of a core per load thread.
    pub cpu_warning: Hook<Usage>,
    /// When statistics are reset.
    pub reset_stats: Hook<()>,
    /// A custom message arrived ([`Environment::send_message`](crate::Environment::send_message)).
    pub custom_message: Hook<CustomMessage>,
    /// On a master, each statistics report of a worker.
    pub worker_report: Hook<WorkerReport>,
}

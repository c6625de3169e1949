//! The state of a run that the runner shares with everything that runs users:
//! live counts per class, the `--iterations` budget, the test's stop switch
//! and user ids ([`RunShared`]), and one load thread's view of it
//! ([`ThreadContext`]).
//!
//! This is the engine's lowest layer for running users: it knows the
//! [`Environment`] and the statistics recorder, and nothing of the runner,
//! users, class runtimes or tasks, which all build on it:
//!
//! ```text
//! runner ──owns──► Arc<RunShared> ◄──reads/writes── HostedUsers (a runtime's users)
//!    │                   ▲
//!    └─ load thread ─► ThreadContext ◄── User<S> (a Rust user's tasks)
//! ```
//!
//! Every counter is an atomic with relaxed ordering: they are counts and
//! flags read for reports and end conditions, never used to order memory.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use locusta_stats::Recorder;
use parking_lot::Mutex;

use crate::Environment;

/// The iteration limit of a run without `--iterations`.
const NO_ITERATION_LIMIT: u64 = u64::MAX;

/// What load threads, class runtimes and their users share with the runner.
pub(crate) struct RunShared {
    /// Live users per class index.
    live: Vec<AtomicU64>,
    /// Tasks allowed in this process (`--iterations`, or a worker's share of
    /// its master's); [`NO_ITERATION_LIMIT`] when unlimited.
    iteration_limit: AtomicU64,
    iterations_started: AtomicU64,
    /// Why the test must end, once something asked for it.
    stop_test: Mutex<Option<String>>,
    next_user_id: AtomicU64,
}

impl RunShared {
    /// The state of a run of `classes` user classes, with `iterations` tasks
    /// allowed (`None`: no limit).
    pub(crate) fn new(classes: usize, iterations: Option<u64>) -> RunShared {
        RunShared {
            live: (0..classes).map(|_| AtomicU64::new(0)).collect(),
            iteration_limit: AtomicU64::new(iterations.unwrap_or(NO_ITERATION_LIMIT)),
            iterations_started: AtomicU64::new(0),
            stop_test: Mutex::new(None),
            next_user_id: AtomicU64::new(0),
        }
    }

    /// A user of class `index` starts: counts it live and returns its
    /// process-wide id.
    pub(crate) fn user_started(&self, index: usize) -> u64 {
        self.live[index].fetch_add(1, Ordering::Relaxed);
        self.next_user_id.fetch_add(1, Ordering::Relaxed)
    }

    /// A user of class `index` has ended (after its `on_stop` handlers).
    pub(crate) fn user_ended(&self, index: usize) {
        self.live[index].fetch_sub(1, Ordering::Relaxed);
    }

    /// How many user classes the run has.
    pub(crate) fn class_count(&self) -> usize {
        self.live.len()
    }

    /// Users alive now, every class together.
    pub(crate) fn live_users(&self) -> u64 {
        self.live.iter().map(|n| n.load(Ordering::Relaxed)).sum()
    }

    /// Users alive now, per class index.
    pub(crate) fn live_per_class(&self) -> impl Iterator<Item = u64> + '_ {
        self.live.iter().map(|n| n.load(Ordering::Relaxed))
    }

    /// Counts one task start against the iteration budget; false once it is spent.
    pub(crate) fn take_iteration(&self) -> bool {
        match self.iteration_limit() {
            None => true,
            Some(limit) => self.iterations_started.fetch_add(1, Ordering::Relaxed) < limit,
        }
    }

    /// The iteration budget of this process, if it has one.
    pub(crate) fn iteration_limit(&self) -> Option<u64> {
        Some(self.iteration_limit.load(Ordering::Relaxed)).filter(|&n| n != NO_ITERATION_LIMIT)
    }

    /// Replaces the iteration budget from now on.
    pub(crate) fn set_iteration_limit(&self, limit: u64) {
        self.iteration_limit.store(limit, Ordering::Relaxed);
    }

    /// Whether an iteration limit is spent and no user is left.
    pub(crate) fn iterations_done(&self) -> bool {
        self.iteration_limit().is_some_and(|limit| {
            self.iterations_started.load(Ordering::Relaxed) >= limit && self.live_users() == 0
        })
    }

    /// Asks for the test to end; the first reason given is kept.
    pub(crate) fn request_stop_test(&self, reason: String) {
        let mut stop = self.stop_test.lock();
        if stop.is_none() {
            *stop = Some(reason);
        }
    }

    /// Why the test must end, if something asked for it.
    pub(crate) fn stop_reason(&self) -> Option<String> {
        self.stop_test.lock().clone()
    }

    /// A new test begins: no stop asked, no iteration spent.
    pub(crate) fn begin_test(&self) {
        *self.stop_test.lock() = None;
        self.iterations_started.store(0, Ordering::Relaxed);
    }
}

/// One load thread's view of the test, shared by the users on that thread.
pub struct ThreadContext {
    pub(crate) env: Arc<Environment>,
    pub(crate) recorder: Recorder,
    shared: Arc<RunShared>,
}

impl ThreadContext {
    /// The view of a load thread that records into `recorder`.
    pub(crate) fn new(env: Arc<Environment>, recorder: Recorder, shared: Arc<RunShared>) -> Self {
        ThreadContext {
            env,
            recorder,
            shared,
        }
    }

    /// The run's shared state.
    pub(crate) fn shared(&self) -> &Arc<RunShared> {
        &self.shared
    }

    /// Counts one task start against `--iterations`; false once the budget is spent.
    pub(crate) fn take_iteration(&self) -> bool {
        self.shared.take_iteration()
    }

    /// A user asked to stop the whole test.
    pub(crate) fn request_stop_test(&self, class: &str) {
        self.shared
            .request_stop_test(format!("StopTest raised by a {class} user"));
    }
}

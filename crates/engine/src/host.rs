//! User hosts: where the users of some classes live when they do not run on the
//! runner's load threads (Python users live as greenlets on the Python thread).
//!
//! The runner decides how many users of each class run, with one dispatch for
//! every class; for a hosted class it sends the host the same commands a load
//! thread gets (spawn, stop, kill all). The host reports its users' lives back
//! through [`HostedUsers`], so live counts, `--iterations` and `StopTest` work
//! the same for every user.
//!
//! A hosted class reaches the runner as a [`HostedClass`]: a plain
//! description (name, weight, fixed count, host, tasks) with no way to start
//! users itself. The runner seats it with its host when it is built
//! (`runner/classes.rs`); settings and `--tags` for it go to the host too
//! ([`UserHost::update_class`], [`UserHost::filter_tasks`]).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use locusta_engine::host::{HostedClass, HostedUsers, UserHost};
//! use locusta_engine::prelude::*;
//! use locusta_engine::task::TagFilter;
//!
//! /// A host whose users start and end at once (a real one runs them).
//! struct Instant;
//! impl UserHost for Instant {
//!     fn hosts(&self, class: &str) -> bool { class == "Remote" }
//!     fn spawn(&self, _: &str, count: u64, users: &HostedUsers) {
//!         for _ in 0..count { users.started(); users.ended(); }
//!     }
//!     fn stop(&self, _: &str, _: u64, _: Option<Duration>) {}
//!     fn kill_all(&self) {}
//!     fn update_class(&self, s: &UserClassSettings) -> Result<HostedClass, String> {
//!         Err(format!("{} cannot change", s.user_class_name))
//!     }
//!     fn filter_tasks(&self, _: &str, _: &TagFilter) {}
//! }
//! let class = HostedClass {
//!     name: "Remote".into(), weight: 1.0, fixed_count: 0, host: None,
//!     task_ratios: Vec::new(), available_tasks: Vec::new(),
//! };
//! let runner = locusta_engine::runner::Runner::with_user_host(
//!     Arc::new(Environment::default()),
//!     vec![Arc::new(class)],
//!     1,
//!     Some(Arc::new(Instant)),
//! );
//! assert!(runner.is_ok());
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::class_settings::UserClassSettings;
use crate::run_state::RunShared;
use crate::task::{TagFilter, TaskRatio};
use crate::user::UserDefinition;

/// Runs the users of the classes it hosts; every call must return quickly
/// (queue the work) since the runner calls it from its ramp.
pub trait UserHost: Send + Sync {
    /// Whether this host runs the users of the class named `class`.
    fn hosts(&self, class: &str) -> bool;
    /// Starts `count` users of `class`. The host calls [`HostedUsers::started`]
    /// as each starts and [`HostedUsers::ended`] when it ends.
    fn spawn(&self, class: &str, count: u64, users: &HostedUsers);
    /// Stops the `count` newest users of `class`: at once when `graceful` is
    /// `None`, else as Locust's graceful stop (waiting users stop now, running
    /// ones at the end of their task, the rest are killed after the timeout).
    fn stop(&self, class: &str, count: u64, graceful: Option<Duration>);
    /// Kills every user now (their `on_stop` handlers still run).
    fn kill_all(&self);
    /// Applies new settings to a hosted class (`--config-users`, `POST /user`)
    /// and describes the class as it is now; waits for the host.
    fn update_class(&self, settings: &UserClassSettings) -> Result<HostedClass, String>;
    /// Keeps only the tasks of hosted class `class` that pass `filter` (a
    /// worker taking its master's `--tags`); waits for the host.
    fn filter_tasks(&self, class: &str, filter: &TagFilter);
    /// After `deadline`, a host whose own thread is stuck (user code that
    /// never yields) is no longer waited for: the run ends without it.
    fn stop_waiting_at(&self, _deadline: Instant) {}
}

/// The runner's side of one hosted class: its live count, the iteration budget
/// and the test's stop switch.
#[derive(Clone)]
pub struct HostedUsers {
    shared: Arc<RunShared>,
    index: usize,
}

impl HostedUsers {
    /// The users of class `index` of the run whose state is `shared`.
    pub(crate) fn new(shared: Arc<RunShared>, index: usize) -> Self {
        HostedUsers { shared, index }
    }

    /// Counts a new live user and returns its process-wide user id.
    pub fn started(&self) -> u64 {
        self.shared.user_started(self.index)
    }

    /// Counts a user that has ended (after its `on_stop` handlers).
    pub fn ended(&self) {
        self.shared.user_ended(self.index);
    }

    /// Counts one task start against `--iterations`; false once the budget is
    /// spent (the user should then stop).
    pub fn take_iteration(&self) -> bool {
        self.shared.take_iteration()
    }

    /// Whether `--iterations` limits the tasks (else [`take_iteration`](Self::take_iteration)
    /// is always true and need not be called).
    pub fn iterations_limited(&self) -> bool {
        self.shared.iteration_limit().is_some()
    }

    /// Asks the runner to end the whole test (a user raised `StopTest`).
    pub fn request_stop_test(&self, reason: String) {
        self.shared.request_stop_test(reason);
    }
}

/// A user class whose users a [`UserHost`] runs: what the runner, dispatch and
/// reports need to know about it (name, weight, fixed count, host, tasks).
/// It cannot start users itself: its host does.
#[derive(Clone)]
pub struct HostedClass {
    /// Class name.
    pub name: String,
    /// Weight among weighted classes.
    pub weight: f64,
    /// Fixed number of users (0 = weighted).
    pub fixed_count: u64,
    /// The class's own host.
    pub host: Option<String>,
    /// Task shares (after tag filtering, which the host applies itself).
    pub task_ratios: Vec<TaskRatio>,
    /// Every task a `tasks` setting may keep.
    pub available_tasks: Vec<String>,
}

impl UserDefinition for HostedClass {
    fn name(&self) -> &str {
        &self.name
    }
    fn weight(&self) -> f64 {
        self.weight
    }
    fn fixed_count(&self) -> u64 {
        self.fixed_count
    }
    fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }
    fn has_tasks(&self) -> bool {
        !self.task_ratios.is_empty()
    }
    fn task_ratios(&self) -> Vec<TaskRatio> {
        self.task_ratios.clone()
    }
    fn with_weights(&self, weight: f64, fixed_count: u64) -> Arc<dyn UserDefinition> {
        Arc::new(HostedClass {
            weight,
            fixed_count,
            ..self.clone()
        })
    }
    fn available_tasks(&self) -> Vec<String> {
        self.available_tasks.clone()
    }
}

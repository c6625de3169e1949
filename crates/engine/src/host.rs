//! User hosts: where the users of some classes live when they do not run on the
//! runner's load threads (Python users live as greenlets on the Python thread).
//!
//! The runner decides how many users of each class run, with one dispatch for
//! every class; for a hosted class it sends the host the same commands a load
//! thread gets (spawn, stop, kill all). The host reports its users' lives back
//! through [`HostedUsers`], so live counts, `--iterations` and `StopTest` work
//! the same for every user.

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::class_settings::UserClassSettings;
use crate::run_state::{RunShared, ThreadContext};
use crate::task::{LocalBoxFuture, TagFilter, TaskRatio};
use crate::user::{UserClass, UserControl, UserDefinition};

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
    pub(crate) shared: Arc<RunShared>,
    pub(crate) index: usize,
}

impl HostedUsers {
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
    fn with_tag_filter(&self, _filter: &TagFilter) -> Arc<dyn UserDefinition> {
        Arc::new(self.clone())
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
    /// Never called by the runner, which asks the class's host
    /// ([`UserHost::update_class`]).
    fn with_settings(
        &self,
        _settings: &UserClassSettings,
    ) -> Result<Arc<dyn UserDefinition>, String> {
        Err(format!("the settings of {} go through its host", self.name))
    }
    /// Never called by the runner, which hands this class's users to its host;
    /// a user started here anyway has no tasks, reports that, and ends.
    fn start_user(
        self: Arc<Self>,
        id: u64,
        thread: &Rc<ThreadContext>,
    ) -> (Rc<UserControl>, LocalBoxFuture<'static, ()>) {
        Arc::new(UserClass::<()>::new(self.name.clone())).start_user(id, thread)
    }
}

//! Class runtimes: where the users of some classes live when they do not
//! run on the runner's load threads (Python users live as greenlets on the
//! Python thread).
//!
//! *Why these names.* A [`ClassRuntime`] is something that runs the users
//! of classes: the embedded Python interpreter is the one locusta has. It
//! was once called a "user host", but everywhere else in locusta and Locust
//! a host is a URL (`--host`, a class's `host`), so the name said the wrong
//! thing; "runtime" says what it is, and this module, `hosting`, is where
//! hosted classes (the runner's `Hosted` seat) are served.
//!
//! The runner decides how many users of each class run, with one dispatch
//! for every class; for a class seated with a runtime
//! ([`SeatedClass::Hosted`](crate::runner::SeatedClass::Hosted)) it sends
//! the runtime the same commands a load thread gets (spawn, stop, kill
//! all). The runtime reports its users' lives back through [`HostedUsers`],
//! so live counts, `--iterations` and `StopTest` work the same for every
//! user. Settings and `--tags` for its classes go to it too
//! ([`ClassRuntime::update_class`], [`ClassRuntime::filter_tasks`]).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use locusta_engine::class_descriptor::ClassDescriptor;
//! use locusta_engine::hosting::{ClassRuntime, HostedUsers};
//! use locusta_engine::prelude::*;
//! use locusta_engine::runner::{Runner, SeatedClass};
//! use locusta_engine::task::TagFilter;
//!
//! /// A runtime whose users start and end at once (a real one runs them).
//! struct Instant;
//! impl ClassRuntime for Instant {
//!     fn spawn(&self, _: &str, count: u64, users: &HostedUsers) {
//!         for _ in 0..count { users.started(); users.ended(); }
//!     }
//!     fn stop(&self, _: &str, _: u64, _: Option<Duration>) {}
//!     fn kill_all(&self) {}
//!     fn update_class(&self, s: &UserClassSettings) -> Result<ClassDescriptor, String> {
//!         Err(format!("{} cannot change", s.user_class_name))
//!     }
//!     fn filter_tasks(&self, _: &str, _: &TagFilter) {}
//! }
//! let class = ClassDescriptor::weighted("Remote", 1.0);
//! let runner = Runner::seated(
//!     Arc::new(Environment::default()),
//!     vec![SeatedClass::Hosted(class, Arc::new(Instant))],
//!     1,
//! );
//! assert!(runner.is_ok());
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::class_descriptor::ClassDescriptor;
use crate::class_settings::UserClassSettings;
use crate::health::HubProbe;
use crate::run_state::RunShared;
use crate::task::TagFilter;

/// Runs the users of the classes seated with it; every call must return
/// quickly (queue the work) since the runner calls it from its ramp.
pub trait ClassRuntime: Send + Sync {
    /// Starts `count` users of `class`. The runtime calls [`HostedUsers::started`]
    /// as each starts and [`HostedUsers::ended`] when it ends.
    fn spawn(&self, class: &str, count: u64, users: &HostedUsers);
    /// Stops the `count` newest users of `class`: at once when `graceful` is
    /// `None`, else as Locust's graceful stop (waiting users stop now, running
    /// ones at the end of their task, the rest are killed after the timeout).
    fn stop(&self, class: &str, count: u64, graceful: Option<Duration>);
    /// Kills every user now (their `on_stop` handlers still run).
    fn kill_all(&self);
    /// Applies new settings to one of its classes (`--config-users`, `POST
    /// /user`) and describes the class as it is now; waits for the runtime.
    fn update_class(&self, settings: &UserClassSettings) -> Result<ClassDescriptor, String>;
    /// Keeps only the tasks of its class `class` that pass `filter` (a
    /// worker taking its master's `--tags`); waits for the runtime.
    fn filter_tasks(&self, class: &str, filter: &TagFilter);
    /// After `deadline`, a runtime whose own thread is stuck (user code that
    /// never yields) is no longer waited for: the run ends without it.
    fn stop_waiting_at(&self, _deadline: Instant) {}
    /// The runtime's own thread, for the generator's self-check, when it
    /// has one ([`crate::health`]).
    fn hub(&self) -> Option<Arc<dyn HubProbe>> {
        None
    }
}

/// The runner's side of one hosted class (its runtime's users): their live
/// count, the iteration budget and the test's stop switch.
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

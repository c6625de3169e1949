//! The runner: it runs user classes on load threads (or through a class
//! runtime, or on a master's workers), ramps them with Locust's dispatch, stops them
//! gracefully, and ends the test on `--iterations`, `StopTest` or a load shape.
//!
//! Each load thread runs a single-threaded tokio runtime; its users are local
//! tasks, so nothing on the request path is shared between threads except the
//! thread's own statistics shard. A distributed worker drives the same
//! [`Runner`] from the master's absolute per-class targets
//! ([`Runner::apply_counts`]); a master's runner has no users of its own and
//! hands each ramp step to its [`Workers`].
//!
//! One idea per file:
//!
//! * `mod.rs` (here): the [`Runner`] itself, how it is built, and what it
//!   tells about the test (state, counts, classes, end conditions).
//! * `ramp.rs`: starting and pacing a ramp with the dispatcher, a worker
//!   following its master ([`Runner::apply_counts`]), load shapes, and the
//!   memory budget a ramp may not exceed.
//! * `placement.rs`: putting a ramp step's users on load threads or runtimes,
//!   and taking them off again when the test stops ([`Runner::stop`]).
//! * `load_thread.rs`: one load thread: its runtime and the commands it obeys.
//! * `classes.rs`: the one seam through which the runner holds every class,
//!   each given with its seat ([`SeatedClass`]): a Rust class on the load
//!   threads, a hosted (Python) class through its
//!   [`ClassRuntime`], or a master's class
//!   that only workers run.
//!
//! The state shared with load threads, runtimes and users lives lower, in
//! `run_state.rs`.
//!
//! ```no_run
//! # async fn run() -> Result<(), String> {
//! use std::sync::Arc;
//! use locusta_engine::prelude::*;
//! use locusta_engine::runner::Runner;
//!
//! async fn index(u: &mut User<()>) {
//!     u.client.get("/").send().await;
//! }
//! let class = UserClass::<()>::new("Visitor").task(1, index).boxed();
//! let runner = Runner::new(Arc::new(Environment::default()), vec![class], 2)?;
//! runner.start(10, 5.0, None); // 10 users, 5 more per second
//! tokio::time::sleep(std::time::Duration::from_secs(30)).await;
//! runner.quit().await;
//! # Ok(())
//! # }
//! ```

mod classes;
mod load_thread;
mod placement;
mod ramp;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};

use crate::class_descriptor::ClassDescriptor;
use crate::class_settings::UserClassSettings;
use crate::hosting::ClassRuntime;
use crate::remote::{WorkerInfo, Workers};
use crate::run_state::RunShared;
use crate::task::TagFilter;
use crate::user::UserDefinition;
use crate::Environment;
use classes::{RunClass, Seat};

pub use classes::SeatedClass;
use load_thread::LoadThread;
use ramp::RampState;

pub use crate::run_state::ThreadContext;

/// The log target of everything the runner says, whichever file says it:
/// Locust's logger is `locust.runners`, locusta's `locusta.runner`.
const LOG_TARGET: &str = module_path!();

/// The runner's state, with Locust's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerState {
    /// No test has run yet.
    Ready,
    /// Ramping users up or down.
    Spawning,
    /// At the target user count.
    Running,
    /// Stopping users.
    Stopping,
    /// The test is over.
    Stopped,
}

impl RunnerState {
    /// Locust's lower-case name of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            RunnerState::Ready => "ready",
            RunnerState::Spawning => "spawning",
            RunnerState::Running => "running",
            RunnerState::Stopping => "stopping",
            RunnerState::Stopped => "stopped",
        }
    }
}

/// Settings [`Runner::update_user_class`] does not apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateClassError {
    /// No class has the name the settings give.
    #[error("Error applying user config: there is no user class named {0}")]
    NoSuchClass(String),
    /// The class (or its runtime) refused them; the message says why.
    #[error("{0}")]
    Refused(String),
    /// They would leave no class that gets users.
    #[error("There are no users with weight > 0.")]
    NoUsers,
}

/// Runs user classes on load threads, ramps them with Locust's dispatch, stops them.
pub struct Runner {
    env: Arc<Environment>,
    /// The user classes, each in its seat; settings (`POST /user`) may
    /// replace one.
    classes: RwLock<Vec<RunClass>>,
    /// A master's `--tags` were applied ([`Runner::adopt_tag_filter`]).
    tags_adopted: AtomicBool,
    threads: Mutex<Vec<LoadThread>>,
    shared: Arc<RunShared>,
    ramp: Mutex<RampState>,
    ramp_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// A master's workers: they run every user.
    remote: Option<Arc<dyn Workers>>,
    /// A stop timeout that replaces `--stop-timeout` (a worker takes its
    /// master's).
    stop_timeout: Mutex<Option<Duration>>,
    /// The last user count refused for want of memory (said once, not at
    /// every tick of a shape that keeps asking).
    refused: Mutex<Option<u64>>,
    /// When the test must be over, users stopped or not (see [`Runner::set_deadline`]).
    deadline: Mutex<Option<Instant>>,
}

impl Runner {
    /// Checks the Rust user classes, applies the tag filter and starts
    /// `threads` load threads. Errors are messages for the user (Locust's
    /// wording where it has one).
    pub fn new(
        env: Arc<Environment>,
        classes: Vec<Arc<dyn UserDefinition>>,
        threads: usize,
    ) -> Result<Arc<Runner>, String> {
        let classes = classes.into_iter().map(SeatedClass::Local).collect();
        Self::seated(env, classes, threads)
    }

    /// As [`Runner::new`], each class in the seat it is given: local (on the
    /// load threads) or hosted (by its [`ClassRuntime`]).
    pub fn seated(
        env: Arc<Environment>,
        classes: Vec<SeatedClass>,
        threads: usize,
    ) -> Result<Arc<Runner>, String> {
        Self::build(env, classes, threads, None)
    }

    /// A master's runner: no users of its own, each ramp step goes to
    /// `workers`, and user counts are what the workers report. Hosted
    /// classes (the Python front's) keep their runtime, so their settings
    /// can change; remote ones are only described here.
    pub fn with_workers(
        env: Arc<Environment>,
        classes: Vec<SeatedClass>,
        workers: Arc<dyn Workers>,
    ) -> Result<Arc<Runner>, String> {
        Self::build(env, classes, 0, Some(workers))
    }

    fn build(
        env: Arc<Environment>,
        classes: Vec<SeatedClass>,
        threads: usize,
        remote: Option<Arc<dyn Workers>>,
    ) -> Result<Arc<Runner>, String> {
        if classes.is_empty() {
            return Err("No User class found!".into());
        }
        let classes: Vec<SeatedClass> = classes
            .into_iter()
            .filter(|class| {
                let class = class.definition();
                class.weight() > 0.0 || class.fixed_count() > 0
            })
            .collect();
        if classes.is_empty() {
            return Err("There are no users with weight > 0.".into());
        }
        let shared = Arc::new(RunShared::new(classes.len(), env.iterations));
        if remote.is_none() {
            if let Some(hub) = classes.iter().find_map(|class| match class {
                SeatedClass::Hosted(_, runtime) => runtime.hub(),
                _ => None,
            }) {
                env.health.set_hub(hub);
            }
        }
        let mut classes = classes
            .into_iter()
            .enumerate()
            .map(|(index, class)| RunClass::seat(class, index, &shared, remote.is_some()))
            .collect::<Result<Vec<_>, _>>()?;
        if env.tag_filter.is_active() {
            for class in &mut classes {
                *class = class.with_tag_filter(&env.tag_filter);
                if !class.definition.has_tasks() {
                    log::warn!(
                        target: LOG_TARGET,
                        "{} had no tasks left after filtering, instantiating it will fail!",
                        class.name()
                    );
                }
            }
        }
        // When runtimes or workers run every class, load threads would only idle.
        let all_elsewhere = !classes
            .iter()
            .any(|class| matches!(class.seat, Seat::Local(_)));
        let threads = if remote.is_some() || all_elsewhere {
            0
        } else {
            threads.max(1)
        };
        let threads = (0..threads)
            .map(|number| LoadThread::start(number, env.clone(), shared.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("cannot start load threads: {error}"))?;
        Ok(Arc::new(Runner {
            ramp: Mutex::new(RampState::new(&classes, remote.as_deref())),
            env,
            classes: RwLock::new(classes),
            tags_adopted: AtomicBool::new(false),
            threads: Mutex::new(threads),
            shared,
            ramp_task: Mutex::new(None),
            remote,
            stop_timeout: Mutex::new(None),
            refused: Mutex::new(None),
            deadline: Mutex::new(None),
        }))
    }

    /// The environment.
    pub fn environment(&self) -> &Arc<Environment> {
        &self.env
    }

    /// The user classes that run (after tag filtering and settings).
    pub fn user_classes(&self) -> Vec<Arc<dyn UserDefinition>> {
        self.definitions()
    }

    /// What each class says about itself, in class order.
    fn definitions(&self) -> Vec<Arc<dyn UserDefinition>> {
        self.classes
            .read()
            .iter()
            .map(|class| class.definition.clone())
            .collect()
    }

    /// Each class as data: its settings and the tasks it may keep (for the
    /// web UI's class picker).
    pub fn class_descriptors(&self) -> Vec<ClassDescriptor> {
        self.classes
            .read()
            .iter()
            .map(|class| class.definition.descriptor())
            .collect()
    }

    /// Applies new settings to a user class (Locust's `--config-users` and
    /// `POST /user`): new users of the class use them at once; a new weight
    /// or fixed count counts from the next test.
    pub fn update_user_class(&self, settings: &UserClassSettings) -> Result<(), UpdateClassError> {
        let name = &settings.user_class_name;
        let index = self
            .classes
            .read()
            .iter()
            .position(|class| class.name() == name)
            .ok_or_else(|| UpdateClassError::NoSuchClass(name.clone()))?;
        // A runtime is asked without the lock held: it waits for its own thread.
        let current = self.classes.read()[index].clone();
        let updated = current
            .with_settings(settings)
            .map_err(UpdateClassError::Refused)?;
        let mut classes = self.classes.write();
        let spawnable = |class: &RunClass| {
            class.definition.weight() > 0.0 || class.definition.fixed_count() > 0
        };
        if !spawnable(&updated)
            && classes
                .iter()
                .enumerate()
                .all(|(other, class)| other == index || !spawnable(class))
        {
            return Err(UpdateClassError::NoUsers);
        }
        classes[index] = updated;
        drop(classes);
        if let Some(remote) = &self.remote {
            remote.update_user_class(settings);
        }
        Ok(())
    }

    /// The runner's state.
    pub fn state(&self) -> RunnerState {
        self.ramp.lock().state
    }

    /// Users alive now (on a master: as the workers report them).
    pub fn user_count(&self) -> u64 {
        if let Some(remote) = &self.remote {
            return remote.user_count();
        }
        self.shared.live_users()
    }

    /// Users alive now, per class name.
    pub fn user_classes_count(&self) -> BTreeMap<String, u64> {
        if let Some(remote) = &self.remote {
            return remote.user_classes_count();
        }
        self.classes
            .read()
            .iter()
            .zip(self.shared.live_per_class())
            .map(|(class, live)| (class.name().to_string(), live))
            .collect()
    }

    /// The user count the current ramp goes to.
    pub fn target_user_count(&self) -> u64 {
        self.ramp.lock().target_user_count
    }

    /// Asks for the test to end (as a user's `StopTest` does): [`Runner::finished`]
    /// gives `reason` from now on.
    pub fn request_stop(&self, reason: String) {
        self.shared.request_stop_test(reason);
    }

    /// Why the test should end by itself, if it should: a user raised `StopTest`,
    /// or the iteration budget is spent and every user has stopped (on a
    /// master: every worker says so of its share).
    pub fn finished(&self) -> Option<String> {
        if let Some(reason) = self.shared.stop_reason() {
            return Some(reason);
        }
        let limit = self.shared.iteration_limit()?;
        let done = match &self.remote {
            Some(remote) => self.state() == RunnerState::Running && remote.iterations_done(),
            None => self.shared.iterations_done(),
        };
        done.then(|| format!("{limit} iterations done"))
    }

    /// Whether this process's iteration budget is spent and its users have
    /// stopped (a worker tells its master).
    pub fn iterations_done(&self) -> bool {
        self.shared.iterations_done()
    }

    /// A worker without `--tags`/`--exclude-tags` of its own takes its
    /// master's, once, before its first users start (as Locust's workers do).
    pub fn adopt_tag_filter(&self, filter: &TagFilter) {
        if self.env.tag_filter.is_active()
            || !filter.is_active()
            || self.tags_adopted.swap(true, Ordering::Relaxed)
        {
            return;
        }
        // Runtimes are asked without the lock held: they wait for their own thread.
        for (class, runtime) in self.hosted_classes() {
            runtime.filter_tasks(&class, filter);
        }
        for class in self.classes.write().iter_mut() {
            *class = class.with_tag_filter(filter);
        }
    }

    /// Replaces the iteration budget of this process from now on: a worker
    /// takes its share of its master's `--iterations`.
    pub fn set_iteration_limit(&self, limit: u64) {
        self.shared.set_iteration_limit(limit);
    }

    /// How long stopping users may finish their task: `--stop-timeout`,
    /// unless [`Runner::set_stop_timeout`] replaced it.
    pub fn stop_timeout(&self) -> Duration {
        self.stop_timeout.lock().unwrap_or(self.env.stop_timeout)
    }

    /// Replaces `--stop-timeout` from now on (a worker adopts its master's).
    pub fn set_stop_timeout(&self, timeout: Duration) {
        *self.stop_timeout.lock() = Some(timeout);
    }

    /// The recent log lines of the master's workers, by worker id (empty when
    /// not a master).
    pub fn worker_logs(&self) -> BTreeMap<String, Vec<String>> {
        self.remote
            .as_ref()
            .map(|remote| remote.worker_logs())
            .unwrap_or_default()
    }

    /// The master's workers, ordered by id; `None` when not a master.
    pub fn workers(&self) -> Option<Vec<WorkerInfo>> {
        let remote = self.remote.as_ref()?;
        (!remote.is_stand_in()).then(|| remote.workers())
    }

    /// Whether this runner is a master that drives workers (not a runner
    /// whose [`Workers`] stand in for users run in this process).
    pub fn is_distributed(&self) -> bool {
        self.remote
            .as_ref()
            .is_some_and(|remote| !remote.is_stand_in())
    }

    /// The spawn rate of the current (or last) ramp.
    pub fn spawn_rate(&self) -> f64 {
        self.ramp.lock().spawn_rate
    }

    /// Sets what [`Runner::state`] and [`Runner::target_user_count`] say, for
    /// a runner that stands for a test driven elsewhere: a script's own
    /// runner (`locusta --python`), whose [`Workers`] stand in for it
    /// ([`Workers::is_stand_in`]). The ramp and stop of this runner keep
    /// setting them too.
    pub fn mirror_state(&self, state: RunnerState, target_user_count: u64) {
        let mut ramp = self.ramp.lock();
        ramp.state = state;
        ramp.target_user_count = target_user_count;
    }

    /// The hosted classes: name and runtime.
    fn hosted_classes(&self) -> Vec<(String, Arc<dyn ClassRuntime>)> {
        self.classes
            .read()
            .iter()
            .filter_map(|class| Some((class.name().to_string(), class.runtime()?.clone())))
            .collect()
    }
}

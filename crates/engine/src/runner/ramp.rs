//! The ramp: how the runner goes from one user count to another.
//!
//! [`Runner::start`] asks the dispatcher (`dispatch.rs`, Locust's
//! `UsersDispatcher`) for a new dispatch and paces its steps on a tokio task:
//! each step is an absolute map `{worker: {class: count}}`, applied here by
//! placement (a single pseudo-worker `local`) or handed to a master's workers.
//! A worker skips the pacing and jumps to its master's counts
//! ([`Runner::apply_counts`]); a load shape starts a new ramp whenever its tick
//! changes ([`Runner::run_shape`]). No ramp goes past the users this process
//! has memory for (`budget.rs`).
//!
//! ```text
//! start(n, rate) ──► dispatcher.new_dispatch ──► ramp task:
//!     loop { step = next_step(); apply(step["local"]) or workers.dispatch(step); sleep(delay) }
//!     then Running, "All users spawned", spawning_complete
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::classes::RunClass;
use super::{Runner, RunnerState, LOG_TARGET};
use crate::budget;
use crate::class_descriptor::ClassDescriptor;
use crate::dispatch::{Dispatch, UsersDispatcher};
use crate::remote::{self, Workers};
use crate::shape::{LoadShape, ShapeContext};

/// The ramp's bookkeeping: the dispatcher, where each placed user is, and the
/// runner's state.
pub(super) struct RampState {
    pub(super) dispatcher: UsersDispatcher,
    /// Users placed per class, as the dispatcher last asked.
    pub(super) placed: Vec<u64>,
    /// Per class, the load thread of each placed user, newest last (LIFO ramp-down).
    pub(super) placement: Vec<Vec<usize>>,
    pub(super) next_thread: usize,
    pub(super) state: RunnerState,
    pub(super) target_user_count: u64,
    /// The spawn rate of the current ramp (a rebalance reuses it).
    pub(super) spawn_rate: f64,
    /// The classes the current ramp is limited to (None: every class).
    pub(super) picked: Option<Vec<String>>,
}

impl RampState {
    /// Nothing placed yet, the dispatcher over `remote`'s workers (or `local`).
    pub(super) fn new(classes: &[RunClass], remote: Option<&dyn Workers>) -> Self {
        RampState {
            dispatcher: new_dispatcher(classes, &worker_ids(remote)),
            placed: vec![0; classes.len()],
            placement: vec![Vec::new(); classes.len()],
            next_thread: 0,
            state: RunnerState::Ready,
            target_user_count: 0,
            spawn_rate: 1.0,
            picked: None,
        }
    }
}

/// How long a master waits, after a ramp, for workers to report its user count.
const REPORT_WAIT: Duration = Duration::from_secs(1);

impl Runner {
    /// Starts (or changes) the test: ramps toward `user_count` users at
    /// `spawn_rate` per second, optionally only with `classes`. Returns at once;
    /// the ramp runs on the current tokio runtime and a new start replaces it.
    pub fn start(self: &Arc<Self>, user_count: u64, spawn_rate: f64, classes: Option<Vec<String>>) {
        let user_count = self.affordable(user_count);
        let ids = worker_ids(self.remote.as_deref());
        if ids.is_empty() {
            log::error!(target: LOG_TARGET, "You can't start a distributed test before at least one worker process has connected");
            return;
        }
        if let Some(task) = self.ramp_task.lock().take() {
            task.abort();
        }
        let first_start = {
            let mut ramp = self.ramp.lock();
            let first = matches!(ramp.state, RunnerState::Ready | RunnerState::Stopped);
            if first {
                // Settings changed since the last test count from this one.
                ramp.dispatcher = new_dispatcher(&self.classes.read(), &ids);
            }
            ramp.state = RunnerState::Spawning;
            ramp.target_user_count = user_count;
            ramp.spawn_rate = spawn_rate;
            ramp.dispatcher
                .new_dispatch(user_count, spawn_rate, classes.as_deref());
            ramp.picked.clone_from(&classes);
            first
        };
        if let (true, Some(remote), Some(total)) =
            (first_start, &self.remote, self.shared.iteration_limit())
        {
            let placement = self.final_placement(user_count, classes.as_deref());
            remote.set_iteration_shares(remote::iteration_shares(total, &placement));
        }
        if first_start {
            self.env.stats.reset();
            self.env.stats.clear_exceptions();
            self.shared.begin_test();
            self.env.events.test_start.fire(&self.env);
        }
        log::info!(target: LOG_TARGET, "Ramping to {user_count} users at a rate of {spawn_rate:.2} per second");
        let runner = self.clone();
        *self.ramp_task.lock() = Some(tokio::spawn(async move { runner.ramp().await }));
    }

    /// The classes the current (or last) start was limited to; None: every class.
    pub fn picked_classes(&self) -> Option<Vec<String>> {
        self.ramp.lock().picked.clone()
    }

    pub(super) async fn ramp(self: Arc<Self>) {
        loop {
            let step_started = Instant::now();
            let (step, delay, more) = {
                let mut ramp = self.ramp.lock();
                let step = ramp.dispatcher.next_step();
                (
                    step,
                    ramp.dispatcher.delay_before_next(),
                    ramp.dispatcher.dispatch_in_progress(),
                )
            };
            let Some(step) = step else { break };
            if let Some(remote) = &self.remote {
                remote.dispatch(&step);
                if !more {
                    break;
                }
                tokio::time::sleep(delay.saturating_sub(step_started.elapsed())).await;
                continue;
            }
            let targets: Vec<u64> = self
                .classes
                .read()
                .iter()
                .map(|class| {
                    step.get("local")
                        .and_then(|counts| counts.get(class.name()))
                        .copied()
                        .unwrap_or(0)
                })
                .collect();
            self.apply(&targets);
            if !more {
                break;
            }
            tokio::time::sleep(delay.saturating_sub(step_started.elapsed())).await;
        }
        if let Some(remote) = &self.remote {
            // Workers report their counts a little later: wait for them a moment.
            let target = self.target_user_count();
            let asked = Instant::now();
            while remote.user_count() != target && asked.elapsed() < REPORT_WAIT {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            if remote.user_count() != target {
                log::info!(target: LOG_TARGET, "Spawning is complete and report waittime is expired, but not all reports received from workers");
            }
        }
        let (count, placed) = {
            let mut ramp = self.ramp.lock();
            ramp.state = RunnerState::Running;
            let placed: Vec<u64> = match &self.remote {
                Some(_) => self
                    .classes
                    .read()
                    .iter()
                    .map(|class| ramp.dispatcher.class_user_count(class.name()))
                    .collect(),
                None => ramp.placed.clone(),
            };
            (placed.iter().sum::<u64>(), placed)
        };
        let spawned: Vec<String> = self
            .classes
            .read()
            .iter()
            .zip(&placed)
            .map(|(class, n)| format!("\"{}\": {n}", class.name()))
            .collect();
        log::info!(
            target: LOG_TARGET,
            "All users spawned: {{{}}} ({count} total users)",
            spawned.join(", ")
        );
        if self.env.reset_stats {
            log::info!(target: LOG_TARGET, "Resetting stats");
            self.env.stats.reset();
        }
        if let Some(remote) = &self.remote {
            remote.spawning_complete(count);
        }
        self.env.events.spawning_complete.fire(&count);
    }

    /// A worker's way to follow its master: spawns and stops users at once so
    /// that each class has `counts[name]` users (classes not named get none).
    /// The first call of a test resets the statistics and fires `test_start`.
    pub fn apply_counts(&self, counts: &BTreeMap<String, u64>) {
        let asked: u64 = counts.values().sum();
        let allowed = self.affordable(asked);
        let scaled: BTreeMap<String, u64>;
        let counts = if allowed < asked {
            // Every class shrinks in proportion.
            scaled = counts
                .iter()
                .map(|(name, &n)| {
                    (
                        name.clone(),
                        (n as u128 * allowed as u128 / asked as u128) as u64,
                    )
                })
                .collect();
            &scaled
        } else {
            counts
        };
        if let Some(task) = self.ramp_task.lock().take() {
            task.abort();
        }
        let first_start = {
            let mut ramp = self.ramp.lock();
            let first = matches!(ramp.state, RunnerState::Ready | RunnerState::Stopped);
            ramp.state = RunnerState::Spawning;
            ramp.target_user_count = counts.values().sum();
            first
        };
        if first_start {
            self.env.stats.reset();
            self.env.stats.clear_exceptions();
            self.shared.begin_test();
            self.env.events.test_start.fire(&self.env);
        }
        let targets: Vec<u64> = self
            .classes
            .read()
            .iter()
            .map(|class| counts.get(class.name()).copied().unwrap_or(0))
            .collect();
        self.apply(&targets);
        self.ramp.lock().state = RunnerState::Running;
    }

    /// A worker connected to the master (a no-op elsewhere): during a test
    /// the users are rebalanced over the new set of workers, as Locust does.
    pub fn add_worker(self: &Arc<Self>, id: &str) {
        self.change_workers(|dispatcher| dispatcher.add_worker(id), true);
    }

    /// A worker left or went missing: the dispatcher forgets it; with
    /// `redistribute`, a running test moves its users to the remaining
    /// workers at once (else from the next start or rebalance).
    pub fn remove_worker(self: &Arc<Self>, id: &str, redistribute: bool) {
        self.change_workers(|dispatcher| dispatcher.remove_worker(id), redistribute);
    }

    fn change_workers(self: &Arc<Self>, change: impl FnOnce(&mut UsersDispatcher), restart: bool) {
        if self.remote.is_none() {
            return;
        }
        let restart = {
            let mut ramp = self.ramp.lock();
            if !matches!(ramp.state, RunnerState::Spawning | RunnerState::Running) {
                // The next test builds its dispatcher from the workers then.
                return;
            }
            change(&mut ramp.dispatcher);
            // While a ramp runs, its next step carries the rebalanced map.
            (restart && ramp.state == RunnerState::Running)
                .then_some((ramp.target_user_count, ramp.spawn_rate))
        };
        if let Some((target, rate)) = restart {
            if !worker_ids(self.remote.as_deref()).is_empty() {
                self.start(target, rate, None);
            }
        }
    }

    /// Where `user_count` users (of `classes`) will be once the ramp that is
    /// starting is done: the same dispatch, in one step.
    pub(super) fn final_placement(&self, user_count: u64, classes: Option<&[String]>) -> Dispatch {
        let mut dispatcher = self.ramp.lock().dispatcher.clone();
        dispatcher.new_dispatch(user_count, user_count.max(1) as f64, classes);
        let mut last = Dispatch::new();
        while let Some(step) = dispatcher.next_step() {
            last = step;
        }
        last
    }

    /// What one user of this runner costs in this process's memory.
    pub(super) fn bytes_per_user(&self) -> u64 {
        if self.remote.is_some() {
            budget::DISPATCHED_USER_BYTES
        } else if self
            .classes
            .read()
            .iter()
            .any(|class| class.runtime().is_some())
        {
            budget::PYTHON_USER_BYTES
        } else {
            budget::RUST_USER_BYTES
        }
    }

    /// Whether `user_count` users fit in the memory this process may use
    /// (see [`budget`]); the message says how many do. For a count asked once
    /// (`-u`, the web UI's form), refused before anything starts.
    pub fn check_user_count(&self, user_count: u64) -> Result<(), budget::TooManyUsers> {
        let per_user = self.bytes_per_user();
        match budget::max_users(per_user) {
            Some(most) if user_count > most => Err(budget::too_many(user_count, most, per_user)),
            _ => Ok(()),
        }
    }

    /// `asked`, or the most users this process can hold when that is fewer
    /// (a shape's tick, a master's dispatch): said once per count refused.
    pub(super) fn affordable(&self, asked: u64) -> u64 {
        let per_user = self.bytes_per_user();
        match budget::max_users(per_user) {
            Some(most) if asked > most => {
                let mut refused = self.refused.lock();
                if *refused != Some(asked) {
                    *refused = Some(asked);
                    log::error!(
                        target: LOG_TARGET,
                        "{}. Ramping to {most} users instead.",
                        budget::too_many(asked, most, per_user)
                    );
                }
                most
            }
            _ => asked,
        }
    }

    /// Drives the test from a load shape, ticking about once per second, until the
    /// shape returns `None`.
    pub async fn run_shape(self: &Arc<Self>, mut shape: Box<dyn LoadShape>) {
        let started = Instant::now();
        let mut last = None;
        loop {
            let tick_started = Instant::now();
            let context = ShapeContext {
                run_time: started.elapsed(),
                user_count: self.user_count(),
            };
            let Some(tick) = shape.tick(&context) else {
                log::info!(target: LOG_TARGET, "Shape test completed");
                return;
            };
            if last.as_ref() != Some(&tick) {
                self.start(tick.users, tick.spawn_rate, tick.user_classes.clone());
                last = Some(tick);
            }
            tokio::time::sleep(Duration::from_secs(1).saturating_sub(tick_started.elapsed())).await;
        }
    }
}

/// The ids users are dispatched to: the active workers, or `local`.
fn worker_ids(remote: Option<&dyn Workers>) -> Vec<String> {
    match remote {
        Some(workers) => workers.active_ids(),
        None => vec!["local".to_string()],
    }
}

/// A dispatcher for the classes that can have users, over `workers`.
fn new_dispatcher(classes: &[RunClass], workers: &[String]) -> UsersDispatcher {
    let described = classes
        .iter()
        .map(|class| class.definition.descriptor())
        .filter(ClassDescriptor::gets_users)
        .collect();
    UsersDispatcher::new(workers, described)
}

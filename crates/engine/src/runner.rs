//! The runner: load threads that host users, the ramp that spawns and stops them
//! with Locust's dispatch, graceful stop, iterations and load shapes.
//!
//! Each load thread runs a single-threaded tokio runtime; its users are local
//! tasks, so nothing on the request path is shared between threads except the
//! thread's own statistics shard. A distributed worker drives the same
//! [`Runner`] from the master's absolute per-class targets
//! ([`Runner::apply_counts`]); a master's runner has no users of its own and
//! hands each ramp step to its [`Workers`].

use std::any::Any;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use tokio::sync::mpsc;

use crate::budget;
use crate::class_settings::{UserClassInfo, UserClassSettings};
use crate::dispatch::{Dispatch, DispatchClass, UsersDispatcher};
use crate::events::{panic_message, UserError};
use crate::host::{HostedUsers, UserHost};
use crate::remote::{self, WorkerInfo, Workers};
use crate::shape::{LoadShape, ShapeContext};
use crate::task::{LocalBoxFuture, TagFilter};
use crate::user::{UserControl, UserDefinition};
use crate::Environment;

use crate::run_state::RunShared;
pub use crate::run_state::ThreadContext;

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

enum Command {
    Spawn {
        index: usize,
        class: Arc<dyn UserDefinition>,
        count: u64,
    },
    Stop {
        index: usize,
        count: u64,
        graceful: Option<Duration>,
    },
    KillAll,
    Shutdown,
}

struct LoadThread {
    commands: mpsc::UnboundedSender<Command>,
    handle: Option<JoinHandle<()>>,
}

fn start_load_thread(
    number: usize,
    env: Arc<Environment>,
    shared: Arc<RunShared>,
) -> std::io::Result<LoadThread> {
    let (commands, mut inbox) = mpsc::unbounded_channel::<Command>();
    let recorder = env.stats.recorder();
    let handle = std::thread::Builder::new()
        .name(format!("locusta-load-{number}"))
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    log::error!("cannot start load thread {number}: {error}");
                    return;
                }
            };
            let context = Rc::new(ThreadContext::new(env, recorder, shared));
            let local = tokio::task::LocalSet::new();
            local.block_on(&runtime, async move {
                let mut users: Vec<Vec<Rc<UserControl>>> = Vec::new();
                while let Some(command) = inbox.recv().await {
                    match command {
                        Command::Spawn {
                            index,
                            class,
                            count,
                        } => {
                            if users.len() <= index {
                                users.resize_with(index + 1, Vec::new);
                            }
                            for _ in 0..count {
                                let id = context.shared().user_started(index);
                                let (control, run) = class.clone().start_user(id, &context);
                                let shared = context.shared().clone();
                                let env = context.env.clone();
                                let class_name = class.name().to_string();
                                tokio::task::spawn_local(async move {
                                    if let Err(panic) = CatchUnwind(run).await {
                                        report_panic(&env, &class_name, panic.as_ref());
                                    }
                                    shared.user_ended(index);
                                });
                                users[index].push(control);
                            }
                        }
                        Command::Stop {
                            index,
                            count,
                            graceful,
                        } => {
                            let Some(stack) = users.get_mut(index) else {
                                continue;
                            };
                            stack.retain(|user| !user.is_finished());
                            let keep = stack
                                .len()
                                .saturating_sub(count.min(usize::MAX as u64) as usize);
                            let stopping: Vec<Rc<UserControl>> = stack.split_off(keep);
                            stop_users(stopping, graceful);
                        }
                        Command::KillAll => {
                            for user in users.iter().flatten() {
                                user.kill();
                            }
                        }
                        Command::Shutdown => break,
                    }
                }
            });
        })?;
    Ok(LoadThread {
        commands,
        handle: Some(handle),
    })
}

/// Runs a user's future, turning a panic in user code into an `Err` instead of
/// losing the user silently (and the runner's count of live users with it).
struct CatchUnwind(LocalBoxFuture<'static, ()>);

impl Future for CatchUnwind {
    type Output = Result<(), Box<dyn Any + Send>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// A panic in user code ends that user; it is recorded like a task error.
fn report_panic(env: &Environment, class: &str, panic: &(dyn Any + Send)) {
    let message = panic_message(panic);
    let traceback = format!("{class}: panicked: {message} (the user was stopped)");
    log::error!("{traceback}");
    env.stats.log_exception(&message, &traceback, "local");
    env.events.user_error.fire(&UserError {
        user_class: class.to_string(),
        location: "panic".to_string(),
        message,
    });
}

/// Stops users: at once, or gracefully with a deadline after which they are killed.
fn stop_users(users: Vec<Rc<UserControl>>, graceful: Option<Duration>) {
    match graceful {
        None => users.iter().for_each(|user| user.kill()),
        Some(timeout) => {
            users.iter().for_each(|user| user.stop_gracefully());
            tokio::task::spawn_local(async move {
                tokio::time::sleep(timeout).await;
                users
                    .iter()
                    .filter(|u| !u.is_finished())
                    .for_each(|u| u.kill());
            });
        }
    }
}

struct RampState {
    dispatcher: UsersDispatcher,
    /// Users placed per class, as the dispatcher last asked.
    placed: Vec<u64>,
    /// Per class, the load thread of each placed user, newest last (LIFO ramp-down).
    placement: Vec<Vec<usize>>,
    next_thread: usize,
    state: RunnerState,
    target_user_count: u64,
    /// The spawn rate of the current ramp (a rebalance reuses it).
    spawn_rate: f64,
}

/// How long killed users get to run their `on_stop` handlers past the
/// deadline before the stop goes on without them.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// Runs user classes on load threads, ramps them with Locust's dispatch, stops them.
pub struct Runner {
    env: Arc<Environment>,
    /// The user classes; settings (`POST /user`) may replace one.
    classes: RwLock<Vec<Arc<dyn UserDefinition>>>,
    /// A master's `--tags` were applied ([`Runner::adopt_tag_filter`]).
    tags_adopted: std::sync::atomic::AtomicBool,
    /// Per class index: the host of its users, when they do not live on the
    /// load threads.
    hosted: Vec<Option<(Arc<dyn UserHost>, HostedUsers)>>,
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
    /// Checks the user classes, applies the tag filter and starts `threads` load
    /// threads. Errors are messages for the user (Locust's wording where it has one).
    pub fn new(
        env: Arc<Environment>,
        classes: Vec<Arc<dyn UserDefinition>>,
        threads: usize,
    ) -> Result<Arc<Runner>, String> {
        Self::with_user_host(env, classes, threads, None)
    }

    /// As [`Runner::new`], with a [`UserHost`] that runs the users of the
    /// classes it [hosts](UserHost::hosts) instead of the load threads.
    pub fn with_user_host(
        env: Arc<Environment>,
        classes: Vec<Arc<dyn UserDefinition>>,
        threads: usize,
        host: Option<Arc<dyn UserHost>>,
    ) -> Result<Arc<Runner>, String> {
        Self::build(env, classes, threads, host, None)
    }

    /// A master's runner: no users of its own, each ramp step goes to
    /// `workers`, and user counts are what the workers report. `host` (the
    /// Python front) holds the classes it hosts, so their settings can change.
    pub fn with_workers(
        env: Arc<Environment>,
        classes: Vec<Arc<dyn UserDefinition>>,
        host: Option<Arc<dyn UserHost>>,
        workers: Arc<dyn Workers>,
    ) -> Result<Arc<Runner>, String> {
        Self::build(env, classes, 0, host, Some(workers))
    }

    fn build(
        env: Arc<Environment>,
        classes: Vec<Arc<dyn UserDefinition>>,
        threads: usize,
        host: Option<Arc<dyn UserHost>>,
        remote: Option<Arc<dyn Workers>>,
    ) -> Result<Arc<Runner>, String> {
        if classes.is_empty() {
            return Err("No User class found!".into());
        }
        let classes: Vec<Arc<dyn UserDefinition>> = classes
            .into_iter()
            .filter(|class| class.weight() > 0.0 || class.fixed_count() > 0)
            .collect();
        if classes.is_empty() {
            return Err("There are no users with weight > 0.".into());
        }
        let classes: Vec<Arc<dyn UserDefinition>> = if env.tag_filter.is_active() {
            classes
                .iter()
                .map(|class| {
                    let filtered = class.with_tag_filter(&env.tag_filter);
                    if !filtered.has_tasks() {
                        log::warn!(
                            "{} had no tasks left after filtering, instantiating it will fail!",
                            class.name()
                        );
                    }
                    filtered
                })
                .collect()
        } else {
            classes
        };
        let shared = Arc::new(RunShared::new(classes.len(), env.iterations));
        let hosted = classes
            .iter()
            .enumerate()
            .map(|(index, class)| {
                let host = host.as_ref().filter(|host| host.hosts(class.name()))?;
                Some((
                    host.clone(),
                    HostedUsers {
                        shared: shared.clone(),
                        index,
                    },
                ))
            })
            .collect::<Vec<_>>();
        // When a host or workers run every class, load threads would only idle.
        let threads = if remote.is_some() || hosted.iter().all(Option::is_some) {
            0
        } else {
            threads.max(1)
        };
        let threads = (0..threads)
            .map(|number| start_load_thread(number, env.clone(), shared.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("cannot start load threads: {error}"))?;
        Ok(Arc::new(Runner {
            ramp: Mutex::new(RampState {
                dispatcher: new_dispatcher(&classes, &worker_ids(remote.as_deref())),
                placed: vec![0; classes.len()],
                placement: vec![Vec::new(); classes.len()],
                next_thread: 0,
                state: RunnerState::Ready,
                target_user_count: 0,
                spawn_rate: 1.0,
            }),
            env,
            classes: RwLock::new(classes),
            tags_adopted: std::sync::atomic::AtomicBool::new(false),
            hosted,
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
        self.classes.read().clone()
    }

    /// Each class's settings and the tasks they may keep (for the web UI's
    /// class picker).
    pub fn user_class_infos(&self) -> Vec<UserClassInfo> {
        self.classes
            .read()
            .iter()
            .map(|class| UserClassInfo {
                name: class.name().to_string(),
                host: class.host().map(str::to_string),
                weight: class.weight(),
                fixed_count: class.fixed_count(),
                tasks: class.task_ratios().into_iter().map(|t| t.name).collect(),
                available_tasks: class.available_tasks(),
            })
            .collect()
    }

    /// Applies new settings to a user class (Locust's `--config-users` and
    /// `POST /user`): new users of the class use them at once; a new weight
    /// or fixed count counts from the next test.
    pub fn update_user_class(&self, settings: &UserClassSettings) -> Result<(), String> {
        let name = &settings.user_class_name;
        let index = self
            .classes
            .read()
            .iter()
            .position(|class| class.name() == name)
            .ok_or_else(|| {
                format!("Error applying user config: there is no user class named {name}")
            })?;
        let updated: Arc<dyn UserDefinition> = match &self.hosted[index] {
            Some((host, _)) => Arc::new(host.update_class(settings)?),
            None => self.classes.read()[index].with_settings(settings)?,
        };
        let mut classes = self.classes.write();
        let spawnable =
            |class: &Arc<dyn UserDefinition>| class.weight() > 0.0 || class.fixed_count() > 0;
        if !spawnable(&updated)
            && classes
                .iter()
                .enumerate()
                .all(|(other, class)| other == index || !spawnable(class))
        {
            return Err("There are no users with weight > 0.".into());
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
        // Hosts are asked without the lock held: they wait for their own thread.
        for (class, host) in self.hosted_classes() {
            host.filter_tasks(&class, filter);
        }
        let mut classes = self.classes.write();
        for (class, hosted) in classes.iter_mut().zip(&self.hosted) {
            if hosted.is_none() {
                *class = class.with_tag_filter(filter);
            }
        }
    }

    /// Replaces the iteration budget of this process from now on: a worker
    /// takes its share of its master's `--iterations`.
    pub fn set_iteration_limit(&self, limit: u64) {
        self.shared.set_iteration_limit(limit);
    }

    /// Starts (or changes) the test: ramps toward `user_count` users at
    /// `spawn_rate` per second, optionally only with `classes`. Returns at once;
    /// the ramp runs on the current tokio runtime and a new start replaces it.
    pub fn start(self: &Arc<Self>, user_count: u64, spawn_rate: f64, classes: Option<Vec<String>>) {
        let user_count = self.affordable(user_count);
        let ids = worker_ids(self.remote.as_deref());
        if ids.is_empty() {
            log::error!("You can't start a distributed test before at least one worker process has connected");
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
        log::info!("Ramping to {user_count} users at a rate of {spawn_rate:.2} per second");
        let runner = self.clone();
        *self.ramp_task.lock() = Some(tokio::spawn(async move { runner.ramp().await }));
    }

    async fn ramp(self: Arc<Self>) {
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
                log::info!("Spawning is complete and report waittime is expired, but not all reports received from workers");
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
            "All users spawned: {{{}}} ({count} total users)",
            spawned.join(", ")
        );
        if self.env.reset_stats {
            log::info!("Resetting stats");
            self.env.stats.reset();
        }
        if let Some(remote) = &self.remote {
            remote.spawning_complete(count);
        }
        self.env.events.spawning_complete.fire(&count);
    }

    /// Sets when the current phase of the test must be over: the end of
    /// `--run-time` while it runs, `--stop-timeout` from now once it stops.
    /// Past it, stopping no longer waits (beyond [`KILL_GRACE`]) for users
    /// that do not end, nor for hosts whose thread user code holds
    /// ([`UserHost::stop_waiting_at`]).
    pub fn set_deadline(&self, deadline: Instant) {
        *self.deadline.lock() = Some(deadline);
        for (_, host) in self.hosted_classes() {
            host.stop_waiting_at(deadline);
        }
    }

    /// What one user of this runner costs in this process's memory.
    fn bytes_per_user(&self) -> u64 {
        if self.remote.is_some() {
            budget::DISPATCHED_USER_BYTES
        } else if self.hosted.iter().any(Option::is_some) {
            budget::PYTHON_USER_BYTES
        } else {
            budget::RUST_USER_BYTES
        }
    }

    /// Whether `user_count` users fit in the memory this process may use
    /// (see [`budget`]); the message says how many do. For a count asked once
    /// (`-u`, the web UI's form), refused before anything starts.
    pub fn check_user_count(&self, user_count: u64) -> Result<(), String> {
        let per_user = self.bytes_per_user();
        match budget::max_users(per_user) {
            Some(most) if user_count > most => Err(budget::too_many(user_count, most, per_user)),
            _ => Ok(()),
        }
    }

    /// `asked`, or the most users this process can hold when that is fewer
    /// (a shape's tick, a master's dispatch): said once per count refused.
    fn affordable(&self, asked: u64) -> u64 {
        let per_user = self.bytes_per_user();
        match budget::max_users(per_user) {
            Some(most) if asked > most => {
                let mut refused = self.refused.lock();
                if *refused != Some(asked) {
                    *refused = Some(asked);
                    log::error!(
                        "{}. Ramping to {most} users instead.",
                        budget::too_many(asked, most, per_user)
                    );
                }
                most
            }
            _ => asked,
        }
    }

    /// Where `user_count` users (of `classes`) will be once the ramp that is
    /// starting is done: the same dispatch, in one step.
    fn final_placement(&self, user_count: u64, classes: Option<&[String]>) -> Dispatch {
        let mut dispatcher = self.ramp.lock().dispatcher.clone();
        dispatcher.new_dispatch(user_count, user_count.max(1) as f64, classes);
        let mut last = Dispatch::new();
        while let Some(step) = dispatcher.next_step() {
            last = step;
        }
        last
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
        Some(self.remote.as_ref()?.workers())
    }

    /// Whether this runner is a master that drives workers.
    pub fn is_distributed(&self) -> bool {
        self.remote.is_some()
    }

    /// Spawns and stops users so that each class has `targets[i]` placed users:
    /// new users go to the threads round-robin, stopped ones are the newest.
    fn apply(&self, targets: &[u64]) {
        let threads = self.threads.lock();
        let mut ramp = self.ramp.lock();
        let classes = self.classes.read();
        let thread_count = threads.len();
        let timeout = self.stop_timeout();
        let graceful = (!timeout.is_zero()).then_some(timeout);
        for (index, &target) in targets.iter().enumerate() {
            let placed = ramp.placed[index];
            if let Some((host, users)) = &self.hosted[index] {
                let class = classes[index].name();
                if target > placed {
                    host.spawn(class, target - placed, users);
                } else if target < placed {
                    host.stop(class, placed - target, graceful);
                }
                ramp.placed[index] = target;
                continue;
            }
            if target > placed {
                let mut per_thread = vec![0u64; thread_count];
                for _ in placed..target {
                    let thread = ramp.next_thread % thread_count;
                    ramp.next_thread = ramp.next_thread.wrapping_add(1);
                    per_thread[thread] += 1;
                    ramp.placement[index].push(thread);
                }
                for (thread, count) in per_thread.into_iter().enumerate() {
                    if count > 0 {
                        let _ = threads[thread].commands.send(Command::Spawn {
                            index,
                            class: classes[index].clone(),
                            count,
                        });
                    }
                }
            }
        }
        for (index, &target) in targets.iter().enumerate() {
            let placed = ramp.placed[index];
            if target < placed {
                let mut per_thread = vec![0u64; thread_count];
                for _ in target..placed {
                    if let Some(thread) = ramp.placement[index].pop() {
                        per_thread[thread] += 1;
                    }
                }
                for (thread, count) in per_thread.into_iter().enumerate() {
                    if count > 0 {
                        let _ = threads[thread].commands.send(Command::Stop {
                            index,
                            count,
                            graceful,
                        });
                    }
                }
            }
            ramp.placed[index] = target;
        }
    }

    /// Stops the test: ends the ramp, stops every user (gracefully within
    /// `--stop-timeout`, then by force), and fires `test_stopping`/`test_stop`.
    pub async fn stop(&self) {
        if matches!(
            self.state(),
            RunnerState::Ready | RunnerState::Stopped | RunnerState::Stopping
        ) {
            return;
        }
        if let Some(task) = self.ramp_task.lock().take() {
            task.abort();
        }
        self.ramp.lock().state = RunnerState::Stopping;
        self.env.events.test_stopping.fire(&self.env);
        let timeout = self.stop_timeout();
        let graceful = (!timeout.is_zero()).then_some(timeout);
        if let Some(remote) = &self.remote {
            remote.stop();
            // Workers report their users stopped (or go missing, which zeroes them).
            if !self.wait_for_users(timeout + REMOTE_STOP_GRACE).await {
                log::warn!("Workers did not report all their users stopped; stopping anyway");
            }
        }
        {
            let threads = self.threads.lock();
            for thread in threads.iter() {
                for index in 0..self.hosted.len() {
                    let _ = thread.commands.send(Command::Stop {
                        index,
                        count: u64::MAX,
                        graceful,
                    });
                }
            }
        }
        for (class, host) in self.hosted_classes() {
            host.stop(&class, u64::MAX, graceful);
        }
        // Without a stop timeout users are killed at once; their on_stop handlers
        // still run, and are waited for as Locust does.
        if !timeout.is_zero()
            && !self
                .wait_for_users(timeout + Duration::from_millis(100))
                .await
        {
            log::info!(
                "Not all users finished their tasks & terminated in {} seconds. Stopping them...",
                timeout.as_secs()
            );
            for thread in self.threads.lock().iter() {
                let _ = thread.commands.send(Command::KillAll);
            }
            for (_, host) in self.hosted_classes() {
                host.kill_all();
            }
        }
        if self.remote.is_none() {
            let limit = self.deadline.lock().map_or(Duration::MAX, |deadline| {
                deadline.saturating_duration_since(Instant::now()) + KILL_GRACE
            });
            if !self.wait_for_users(limit).await {
                log::error!(
                    "{} users did not stop by the end of the run: leaving them",
                    self.user_count()
                );
            }
        }
        {
            let mut ramp = self.ramp.lock();
            ramp.state = RunnerState::Stopped;
            ramp.placed.iter_mut().for_each(|n| *n = 0);
            ramp.placement.iter_mut().for_each(Vec::clear);
            ramp.target_user_count = 0;
            ramp.dispatcher.new_dispatch(0, 1.0, None);
            while ramp.dispatcher.next_step().is_some() {}
        }
        self.env.events.test_stop.fire(&self.env);
    }

    /// The hosted classes: name and host.
    fn hosted_classes(&self) -> Vec<(String, Arc<dyn UserHost>)> {
        self.classes
            .read()
            .iter()
            .zip(&self.hosted)
            .filter_map(|(class, hosted)| {
                Some((class.name().to_string(), hosted.as_ref()?.0.clone()))
            })
            .collect()
    }

    /// Waits until no user is alive, up to `limit`; whether they all ended.
    async fn wait_for_users(&self, limit: Duration) -> bool {
        let started = Instant::now();
        while self.user_count() > 0 {
            if started.elapsed() >= limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    /// Stops the test and the load threads.
    pub async fn quit(&self) {
        self.stop().await;
        let mut threads = std::mem::take(&mut *self.threads.lock());
        for thread in &threads {
            let _ = thread.commands.send(Command::Shutdown);
        }
        for thread in &mut threads {
            if let Some(handle) = thread.handle.take() {
                let _ = tokio::task::spawn_blocking(move || handle.join()).await;
            }
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
                log::info!("Shape test completed");
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

/// How long a master waits, after a ramp, for workers to report its user count.
const REPORT_WAIT: Duration = Duration::from_secs(1);
/// How long a master waits, beyond `--stop-timeout`, for workers to report
/// their users stopped (Locust's figure).
const REMOTE_STOP_GRACE: Duration = Duration::from_secs(60);

/// The ids users are dispatched to: the active workers, or `local`.
fn worker_ids(remote: Option<&dyn Workers>) -> Vec<String> {
    match remote {
        Some(workers) => workers.active_ids(),
        None => vec!["local".to_string()],
    }
}

/// A dispatcher for the classes that can have users, over `workers`.
fn new_dispatcher(classes: &[Arc<dyn UserDefinition>], workers: &[String]) -> UsersDispatcher {
    let dispatch_classes: Vec<DispatchClass> = classes
        .iter()
        .filter(|class| class.weight() > 0.0 || class.fixed_count() > 0)
        .map(|class| DispatchClass {
            name: class.name().to_string(),
            weight: class.weight(),
            fixed_count: class.fixed_count(),
        })
        .collect();
    UsersDispatcher::new(workers, dispatch_classes)
}

//! Users: the per-user context a task receives ([`User`]), the definition of a
//! kind of user ([`UserClass`]), and the loop that runs one user.

use std::cell::Cell;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use locusta_http::{ClientConfig, HttpClient};
use locusta_stats::{now_epoch, RequestRecord};
use rand::Rng;

use crate::class_settings::UserClassSettings;
use crate::events::UserError;
use crate::run_state::ThreadContext;
use crate::task::{
    IntoTaskResult, LocalBoxFuture, TagFilter, TaskError, TaskFn, TaskKind, TaskRatio, TaskSet,
};
use crate::wait::{WaitState, WaitTime};
use crate::Environment;

/// What a task receives: this user's HTTP client, its own state `S` (also
/// reachable through `Deref`), and the test's environment.
pub struct User<S> {
    /// The user's HTTP client: its own cookie jar and keep-alive connections.
    pub client: HttpClient,
    /// The user's own state.
    pub state: S,
    id: u64,
    control: Rc<UserControl>,
    thread: Rc<ThreadContext>,
}

impl<S> Deref for User<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.state
    }
}

impl<S> DerefMut for User<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.state
    }
}

impl<S> User<S> {
    /// A number unique to this user within the process.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The test's environment (statistics, events, options).
    pub fn environment(&self) -> &Arc<Environment> {
        &self.thread.env
    }

    /// Reports a request of any protocol into the statistics, as Locust's
    /// `events.request.fire` does. `error` is `None` on success.
    pub fn record(
        &self,
        request_type: &str,
        name: &str,
        response_time: Duration,
        response_length: u64,
        error: Option<&str>,
    ) {
        let start_time = now_epoch() - response_time.as_secs_f64();
        self.thread.recorder.record(&RequestRecord {
            request_type,
            name,
            response_time: Some(response_time),
            response_length,
            error,
            start_time,
            url: "",
            status: 0,
        });
    }

    /// Times `request` and reports it (Locust's `events.request.measure`): an
    /// `Err` is recorded as a failure with its message, and returned.
    pub async fn measure<T, E: std::fmt::Display>(
        &self,
        request_type: &str,
        name: &str,
        request: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let started = Instant::now();
        let result = request.await;
        let elapsed = started.elapsed();
        match &result {
            Ok(_) => self.record(request_type, name, elapsed, 0, None),
            Err(error) => {
                let message = error.to_string();
                self.record(request_type, name, elapsed, 0, Some(&message));
            }
        }
        result
    }
}

/// The states of a user, as Locust's (`running`, `waiting`, `stopping`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserState {
    Running,
    Waiting,
    Stopping,
}

/// How the runner reaches one user: its state, and a switch that kills it
/// (cancels whatever it awaits; its `on_stop` handlers still run).
pub struct UserControl {
    state: Cell<UserState>,
    killed: Cell<bool>,
    finished: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

impl UserControl {
    fn new() -> Rc<Self> {
        Rc::new(UserControl {
            state: Cell::new(UserState::Running),
            killed: Cell::new(false),
            finished: Cell::new(false),
            waker: Cell::new(None),
        })
    }

    /// Kills the user now.
    pub(crate) fn kill(&self) {
        self.killed.set(true);
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    /// Graceful stop: a waiting user is killed at once, a running one finishes its
    /// task and stops at the next task boundary.
    pub(crate) fn stop_gracefully(&self) {
        if self.state.get() == UserState::Waiting {
            self.kill();
        } else {
            self.state.set(UserState::Stopping);
        }
    }

    /// Whether the user has ended.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished.get()
    }

    fn stopping(&self) -> bool {
        self.state.get() == UserState::Stopping
    }

    fn set_state(&self, state: UserState) {
        if self.state.get() != UserState::Stopping {
            self.state.set(state);
        }
    }
}

/// Runs `inner` unless the user is killed first (then `None`).
struct Killable<'a, F> {
    control: &'a UserControl,
    inner: Pin<&'a mut F>,
}

impl<F: Future> Future for Killable<'_, F> {
    type Output = Option<F::Output>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.control.killed.get() {
            return Poll::Ready(None);
        }
        match self.inner.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(Some(output)),
            Poll::Pending => {
                let waker = match self.control.waker.take() {
                    Some(w) if w.will_wake(cx.waker()) => w,
                    _ => cx.waker().clone(),
                };
                self.control.waker.set(Some(waker));
                Poll::Pending
            }
        }
    }
}

async fn killable<F: Future>(control: &UserControl, future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    Killable {
        control,
        inner: future.as_mut(),
    }
    .await
}

/// A kind of user: its tasks, wait time, weight, host and per-user state `S`
/// (Locust's `User` subclass).
///
/// ```
/// use locusta_engine::prelude::*;
/// #[derive(Default)]
/// struct Shopper { token: String }
/// async fn login(u: &mut User<Shopper>) -> TaskResult {
///     let r = u.client.post("/login").form(&[("username", "a"), ("password", "b")]).send().await;
///     u.token = r.text().to_string();
///     Ok(())
/// }
/// async fn browse(u: &mut User<Shopper>) { u.client.get("/products").send().await; }
/// let shopper = UserClass::<Shopper>::new("Shopper").wait(between(1.0, 2.0)).on_start(login).task(3, browse);
/// ```
pub struct UserClass<S> {
    name: String,
    weight: f64,
    fixed_count: u64,
    host: Option<String>,
    wait: WaitTime,
    /// The user's own tasks; its `on_start`/`on_stop` are the user's.
    root: TaskSet<S>,
    /// Every task `root` may hold, once a `tasks` setting kept only some.
    all_tasks: Option<TaskSet<S>>,
    new_state: Arc<dyn Fn() -> S + Send + Sync>,
    client: Arc<ClientConfig>,
}

impl<S> Clone for UserClass<S> {
    fn clone(&self) -> Self {
        UserClass {
            name: self.name.clone(),
            weight: self.weight,
            fixed_count: self.fixed_count,
            host: self.host.clone(),
            wait: self.wait.clone(),
            root: self.root.clone(),
            all_tasks: self.all_tasks.clone(),
            new_state: self.new_state.clone(),
            client: self.client.clone(),
        }
    }
}

impl<S: Default + 'static> UserClass<S> {
    /// A user class whose users start with `S::default()`.
    pub fn new(name: impl Into<String>) -> Self {
        Self::with_state(name, S::default)
    }
}

impl<S: 'static> UserClass<S> {
    /// A user class whose users start with the state `new_state()` returns.
    pub fn with_state(
        name: impl Into<String>,
        new_state: impl Fn() -> S + Send + Sync + 'static,
    ) -> Self {
        let name = name.into();
        UserClass {
            root: TaskSet::new(name.clone()),
            all_tasks: None,
            name,
            weight: 1.0,
            fixed_count: 0,
            host: None,
            wait: WaitTime::default(),
            new_state: Arc::new(new_state),
            client: Arc::new(ClientConfig::default()),
        }
    }

    /// Relative share of users among classes without a fixed count (default 1).
    pub fn weight(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }

    /// Spawn exactly this many users of this class, before weighted classes.
    pub fn fixed_count(mut self, count: u64) -> Self {
        self.fixed_count = count;
        self
    }

    /// The base URL of this class's requests (`--host` overrides it).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Wait time after each task (default: no wait).
    pub fn wait(mut self, wait: WaitTime) -> Self {
        self.wait = wait;
        self
    }

    /// Adds a task with a weight.
    pub fn task<R: IntoTaskResult>(
        mut self,
        weight: u32,
        task: impl AsyncFn(&mut User<S>) -> R + Send + Sync + 'static,
    ) -> Self {
        self.root = self.root.task(weight, task);
        self
    }

    /// Adds a nested task set with a weight.
    pub fn task_set(mut self, weight: u32, set: TaskSet<S>) -> Self {
        self.root = self.root.task_set(weight, set);
        self
    }

    /// Tags the task (or task set) added last.
    pub fn tag(mut self, tag: &str) -> Self {
        self.root = self.root.tag(tag);
        self
    }

    /// Runs the tasks in declaration order instead of picking them at random.
    pub fn sequential(mut self) -> Self {
        self.root = self.root.sequential();
        self
    }

    /// Runs once when a user starts. If it fails, the user ends (and is not replaced).
    pub fn on_start<R: IntoTaskResult>(
        mut self,
        f: impl AsyncFn(&mut User<S>) -> R + Send + Sync + 'static,
    ) -> Self {
        self.root = self.root.on_start(f);
        self
    }

    /// Runs once when a user stops.
    pub fn on_stop<R: IntoTaskResult>(
        mut self,
        f: impl AsyncFn(&mut User<S>) -> R + Send + Sync + 'static,
    ) -> Self {
        self.root = self.root.on_stop(f);
        self
    }

    /// Settings of the users' HTTP clients (timeouts, TLS verification, …).
    pub fn client_config(mut self, config: ClientConfig) -> Self {
        self.client = Arc::new(config);
        self
    }

    /// Skips TLS certificate verification (for self-signed test servers).
    pub fn insecure(mut self) -> Self {
        let mut config = (*self.client).clone();
        config.verify_tls = false;
        self.client = Arc::new(config);
        self
    }

    /// Type-erases the class for the runner.
    pub fn boxed(self) -> Arc<dyn UserDefinition> {
        Arc::new(self)
    }
}

/// A user class as the runner sees it, whatever its state type.
pub trait UserDefinition: Send + Sync {
    /// Class name.
    fn name(&self) -> &str;
    /// Weight among weighted classes.
    fn weight(&self) -> f64;
    /// Fixed number of users (0 = weighted).
    fn fixed_count(&self) -> u64;
    /// The class's own host.
    fn host(&self) -> Option<&str>;
    /// Whether any task is left (after tag filtering).
    fn has_tasks(&self) -> bool;
    /// Task shares, for `--show-task-ratio`.
    fn task_ratios(&self) -> Vec<TaskRatio>;
    /// A copy with only the tasks that pass the filter.
    fn with_tag_filter(&self, filter: &TagFilter) -> Arc<dyn UserDefinition>;
    /// The same class with another weight and fixed count (`--equal-weights`, shapes).
    fn with_weights(&self, weight: f64, fixed_count: u64) -> Arc<dyn UserDefinition>;
    /// Every task a `tasks` setting may keep (the class's own, by name).
    fn available_tasks(&self) -> Vec<String>;
    /// The same class with `settings` applied (`--config-users`, `POST /user`);
    /// an error names what cannot be applied.
    fn with_settings(
        &self,
        settings: &UserClassSettings,
    ) -> Result<Arc<dyn UserDefinition>, String>;
    /// Creates one user on the calling load thread and returns the future that runs it.
    #[doc(hidden)]
    fn start_user(
        self: Arc<Self>,
        id: u64,
        thread: &Rc<ThreadContext>,
    ) -> (Rc<UserControl>, LocalBoxFuture<'static, ()>);
}

impl<S: 'static> UserDefinition for UserClass<S> {
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
        !self.root.tasks.is_empty()
    }
    fn task_ratios(&self) -> Vec<TaskRatio> {
        self.root.ratios()
    }
    fn with_tag_filter(&self, filter: &TagFilter) -> Arc<dyn UserDefinition> {
        let mut class = self.clone();
        class.root = self.root.filtered(filter, &[]);
        class.all_tasks = None;
        Arc::new(class)
    }
    fn with_weights(&self, weight: f64, fixed_count: u64) -> Arc<dyn UserDefinition> {
        let mut class = self.clone();
        class.weight = weight;
        class.fixed_count = fixed_count;
        Arc::new(class)
    }
    fn available_tasks(&self) -> Vec<String> {
        self.all_tasks.as_ref().unwrap_or(&self.root).task_names()
    }
    fn with_settings(
        &self,
        settings: &UserClassSettings,
    ) -> Result<Arc<dyn UserDefinition>, String> {
        if let Some(key) = settings.other.keys().next() {
            return Err(format!(
                "{}: unknown setting '{key}' (a Rust user class takes host, weight, fixed_count and tasks)",
                self.name
            ));
        }
        let mut class = self.clone();
        if let Some(host) = &settings.host {
            class.host = (!host.is_empty()).then(|| host.clone());
        }
        if let Some(weight) = settings.weight {
            class.weight = weight;
        }
        if let Some(fixed_count) = settings.fixed_count {
            class.fixed_count = fixed_count;
        }
        if let Some(names) = &settings.tasks {
            let all = self.all_tasks.clone().unwrap_or_else(|| self.root.clone());
            let (kept, unknown) = all.keep_named(names);
            if !unknown.is_empty() {
                return Err(format!(
                    "{} has no task named {} (its tasks: {})",
                    self.name,
                    unknown.join(", "),
                    all.task_names().join(", ")
                ));
            }
            class.root = kept;
            class.all_tasks = Some(all);
        }
        Ok(Arc::new(class))
    }
    fn start_user(
        self: Arc<Self>,
        id: u64,
        thread: &Rc<ThreadContext>,
    ) -> (Rc<UserControl>, LocalBoxFuture<'static, ()>) {
        let control = UserControl::new();
        let env_host = thread.env.host();
        let host = env_host.as_deref().or(self.host.as_deref());
        let client = HttpClient::new(host, self.client.clone(), thread.recorder.clone())
            .or_else(|_| HttpClient::new(None, self.client.clone(), thread.recorder.clone()))
            .expect("a client without a host can always be built");
        let user = User {
            client,
            state: (self.new_state)(),
            id,
            control: control.clone(),
            thread: thread.clone(),
        };
        (control, Box::pin(run_user(self, user)))
    }
}

/// How a task set's loop ended.
enum SetExit {
    StopUser,
    StopTest,
    Interrupt { reschedule: bool },
}

/// Runs one user: `on_start`, the task loop, then every `on_stop` (innermost task
/// set first, the user's last), whether it stopped by itself or was killed.
async fn run_user<S: 'static>(class: Arc<UserClass<S>>, mut user: User<S>) {
    let control = user.control.clone();
    let mut stop_test = false;
    let mut run_tasks = true;
    if let Some(on_start) = &class.root.on_start {
        match killable(&control, on_start.call(&mut user)).await {
            None | Some(Err(TaskError::StopUser)) => run_tasks = false,
            Some(Err(TaskError::StopTest)) => {
                run_tasks = false;
                stop_test = true;
            }
            Some(Err(TaskError::Failed(error))) => {
                // As Locust: the user dies, is not replaced, and its on_stop does not run.
                report_error(&user, &class.name, "on_start", &*error);
                control.finished.set(true);
                return;
            }
            Some(_) => {}
        }
    }
    let mut stack: Vec<Arc<TaskSet<S>>> = Vec::new();
    if run_tasks {
        let exit = killable(
            &control,
            run_set(&class.root, &mut user, &mut stack, &class, true),
        )
        .await;
        stop_test |= matches!(exit, Some(SetExit::StopTest));
    }
    // Task sets left on the stack are the ones the user was inside: stop them, innermost first.
    control.killed.set(false);
    while let Some(set) = stack.pop() {
        if let Some(on_stop) = &set.on_stop {
            run_stop_handler(
                &mut user,
                &class.name,
                &format!("{}.on_stop", set.name),
                on_stop,
            )
            .await;
        }
    }
    if let Some(on_stop) = &class.root.on_stop {
        run_stop_handler(&mut user, &class.name, "on_stop", on_stop).await;
    }
    if stop_test {
        user.thread.request_stop_test(&class.name);
    }
    control.finished.set(true);
}

async fn run_stop_handler<S: 'static>(
    user: &mut User<S>,
    class: &str,
    location: &str,
    handler: &Arc<dyn TaskFn<S>>,
) {
    if let Err(TaskError::Failed(error)) = handler.call(user).await {
        report_error(user, class, location, &*error);
    }
}

/// Records an error in user code: logged, added to the exceptions table, and
/// fired as `user_error`.
fn report_error<S>(
    user: &User<S>,
    class: &str,
    location: &str,
    error: &(dyn std::error::Error + Send + Sync),
) {
    let message = error.to_string();
    let mut traceback = format!("{class}.{location}: {message}");
    let mut source = error.source();
    while let Some(cause) = source {
        traceback.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    log::error!("{traceback}");
    let env = &user.thread.env;
    env.stats.log_exception(&message, &traceback, "local");
    env.events.user_error.fire(&UserError {
        user_class: class.to_string(),
        location: location.to_string(),
        message,
    });
}

/// How many tasks in a row run without a wait before the user yields to the
/// others on its thread (so a task that never awaits cannot starve the thread).
const YIELD_EVERY: u32 = 32;

fn run_set<'a, S: 'static>(
    set: &'a TaskSet<S>,
    user: &'a mut User<S>,
    stack: &'a mut Vec<Arc<TaskSet<S>>>,
    class: &'a UserClass<S>,
    is_root: bool,
) -> LocalBoxFuture<'a, SetExit> {
    Box::pin(async move {
        if set.picks.is_empty() {
            let error = format!(
                "No tasks defined on {}. Add tasks with .task() (or check --tags/--exclude-tags)",
                set.name
            );
            let error: Box<dyn std::error::Error + Send + Sync> = error.into();
            report_error(user, &class.name, "run", &*error);
            return SetExit::StopUser;
        }
        let wait = set.wait.as_ref().unwrap_or(&class.wait);
        let mut wait_state = WaitState::default();
        let mut next_in_sequence = 0usize;
        let mut without_yield = 0u32;
        loop {
            if user.control.stopping() {
                return SetExit::StopUser;
            }
            without_yield += 1;
            if without_yield >= YIELD_EVERY {
                without_yield = 0;
                tokio::task::yield_now().await;
            }
            let index = if set.sequential {
                let index = set.picks[next_in_sequence % set.picks.len()];
                next_in_sequence += 1;
                index
            } else {
                set.picks[rand::rng().random_range(0..set.picks.len())]
            };
            let entry = &set.tasks[index as usize];
            let result = match &entry.kind {
                TaskKind::Func(task) => {
                    if !user.thread.take_iteration() {
                        return SetExit::StopUser;
                    }
                    task.call(user).await
                }
                TaskKind::Set(child) => match run_child_set(child, user, stack, class).await {
                    Ok(()) => Ok(()),
                    Err(exit @ (SetExit::StopUser | SetExit::StopTest)) => return exit,
                    Err(SetExit::Interrupt { reschedule: true }) => {
                        Err(TaskError::RescheduleImmediately)
                    }
                    Err(SetExit::Interrupt { reschedule: false }) => Ok(()),
                },
            };
            match result {
                Ok(()) | Err(TaskError::Reschedule) => {}
                Err(TaskError::RescheduleImmediately) => continue,
                Err(TaskError::Interrupt { reschedule }) => {
                    if !is_root {
                        return SetExit::Interrupt { reschedule };
                    }
                    // Locust kills the user when a task outside any task set
                    // interrupts; locusta treats it as a reschedule instead.
                    if reschedule {
                        continue;
                    }
                }
                Err(TaskError::StopUser) => return SetExit::StopUser,
                Err(TaskError::StopTest) => return SetExit::StopTest,
                Err(TaskError::Failed(error)) => {
                    report_error(user, &class.name, &entry.name, &*error);
                }
            }
            if user.control.stopping() {
                return SetExit::StopUser;
            }
            let pause = wait.next(&mut wait_state);
            if !pause.is_zero() {
                without_yield = 0;
                user.control.set_state(UserState::Waiting);
                tokio::time::sleep(pause).await;
                user.control.set_state(UserState::Running);
            }
            if user.control.stopping() {
                return SetExit::StopUser;
            }
        }
    })
}

/// Enters a nested task set: its `on_start`, its loop, and on interrupt its
/// `on_stop`. `Ok` means its `on_start` skipped it without interrupting.
async fn run_child_set<S: 'static>(
    child: &Arc<TaskSet<S>>,
    user: &mut User<S>,
    stack: &mut Vec<Arc<TaskSet<S>>>,
    class: &UserClass<S>,
) -> Result<(), SetExit> {
    stack.push(child.clone());
    if let Some(on_start) = &child.on_start {
        match on_start.call(user).await {
            Ok(()) | Err(TaskError::Reschedule | TaskError::RescheduleImmediately) => {}
            Err(TaskError::Interrupt { reschedule }) => {
                // Interrupting from on_start skips the set without its on_stop.
                stack.pop();
                return Err(SetExit::Interrupt { reschedule });
            }
            Err(TaskError::StopUser) => return Err(SetExit::StopUser),
            Err(TaskError::StopTest) => return Err(SetExit::StopTest),
            Err(TaskError::Failed(error)) => {
                stack.pop();
                report_error(
                    user,
                    &class.name,
                    &format!("{}.on_start", child.name),
                    &*error,
                );
                return Ok(());
            }
        }
    }
    let exit = run_set(child, user, stack, class, false).await;
    if let SetExit::Interrupt { .. } = exit {
        stack.pop();
        if let Some(on_stop) = &child.on_stop {
            run_stop_handler(
                user,
                &class.name,
                &format!("{}.on_stop", child.name),
                on_stop,
            )
            .await;
        }
    }
    Err(exit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::task_name;

    async fn browse(_: &mut User<()>) {}

    #[test]
    fn task_names_come_from_the_function() {
        fn name_of<F>(_: &F) -> String {
            task_name::<F>()
        }
        assert_eq!(name_of(&browse), "browse");
    }
}

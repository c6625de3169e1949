//! [`UserClass<S>`]: a kind of Rust user, built the way a locustfile declares
//! a Locust `User` subclass: tasks (and task sets) with weights, a wait time,
//! `on_start`/`on_stop`, a weight or fixed count among classes, a host, HTTP
//! client settings, and the state `S` each user starts with.
//!
//! This file holds the builder and what the class says about itself
//! ([`UserDefinition`]); starting its users on a load thread is in
//! `spawner.rs`, and running one in `run.rs`. [`UserClass::boxed`] erases the
//! state type for the runner.

use std::sync::Arc;

use locusta_http::ClientConfig;

use super::{LocalSpawner, User, UserDefinition};
use crate::task::{IntoTaskResult, TaskRatio, TaskSet};
use crate::wait::WaitTime;

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
    pub(super) name: String,
    pub(super) weight: f64,
    pub(super) fixed_count: u64,
    pub(super) host: Option<String>,
    pub(super) wait: WaitTime,
    /// The user's own tasks; its `on_start`/`on_stop` are the user's.
    pub(super) root: TaskSet<S>,
    /// Every task `root` may hold, once a `tasks` setting kept only some.
    pub(super) all_tasks: Option<TaskSet<S>>,
    pub(super) new_state: Arc<dyn Fn() -> S + Send + Sync>,
    pub(super) client: Arc<ClientConfig>,
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
    fn with_weights(&self, weight: f64, fixed_count: u64) -> Arc<dyn UserDefinition> {
        let mut class = self.clone();
        class.weight = weight;
        class.fixed_count = fixed_count;
        Arc::new(class)
    }
    fn available_tasks(&self) -> Vec<String> {
        self.all_tasks.as_ref().unwrap_or(&self.root).task_names()
    }
    fn local_spawner(self: Arc<Self>) -> Option<Arc<dyn LocalSpawner>> {
        Some(self)
    }
}

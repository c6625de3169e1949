//! Tasks and task sets: what a user does, how a task is picked, and how a task
//! ends (Locust's `RescheduleTask`, `StopUser`, … become [`TaskError`] values).
//!
//! A task is any `async fn(&mut User<S>)` returning `()` or [`TaskResult`]
//! ([`TaskFn`]); a [`TaskSet`] groups tasks with their weights and tags, its
//! own wait time and `on_start`/`on_stop`, and may nest. A
//! [`UserClass`](crate::user::UserClass) holds a root task set; the loop in
//! `user/run.rs` picks from it. `--tags`/`--exclude-tags` ([`TagFilter`])
//! and the `tasks` setting prune copies of the set; [`TaskRatio`]s describe
//! it, and [`task_ratio_tree`] gives the whole tree of a run's classes that
//! `--show-task-ratio`, `GET /tasks` and the HTML report render.
//!
//! ```
//! use locusta_engine::prelude::*;
//!
//! async fn checkout(u: &mut User<()>) -> TaskResult {
//!     let r = u.client.post("/checkout").send().await;
//!     if r.status() == 409 {
//!         return Err(TaskError::Reschedule); // try again after the wait
//!     }
//!     Ok(())
//! }
//! let buying = TaskSet::<()>::new("Buying").task(1, checkout).tag("buy");
//! assert_eq!(buying.ratios()[0].name, "checkout");
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::user::{User, UserDefinition};
use crate::wait::WaitTime;

/// A boxed future that need not be `Send`: users live on one load thread.
pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// What a task returns. `Ok(())` is a normal end; see [`TaskError`] for the rest.
pub type TaskResult = Result<(), TaskError>;

/// The ways a task can end other than normally (Locust's exceptions).
pub enum TaskError {
    /// End the task; the wait still happens (`RescheduleTask`).
    Reschedule,
    /// End the task and start the next one without waiting (`RescheduleTaskImmediately`).
    RescheduleImmediately,
    /// Leave the current task set (`interrupt(reschedule)`): with `reschedule` the
    /// parent picks its next task at once, otherwise it waits first.
    Interrupt {
        /// Pick the next task without waiting.
        reschedule: bool,
    },
    /// End this user: task sets' and the user's `on_stop` run, it is not replaced.
    StopUser,
    /// Stop the whole test. (Locust only stops the user when this is raised in a
    /// task; locusta stops the test, as the name says.)
    StopTest,
    /// An error in user code: recorded as an exception, the user goes on after a wait.
    Failed(Box<dyn std::error::Error + Send + Sync>),
}

impl TaskError {
    /// A task failure with a message.
    pub fn fail(message: impl Into<String>) -> Self {
        TaskError::Failed(message.into().into())
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for TaskError {
    fn from(error: E) -> Self {
        TaskError::Failed(Box::new(error))
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Reschedule => f.write_str("RescheduleTask"),
            TaskError::RescheduleImmediately => f.write_str("RescheduleTaskImmediately"),
            TaskError::Interrupt { reschedule } => {
                write!(f, "InterruptTaskSet(reschedule={reschedule})")
            }
            TaskError::StopUser => f.write_str("StopUser"),
            TaskError::StopTest => f.write_str("StopTest"),
            TaskError::Failed(error) => write!(f, "{error}"),
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What a task function may return: nothing, or a [`TaskResult`].
pub trait IntoTaskResult {
    /// Converts into a [`TaskResult`].
    fn into_task_result(self) -> TaskResult;
}

impl IntoTaskResult for () {
    fn into_task_result(self) -> TaskResult {
        Ok(())
    }
}

impl IntoTaskResult for TaskResult {
    fn into_task_result(self) -> TaskResult {
        self
    }
}

/// A task: any `async fn(&mut User<S>)` (or async closure) returning `()` or
/// [`TaskResult`].
pub trait TaskFn<S>: Send + Sync + 'static {
    /// Runs the task for `user`.
    fn call<'a>(&'a self, user: &'a mut User<S>) -> LocalBoxFuture<'a, TaskResult>;
}

impl<S: 'static, F, R> TaskFn<S> for F
where
    F: AsyncFn(&mut User<S>) -> R + Send + Sync + 'static,
    R: IntoTaskResult,
{
    fn call<'a>(&'a self, user: &'a mut User<S>) -> LocalBoxFuture<'a, TaskResult> {
        Box::pin(async move { self(user).await.into_task_result() })
    }
}

/// The name of a task function: its item name, e.g. `browse` for `shop::browse`.
pub(crate) fn task_name<F>() -> String {
    let full = std::any::type_name::<F>();
    let without_closure = full.trim_end_matches("::{{closure}}");
    let name = without_closure
        .rsplit("::")
        .next()
        .unwrap_or(without_closure);
    if without_closure.len() != full.len() {
        format!("{name}::{{closure}}")
    } else {
        name.to_string()
    }
}

/// A task function or a nested task set.
pub(crate) enum TaskKind<S> {
    Func(Arc<dyn TaskFn<S>>),
    Set(Arc<TaskSet<S>>),
}

impl<S> Clone for TaskKind<S> {
    fn clone(&self) -> Self {
        match self {
            TaskKind::Func(f) => TaskKind::Func(f.clone()),
            TaskKind::Set(s) => TaskKind::Set(s.clone()),
        }
    }
}

/// One entry of a task list: a task with its weight and tags.
pub(crate) struct TaskEntry<S> {
    pub(crate) name: String,
    pub(crate) weight: u32,
    pub(crate) tags: Vec<String>,
    pub(crate) kind: TaskKind<S>,
}

impl<S> Clone for TaskEntry<S> {
    fn clone(&self) -> Self {
        TaskEntry {
            name: self.name.clone(),
            weight: self.weight,
            tags: self.tags.clone(),
            kind: self.kind.clone(),
        }
    }
}

/// A group of tasks with its own picking rule, wait time and `on_start`/`on_stop`
/// (Locust's `TaskSet` and `SequentialTaskSet`). Tasks of a set receive the same
/// `&mut User<S>` as the user's own tasks.
///
/// ```
/// use locusta_engine::prelude::*;
/// async fn list(u: &mut User<()>) { u.client.get("/products").send().await; }
/// async fn leave(_: &mut User<()>) -> TaskResult { Err(TaskError::Interrupt { reschedule: true }) }
/// let browse: TaskSet<()> = TaskSet::new("Browse").task(3, list).task(1, leave);
/// ```
pub struct TaskSet<S> {
    pub(crate) name: String,
    pub(crate) tasks: Vec<TaskEntry<S>>,
    pub(crate) sequential: bool,
    pub(crate) wait: Option<WaitTime>,
    pub(crate) on_start: Option<Arc<dyn TaskFn<S>>>,
    pub(crate) on_stop: Option<Arc<dyn TaskFn<S>>>,
    /// Each task's index repeated by its weight: a uniform pick from this list
    /// follows the weights (Locust's expanded task list).
    pub(crate) picks: Vec<u32>,
}

impl<S> Clone for TaskSet<S> {
    fn clone(&self) -> Self {
        TaskSet {
            name: self.name.clone(),
            tasks: self.tasks.clone(),
            sequential: self.sequential,
            wait: self.wait.clone(),
            on_start: self.on_start.clone(),
            on_stop: self.on_stop.clone(),
            picks: self.picks.clone(),
        }
    }
}

impl<S: 'static> TaskSet<S> {
    /// An empty task set.
    pub fn new(name: impl Into<String>) -> Self {
        TaskSet {
            name: name.into(),
            tasks: Vec::new(),
            sequential: false,
            wait: None,
            on_start: None,
            on_stop: None,
            picks: Vec::new(),
        }
    }

    /// Adds a task picked with probability proportional to `weight` (in a
    /// sequential set: run `weight` times in a row).
    pub fn task<R: IntoTaskResult>(
        mut self,
        weight: u32,
        task: impl AsyncFn(&mut User<S>) -> R + Send + Sync + 'static,
    ) -> Self {
        let name = task_name_of(&task);
        self.push(name, weight, TaskKind::Func(Arc::new(task)));
        self
    }

    /// Adds a nested task set; it runs until one of its tasks interrupts it.
    pub fn task_set(mut self, weight: u32, set: TaskSet<S>) -> Self {
        let name = set.name.clone();
        self.push(name, weight, TaskKind::Set(Arc::new(set)));
        self
    }

    /// Tags the task (or task set) added last; `--tags`/`--exclude-tags` select by tag.
    pub fn tag(mut self, tag: &str) -> Self {
        if let Some(last) = self.tasks.last_mut() {
            last.tags.push(tag.to_string());
        }
        self
    }

    /// Runs the tasks in declaration order, over and over (Locust's `SequentialTaskSet`).
    pub fn sequential(mut self) -> Self {
        self.sequential = true;
        self
    }

    /// This set's wait time (by default the user's).
    pub fn wait(mut self, wait: WaitTime) -> Self {
        self.wait = Some(wait);
        self
    }

    /// Runs when the set starts; returning `Interrupt` skips the set.
    pub fn on_start<R: IntoTaskResult>(
        mut self,
        f: impl AsyncFn(&mut User<S>) -> R + Send + Sync + 'static,
    ) -> Self {
        self.on_start = Some(Arc::new(f));
        self
    }

    /// Runs when the set is left (by interrupt, or because the user stops).
    pub fn on_stop<R: IntoTaskResult>(
        mut self,
        f: impl AsyncFn(&mut User<S>) -> R + Send + Sync + 'static,
    ) -> Self {
        self.on_stop = Some(Arc::new(f));
        self
    }

    fn push(&mut self, name: String, weight: u32, kind: TaskKind<S>) {
        let index = self.tasks.len() as u32;
        self.tasks.push(TaskEntry {
            name,
            weight,
            tags: Vec::new(),
            kind,
        });
        self.picks
            .extend(std::iter::repeat_n(index, weight as usize));
    }

    /// A copy holding only the tasks that pass the tag filter (recursively; tags of
    /// a set apply to all of its tasks; sets left empty are dropped).
    pub(crate) fn filtered(&self, filter: &TagFilter, inherited: &[String]) -> TaskSet<S> {
        let mut out = TaskSet {
            tasks: Vec::new(),
            picks: Vec::new(),
            ..self.clone()
        };
        for entry in &self.tasks {
            let mut tags: Vec<String> = inherited.to_vec();
            tags.extend(entry.tags.iter().cloned());
            let kept = match &entry.kind {
                TaskKind::Func(_) => filter.keeps(&tags).then(|| entry.kind.clone()),
                TaskKind::Set(set) => {
                    let inner = set.filtered(filter, &tags);
                    (!inner.tasks.is_empty()).then(|| TaskKind::Set(Arc::new(inner)))
                }
            };
            if let Some(kind) = kept {
                out.push_like(entry, kind);
            }
        }
        out
    }

    /// A copy holding only the tasks named in `names` (Locust's per-class
    /// `tasks` setting); the names of `names` that match no task are returned too.
    pub(crate) fn keep_named(&self, names: &[String]) -> (TaskSet<S>, Vec<String>) {
        let mut out = TaskSet {
            tasks: Vec::new(),
            picks: Vec::new(),
            ..self.clone()
        };
        for entry in self
            .tasks
            .iter()
            .filter(|entry| names.contains(&entry.name))
        {
            out.push_like(entry, entry.kind.clone());
        }
        let unknown = names
            .iter()
            .filter(|name| !self.tasks.iter().any(|entry| &entry.name == *name))
            .cloned()
            .collect();
        (out, unknown)
    }

    /// Adds a copy of `entry` (name, weight, tags) running `kind`.
    fn push_like(&mut self, entry: &TaskEntry<S>, kind: TaskKind<S>) {
        self.push(entry.name.clone(), entry.weight, kind);
        if let Some(last) = self.tasks.last_mut() {
            last.tags = entry.tags.clone();
        }
    }

    /// The names of this set's own tasks, in declaration order.
    pub(crate) fn task_names(&self) -> Vec<String> {
        self.tasks.iter().map(|entry| entry.name.clone()).collect()
    }

    /// Each task's share of this set's picks, recursively (for `--show-task-ratio`).
    pub fn ratios(&self) -> Vec<TaskRatio> {
        let total = self.picks.len().max(1) as f64;
        self.tasks
            .iter()
            .map(|entry| TaskRatio {
                name: entry.name.clone(),
                ratio: entry.weight as f64 / total,
                tasks: match &entry.kind {
                    TaskKind::Func(_) => Vec::new(),
                    TaskKind::Set(set) => set.ratios(),
                },
            })
            .collect()
    }
}

pub use locusta_stats::task_ratio::{ClassRatio, TaskRatio};

/// The task-ratio tree of `classes`: each class's share of the users and its
/// tasks' shares. A class's share is its share of the running users
/// (`running`, by class name) when any run, else its share of the weights.
pub fn task_ratio_tree(
    classes: &[Arc<dyn UserDefinition>],
    running: &BTreeMap<String, u64>,
) -> Vec<ClassRatio> {
    let live: u64 = classes
        .iter()
        .map(|c| running.get(c.name()).copied().unwrap_or(0))
        .sum();
    let total_weight: f64 = classes
        .iter()
        .map(|c| c.weight())
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    classes
        .iter()
        .map(|class| ClassRatio {
            name: class.name().to_string(),
            share: if live > 0 {
                running.get(class.name()).copied().unwrap_or(0) as f64 / live as f64
            } else {
                class.weight() / total_weight
            },
            tasks: class.task_ratios(),
        })
        .collect()
}

fn task_name_of<F>(_: &F) -> String {
    task_name::<F>()
}

/// `--tags` / `--exclude-tags`.
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    /// Keep tasks with at least one of these tags (all tasks when empty/None).
    pub tags: Option<Vec<String>>,
    /// Drop tasks with any of these tags (wins over `tags`).
    pub exclude_tags: Option<Vec<String>>,
}

impl TagFilter {
    /// Whether any filtering is asked for.
    pub fn is_active(&self) -> bool {
        self.tags.is_some() || self.exclude_tags.is_some()
    }

    fn keeps(&self, tags: &[String]) -> bool {
        if let Some(exclude) = &self.exclude_tags {
            if tags.iter().any(|t| exclude.contains(t)) {
                return false;
            }
        }
        match &self.tags {
            Some(wanted) => tags.iter().any(|t| wanted.contains(t)),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::task_name;
    use crate::user::User;

    async fn browse(_: &mut User<()>) {}

    #[test]
    fn task_names_come_from_the_function() {
        fn name_of<F>(_: &F) -> String {
            task_name::<F>()
        }
        assert_eq!(name_of(&browse), "browse");
    }
}

//! [`UserDefinition`]: a user class as the runner, the dispatcher and the
//! reports see it, whatever runs its users.
//!
//! It describes the class (name, weight, fixed count, host, tasks) and, for a
//! class whose users can run on the runner's load threads, hands out its
//! [`LocalSpawner`]. Two kinds of class implement it:
//!
//! * [`UserClass<S>`](super::UserClass), a Rust class: described from its
//!   builder, and its own local spawner;
//! * [`ClassDescriptor`], the plain description of a class (a class whose
//!   users a [`ClassRuntime`](crate::hosting::ClassRuntime) runs, Python's,
//!   or one only a master's workers run); it has no local spawner.
//!
//! [`UserDefinition::descriptor`] gives any class as a [`ClassDescriptor`],
//! the value the dispatcher, the web UI and the reports read.
//!
//! The runner holds each class in its seat (`runner/classes.rs`): local,
//! hosted or remote.
//!
//! ```
//! use locusta_engine::prelude::*;
//!
//! fn describe(classes: &[std::sync::Arc<dyn UserDefinition>]) -> Vec<String> {
//!     classes.iter().map(|c| format!("{} (weight {})", c.name(), c.weight())).collect()
//! }
//! let class = UserClass::<()>::new("A").weight(2.0).task(1, async |_: &mut User<()>| {});
//! assert_eq!(describe(&[class.boxed()]), ["A (weight 2)"]);
//! ```

use std::sync::Arc;

use super::LocalSpawner;
use crate::class_descriptor::ClassDescriptor;
use crate::task::TaskRatio;

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
    /// The same class with another weight and fixed count (`--equal-weights`, shapes).
    fn with_weights(&self, weight: f64, fixed_count: u64) -> Arc<dyn UserDefinition>;
    /// Every task a `tasks` setting may keep (the class's own, by name).
    fn available_tasks(&self) -> Vec<String>;
    /// The side of this class that runs its users on a load thread, if it
    /// has one (a Rust class does; a hosted class does not).
    #[doc(hidden)]
    fn local_spawner(self: Arc<Self>) -> Option<Arc<dyn LocalSpawner>> {
        None
    }
    /// The class as data (name, weight, fixed count, host, tasks).
    fn descriptor(&self) -> ClassDescriptor {
        ClassDescriptor {
            name: self.name().to_string(),
            weight: self.weight(),
            fixed_count: self.fixed_count(),
            host: self.host().map(str::to_string),
            task_ratios: self.task_ratios(),
            available_tasks: self.available_tasks(),
        }
    }
}

/// A bare description runs nowhere by itself: the runner seats it with a
/// [`ClassRuntime`](crate::hosting::ClassRuntime), or on a master's workers.
impl UserDefinition for ClassDescriptor {
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
        Arc::new(ClassDescriptor {
            weight,
            fixed_count,
            ..self.clone()
        })
    }
    fn available_tasks(&self) -> Vec<String> {
        self.available_tasks.clone()
    }
    fn descriptor(&self) -> ClassDescriptor {
        self.clone()
    }
}

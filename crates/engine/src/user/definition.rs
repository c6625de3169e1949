//! [`UserDefinition`]: a user class as the runner, the dispatcher and the
//! reports see it, whatever runs its users.
//!
//! It describes the class (name, weight, fixed count, host, tasks) and, for a
//! class whose users can run on the runner's load threads, hands out its
//! [`LocalSpawner`]. Two kinds of class implement it:
//!
//! * [`UserClass<S>`](super::UserClass), a Rust class: described from its
//!   builder, and its own local spawner;
//! * [`HostedClass`](crate::host::HostedClass), a plain description of a
//!   class whose users a [`UserHost`](crate::host::UserHost) runs (Python);
//!   it has no local spawner.
//!
//! The runner sorts every class it is given into one of these two seats once,
//! when it is built (`runner/classes.rs`).
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
}

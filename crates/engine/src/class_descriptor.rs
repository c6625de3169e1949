//! [`ClassDescriptor`]: a user class as data — its name, weight, fixed
//! count, host and tasks — the one description every part of locusta passes
//! around, whatever runs the class's users.
//!
//! * The dispatcher (`dispatch.rs`) places users by name, weight and fixed
//!   count.
//! * The runner reports its classes with it
//!   ([`Runner::class_descriptors`](crate::runner::Runner::class_descriptors)):
//!   the web UI's class settings dialog, the reports.
//! * A class whose users a [`ClassRuntime`](crate::hosting::ClassRuntime)
//!   runs (Python) reaches the runner as one: the Python side writes it as
//!   JSON (`locust.main._describe`), read with serde.
//!
//! What only one part needs stays beside it, not in it: a Rust class's
//! tasks and spawner are in its [`UserClass`](crate::user::UserClass), a
//! Python class's "needs a host" flag in `locusta-python`.
//!
//! ```
//! use locusta_engine::class_descriptor::ClassDescriptor;
//!
//! let admin = ClassDescriptor::fixed("Admin", 2);
//! let buyer = ClassDescriptor::weighted("Buyer", 3.0);
//! assert!(admin.gets_users() && buyer.gets_users());
//! assert!(!ClassDescriptor::weighted("Idle", 0.0).gets_users());
//! ```

use serde::Deserialize;

pub use locusta_stats::task_ratio::TaskRatio;

/// A user class as data: what the runner, the dispatcher, the web UI and
/// the reports know of it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClassDescriptor {
    /// Class name; it names the class everywhere (dispatch maps, settings,
    /// statistics of users).
    pub name: String,
    /// Weight among weighted classes (ignored when `fixed_count` is not 0).
    pub weight: f64,
    /// Exact number of users, dispatched before weighted users; 0 = weighted.
    pub fixed_count: u64,
    /// The class's own host, when it has one (`--host` overrides it).
    #[serde(default)]
    pub host: Option<String>,
    /// The tasks that run now, with their shares (after tag filtering and
    /// a `tasks` setting).
    #[serde(default)]
    pub task_ratios: Vec<TaskRatio>,
    /// Every task a `tasks` setting may keep, by name.
    #[serde(default)]
    pub available_tasks: Vec<String>,
}

impl ClassDescriptor {
    /// A weighted class with no host and no tasks (what dispatch needs).
    pub fn weighted(name: &str, weight: f64) -> Self {
        ClassDescriptor {
            name: name.to_owned(),
            weight,
            fixed_count: 0,
            host: None,
            task_ratios: Vec::new(),
            available_tasks: Vec::new(),
        }
    }

    /// A class with a fixed user count, no host and no tasks.
    pub fn fixed(name: &str, fixed_count: u64) -> Self {
        ClassDescriptor {
            fixed_count,
            ..Self::weighted(name, 1.0)
        }
    }

    /// Whether a ramp gives this class users: a weight above 0 or a fixed
    /// count.
    pub fn gets_users(&self) -> bool {
        self.weight > 0.0 || self.fixed_count > 0
    }

    /// The names of the tasks that run now.
    pub fn task_names(&self) -> Vec<String> {
        self.task_ratios
            .iter()
            .map(|task| task.name.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_json_the_python_side_writes() {
        // As `locust.main._describe` writes it (its `needs_host` is read
        // beside this, in locusta-python).
        let json = r#"{"name": "Shopper", "weight": 3.0, "fixed_count": 0,
            "host": null, "needs_host": true, "available_tasks": ["browse", "Cart"],
            "task_ratios": [{"name": "browse", "ratio": 0.75, "tasks": []},
                            {"name": "Cart", "ratio": 0.25,
                             "tasks": [{"name": "add", "ratio": 1.0, "tasks": []}]}]}"#;
        let class: ClassDescriptor = serde_json::from_str(json).expect("a descriptor");
        assert_eq!(
            (class.name.as_str(), class.weight, class.host.as_deref()),
            ("Shopper", 3.0, None)
        );
        assert_eq!(class.task_names(), ["browse", "Cart"]);
        assert_eq!(class.task_ratios[1].tasks[0].name, "add");
        assert!(class.gets_users());
    }
}

//! The task-ratio tree: each user class's share of the users and, under it,
//! each task's share of its class (or of its enclosing task set).
//!
//! One tree, computed once by `locusta_engine::task::task_ratio_tree` from the
//! user classes, and rendered by each output that shows it:
//! `--show-task-ratio` (text, `locusta`'s `task_ratio.rs`),
//! `--show-task-ratio-json` and the web UI's `GET /tasks` (JSON,
//! `locusta-web`'s `tasks.rs`), and the HTML report's task-ratio section
//! ([`crate::html`]). It lives here, in the lowest crate, because the HTML
//! report renders it.

/// A task's share of its parent's picks, with the shares inside it if it is a set.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct TaskRatio {
    /// Task (function or set) name.
    pub name: String,
    /// Fraction of the parent's picks.
    pub ratio: f64,
    /// For a task set, its own tasks.
    pub tasks: Vec<TaskRatio>,
}

/// A user class's share of the users, with its tasks' shares.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassRatio {
    /// Class name.
    pub name: String,
    /// The class's share (0..=1) of the users.
    pub share: f64,
    /// Its tasks, each with its share of the class's picks.
    pub tasks: Vec<TaskRatio>,
}

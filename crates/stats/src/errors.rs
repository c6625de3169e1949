//! Request failures grouped by (method, name, error), and task exceptions.

use std::collections::BTreeSet;

/// One group of failed requests.
#[derive(Debug, Clone)]
pub struct ErrorEntry {
    /// Request method.
    pub method: String,
    /// Request name.
    pub name: String,
    /// The error message that groups these failures.
    pub error: String,
    /// How many failures.
    pub occurrences: u64,
    /// First occurrence, epoch seconds.
    pub first_seen: f64,
    /// Last occurrence, epoch seconds.
    pub last_seen: f64,
}

/// One group of task exceptions (errors raised by user code, not request failures).
#[derive(Debug, Clone)]
pub struct ExceptionEntry {
    /// How many times.
    pub count: u64,
    /// The message.
    pub msg: String,
    /// Where it happened (a traceback, or the task path for Rust users).
    pub traceback: String,
    /// The nodes that saw it ("local", or worker ids).
    pub nodes: BTreeSet<String>,
}

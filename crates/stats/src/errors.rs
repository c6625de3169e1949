//! Request failures grouped by (method, name, error), and task exceptions.

use std::borrow::Cow;
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

impl ErrorEntry {
    /// The error report's text for this group, as Locust's `StatsError.to_name`:
    /// `"{method} {name}: {error}"`, a `CatchResponseError(…)` wrapper removed.
    pub fn display_name(&self) -> String {
        let error = self
            .error
            .strip_prefix("CatchResponseError(")
            .map(|rest| rest.strip_suffix(')').unwrap_or(rest))
            .unwrap_or(&self.error);
        format!("{} {}: {}", self.method, self.name, error)
    }
}

/// Normalises an error message like Locust's `StatsError.parse_error`: the hex
/// address in each `object at 0x…` becomes `0x....`, so that errors differing
/// only by an object address group together. Borrows when nothing changes.
pub fn normalize_error(error: &str) -> Cow<'_, str> {
    const TARGET: &str = "object at 0x";
    if !error.contains(TARGET) {
        return Cow::Borrowed(error);
    }
    let mut out = String::with_capacity(error.len());
    let mut rest = error;
    while let Some(pos) = rest.find(TARGET) {
        let after = pos + TARGET.len();
        let digits = rest[after..]
            .bytes()
            .take_while(u8::is_ascii_hexdigit)
            .count();
        out.push_str(&rest[..after]);
        if digits > 0 {
            out.push_str("....");
        }
        rest = &rest[after + digits..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

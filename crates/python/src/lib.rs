//! Python locustfiles for locusta.
//!
//! [`load`] starts the Python thread: CPython with gevent (the user's own
//! interpreter when locusta runs from the wheel, else one embedded here; see
//! [`home`]), where a `locust` compatibility package (written for locusta,
//! placed in `sys.modules` before the locustfile is imported, see [`package`])
//! and the native module `locusta._native` live. Users run as greenlets on that thread; the engine's runner
//! decides how many of each class run, through the
//! [`ClassRuntime`](locusta_engine::hosting::ClassRuntime) seam, exactly
//! as for Rust users. Requests go to an I/O thread that runs locusta's Rust
//! HTTP client; completions come back in batches through one eventfd the
//! gevent hub watches, so Rust threads never take the GIL.
//!
//! Where each part lives: `loading` (a locustfile run's Python thread,
//! from import to hub), `script` (a Python script run instead),
//! `runtime` (how the engine reaches Python users, shapes and events),
//! `native` (what Python calls into), `mailbox` and `io` (the queue
//! to the hub and the thread that sends requests).

mod described;
mod home;
mod hub_health;
mod io;
mod loading;
mod mailbox;
mod native;
pub mod options;
mod package;
mod runtime;
mod script;
mod script_cluster;
mod script_web;
mod stall;
mod streaming;
mod wsgi;

pub use home::{exit, serve_here, PythonThreadError};
pub use loading::{load, start, LoadError};
pub use native::populate;
pub use native::state::ShareError;
pub use package::InstallError;
pub use runtime::attach;
pub use script::run_script;
pub use stall::stop_waiting_at;
pub use wsgi::extension as web_extension;

use std::path::PathBuf;

use locusta_engine::runner::SeatedClass;
use locusta_engine::shape::NamedShape;
use pyo3::prelude::*;

/// What a locustfile run needs from the command line.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The locustfiles (Locust's `-f a.py,b.py` or a directory, expanded).
    pub locustfiles: Vec<PathBuf>,
    /// `--host`.
    pub host: Option<String>,
    /// `-T/--tags`.
    pub tags: Option<Vec<String>>,
    /// `-E/--exclude-tags`.
    pub exclude_tags: Option<Vec<String>>,
    /// Every option, as `environment.parsed_options` shows them.
    pub parsed_options: serde_json::Value,
}

/// A loaded locustfile: its user classes and its shapes.
pub struct Locustfile {
    /// The user classes found in the file, each seated with the Python
    /// runtime that runs its users on the Python thread.
    pub classes: Vec<SeatedClass>,
    /// The file's `LoadTestShape` subclasses, in definition order.
    pub shapes: Vec<NamedShape>,
    /// The classes that need no host (`User` subclasses that are not HTTP users).
    pub hostless: Vec<String>,
}

/// A Python exception as text: its traceback when it has one.
pub(crate) fn describe(py: Python<'_>, error: &PyErr) -> String {
    let formatted = py.import("traceback").and_then(|tb| {
        tb.call_method1(
            "format_exception",
            (error.get_type(py), error.value(py), error.traceback(py)),
        )
    });
    match formatted.and_then(|lines| lines.extract::<Vec<String>>()) {
        Ok(lines) => lines.concat().trim_end().to_string(),
        Err(_) => error.to_string(),
    }
}

//! The contract between whatever describes the users and the run: a
//! [`Program`] (user classes with their seats, shapes, hooks) and [`Fatal`] (a
//! start-up problem and its exit code).
//!
//! A Rust program builds its `Program` with [`crate::Locusta`]; a locustfile
//! loader ([`crate::loader::LocustfileLoader`], e.g. Python's) returns one for
//! `-f FILE`, and the run adds it to the program's own
//! (`Program::extend`) before anything is checked. Every step of a run's
//! start-up reports its problems as a `Fatal`, which [`super::run`] logs
//! before the process exits with its code.
//!
//! This module depends on neither the loaders nor the rest of the run, so the
//! loaders can import it without importing the run back.

use std::sync::Arc;

use locusta_engine::options::CustomOption;
use locusta_engine::runner::{Runner, SeatedClass};
use locusta_engine::shape::NamedShape;
use locusta_engine::Environment;
use locusta_web::WebExtension;

/// A function run with the environment before the test starts.
pub type Setup = Box<dyn FnOnce(&Environment)>;

/// What the program registered: user classes, load shapes, and a hook to
/// add event listeners once the environment exists.
pub struct Program {
    /// The user classes, each with who runs its users: the load threads
    /// (Rust classes) or a class runtime (a locustfile's, Python's).
    pub classes: Vec<SeatedClass>,
    /// The load shapes, the one in use first.
    pub shapes: Vec<NamedShape>,
    /// Called with the environment before the test starts.
    pub setup: Vec<Setup>,
    /// The custom options the program declared (their values are in the options).
    pub custom_options: Vec<CustomOption>,
    /// Called with the runner once it exists, before `init` fires.
    pub on_runner: Vec<OnRunner>,
    /// Classes whose users need no host (Python `User` subclasses without an
    /// HTTP client of their own).
    pub hostless: Vec<String>,
    /// Routes the program adds to the web UI (a Python locustfile's Flask app).
    pub web_extension: Option<Arc<dyn WebExtension>>,
    /// Thresholds the program declares ([`crate::Locusta::threshold`]),
    /// judged after those of the options.
    pub thresholds: Vec<String>,
}

impl Program {
    /// Adds what a loader found to this program.
    pub(super) fn extend(&mut self, loaded: Program) {
        self.classes.extend(loaded.classes);
        if !loaded.shapes.is_empty() {
            self.shapes = loaded.shapes;
        }
        self.setup.extend(loaded.setup);
        self.custom_options.extend(loaded.custom_options);
        self.on_runner.extend(loaded.on_runner);
        self.hostless.extend(loaded.hostless);
        if loaded.web_extension.is_some() {
            self.web_extension = loaded.web_extension;
        }
        self.thresholds.extend(loaded.thresholds);
    }
}

/// A function run with the runner once it exists, before `init` fires.
pub type OnRunner = Box<dyn FnOnce(&Arc<Runner>)>;

/// A startup problem: printed, then the process exits with `code`.
pub struct Fatal {
    /// The message.
    pub message: String,
    /// The exit code (Locust uses 1 for startup errors).
    pub code: i32,
}

impl Fatal {
    /// A startup problem (exit code 1): a message, or a typed error from
    /// another crate, told as its `Display` says.
    pub fn startup(message: impl std::fmt::Display) -> Self {
        Fatal {
            message: message.to_string(),
            code: 1,
        }
    }
}

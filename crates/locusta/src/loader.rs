//! Locustfile loaders: how `-f FILE` becomes user classes when the file is not
//! Rust code. The `locusta` binary registers the Python loader (feature
//! `python`); a Rust program that describes its users in code needs none.

use crate::app::{Fatal, Program};
use crate::cli::Options;

/// Turns a `-f` file into a [`Program`] (user classes, shape, a user host).
pub trait LocustfileLoader {
    /// Whether this loader reads `locustfile` (e.g. by its extension).
    fn handles(&self, locustfile: &str) -> bool;
    /// Loads the file. Errors are messages for the user (exit code 1).
    fn load(&self, locustfile: &str, options: &Options) -> Result<Program, Fatal>;
}

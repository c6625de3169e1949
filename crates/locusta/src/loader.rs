//! Locustfile loaders: how `-f FILE` becomes user classes when the file is not
//! Rust code. The `locusta` binary registers the Python loader (feature
//! `python`); a Rust program that describes its users in code needs none.

use std::ffi::OsString;

use locusta_engine::options::CustomOption;

use crate::app::program::{Fatal, Program};
use crate::cli::Options;

/// Turns a `-f` file into a [`Program`] (user classes seated with their runtime, shapes).
pub trait LocustfileLoader {
    /// Whether this loader reads `locustfile` (e.g. by its extension).
    fn handles(&self, locustfile: &str) -> bool;
    /// Reads the file before the command line is parsed (Python's
    /// `init_command_line_parser`) and returns the custom options it declares.
    fn declare(&self, _locustfile: &str) -> Result<Vec<CustomOption>, Fatal> {
        Ok(Vec::new())
    }
    /// Loads the file. Errors are messages for the user (exit code 1).
    fn load(&self, locustfile: &str, options: &Options) -> Result<Program, Fatal>;
    /// Runs `FILE [ARGS…]` as a script (`locusta --python FILE [ARGS…]`) and
    /// returns its exit code, if this loader runs scripts.
    fn run_script(&self, _script: &[OsString]) -> Option<i32> {
        None
    }
}

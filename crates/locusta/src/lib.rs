//! locusta: Locust, rebuilt in Rust.
//!
//! A Rust program describes its users with [`UserClass`] (tasks, weights, wait
//! times, `on_start`/`on_stop`, task sets) and hands them to [`Locusta`], which
//! gives it Locust's whole command line, console output and exit codes.
//!
//! ```no_run
//! use locusta::prelude::*;
//!
//! async fn index(u: &mut User<()>) {
//!     u.client.get("/").send().await;
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     Locusta::new()
//!         .user(UserClass::<()>::new("Visitor").wait(between(1.0, 2.0)).task(1, index))
//!         .main()
//! }
//! ```

pub mod app;
pub mod cli;
pub mod config;
pub mod loader;
pub mod logging;
pub mod outputs;
#[cfg(feature = "python")]
pub mod python;
pub mod task_ratio;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

pub use locusta_engine::{
    dispatch, events, options, runner, shape, task, timespan, usage, user, wait, Environment,
};
pub use locusta_http as http;
pub use locusta_stats as stats;

/// Everything a test program needs: `use locusta::prelude::*;`.
pub mod prelude {
    pub use crate::Locusta;
    pub use locusta_engine::prelude::*;
}

use locusta_engine::options::CustomOption;
use locusta_engine::shape::LoadShape;
use locusta_engine::user::{UserClass, UserDefinition};

/// A test program: its user classes, optional load shape and event listeners.
#[derive(Default)]
pub struct Locusta {
    classes: Vec<Arc<dyn UserDefinition>>,
    shape: Option<Box<dyn LoadShape>>,
    setup: Vec<app::Setup>,
    loaders: Vec<Box<dyn loader::LocustfileLoader>>,
    custom_options: Vec<CustomOption>,
}

impl Locusta {
    /// A program with no users yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a user class.
    pub fn user<S: 'static>(mut self, class: UserClass<S>) -> Self {
        self.classes.push(class.boxed());
        self
    }

    /// Uses a load shape instead of `-u`/`-r`.
    pub fn shape(mut self, shape: impl LoadShape + 'static) -> Self {
        self.shape = Some(Box::new(shape));
        self
    }

    /// Runs `f` with the environment before the test starts: the place to add
    /// event listeners (`env.events.test_start.add_listener(…)`).
    pub fn setup(mut self, f: impl FnOnce(&Environment) + 'static) -> Self {
        self.setup.push(Box::new(f));
        self
    }

    /// Lets `-f FILE` load users from files this loader handles (the
    /// `locusta` binary registers the Python loader).
    pub fn loader(mut self, loader: impl loader::LocustfileLoader + 'static) -> Self {
        self.loaders.push(Box::new(loader));
        self
    }

    /// Declares a custom option: it gets a `--name` on the command line (and
    /// in `--help`), a key in configuration files, its environment variable if
    /// it names one, and a field in the web UI's start form. User code reads
    /// its value with `env.option("name")` (e.g. `u.environment().option(…)`).
    pub fn option(mut self, option: CustomOption) -> Self {
        self.custom_options.push(option);
        self
    }

    /// Parses this process's command line, runs the test, and returns the exit code.
    pub fn main(self) -> ExitCode {
        let code = self.run_with_args(std::env::args_os());
        ExitCode::from(u8::try_from(code).unwrap_or(if code < 0 { 255 } else { 1 }))
    }

    /// Runs with the given command line (the first item is the program name) and
    /// returns the exit code. The options come from the command line, `LOCUST_*`
    /// environment variables and the configuration files of the current
    /// directory, `$HOME` and `--config` ([`config::parse`]). Command-line errors
    /// print clap's message and give 2; configuration file errors and the checks
    /// of [`cli::Options::validate`] print their message and give 1.
    pub fn run_with_args<I, T>(self, args: I) -> i32
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let env: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .filter(|(name, _)| {
                name.starts_with("LOCUST")
                    || self
                        .custom_options
                        .iter()
                        .any(|o| o.env.as_deref() == Some(name.as_str()))
            })
            .collect();
        if let Err(message) = cli::check_custom_options(&self.custom_options) {
            eprintln!("{message}");
            return 1;
        }
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let home = std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from);
        let options =
            match config::parse_with(args, &env, &cwd, home.as_deref(), &self.custom_options) {
                Ok(options) => options,
                Err(error) => {
                    error.print();
                    return error.exit_code();
                }
            };
        if let Err(message) = options.validate() {
            eprintln!("{message}");
            return 1;
        }
        app::run(
            options,
            app::Program {
                classes: self.classes,
                shape: self.shape,
                setup: self.setup,
                loaders: self.loaders,
                user_host: None,
                on_runner: Vec::new(),
                hostless: Vec::new(),
                custom_options: self.custom_options,
            },
        )
    }
}

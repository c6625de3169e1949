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
#[doc(hidden)]
pub mod fuzzing;
pub mod loader;
pub mod logging;
pub mod option_values;
pub mod outputs;
pub mod processes;
#[cfg(feature = "python")]
pub mod python;
mod remote_locustfile;
pub mod stdout;
mod suggest;
pub mod task_ratio;
pub mod thresholds;
pub mod watchdog;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub use locusta_engine::{
    class_descriptor, dispatch, events, options, runner, shape, task, timespan, usage, user, wait,
    Environment,
};
pub use locusta_http as http;
pub use locusta_stats as stats;

/// Everything a test program needs: `use locusta::prelude::*;`.
pub mod prelude {
    pub use crate::Locusta;
    pub use locusta_engine::prelude::*;
}

use locusta_engine::options::CustomOption;
use locusta_engine::runner::SeatedClass;
use locusta_engine::shape::{LoadShape, NamedShape};
use locusta_engine::user::UserClass;

/// A test program: its user classes, optional load shape and event listeners.
#[derive(Default)]
pub struct Locusta {
    classes: Vec<SeatedClass>,
    shapes: Vec<NamedShape>,
    setup: Vec<app::program::Setup>,
    loaders: Vec<Box<dyn loader::LocustfileLoader>>,
    custom_options: Vec<CustomOption>,
    relaunch: Option<processes::Relaunch>,
    thresholds: Vec<String>,
}

impl Locusta {
    /// A program with no users yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a user class.
    pub fn user<S: 'static>(mut self, class: UserClass<S>) -> Self {
        self.classes.push(SeatedClass::Local(class.boxed()));
        self
    }

    /// Uses a load shape instead of `-u`/`-r` (the first one given; the web
    /// UI's class picker can choose another, by its type's name, or none).
    pub fn shape<T: LoadShape + 'static>(mut self, shape: T) -> Self {
        self.shapes.push(NamedShape::of(shape));
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

    /// Declares a threshold the test must meet, in the grammar of
    /// `--threshold` (`docs/thresholds.md`): `"p95 < 300ms"`,
    /// `"fail_ratio{name:/cart} < 1% over 30s abort"`. Judged with those of
    /// the command line and configuration files; a malformed one ends the
    /// run before it starts, with a message naming the bad part.
    pub fn threshold(mut self, expression: impl Into<String>) -> Self {
        self.thresholds.push(expression.into());
        self
    }

    /// How `--processes` starts copies of this program, when not by running
    /// this executable again (the wheel: `python -m locusta`).
    pub fn relaunch(mut self, relaunch: processes::Relaunch) -> Self {
        self.relaunch = Some(relaunch);
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
    pub fn run_with_args<I, T>(mut self, args: I) -> i32
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        processes::remember(self.relaunch.take(), &args);
        if let Some(script) = script_arguments(&args) {
            // Only the `locusta` binary's loader runs scripts: a Rust program
            // never links the Python interpreter through this.
            return self
                .loaders
                .iter()
                .find_map(|loader| loader.run_script(&script))
                .unwrap_or_else(|| {
                    eprintln!("--python runs Python scripts: use the locusta command");
                    2
                });
        }
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let home = std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from);
        // As Locust: a locustfile is read before the command line is parsed,
        // so the options it declares are known to the parser (and to --help).
        let mut default_locustfile = None;
        let mut locustfile = locustfile_hint(&args, &cwd, home.as_deref()).or_else(|| {
            // Locust's default: ./locustfile.py, when nothing else gives users.
            let usable = self.classes.is_empty() && !self.loaders.is_empty();
            let found = usable && cwd.join(DEFAULT_LOCUSTFILE).is_file();
            default_locustfile = found.then(|| DEFAULT_LOCUSTFILE.to_string());
            default_locustfile.clone()
        });
        // Kept until the run ends: the folder of fetched files goes with it.
        let mut fetched = None;
        if locustfile.as_deref() == Some("-") {
            match remote_locustfile::fetch(&args) {
                Ok(files) => {
                    locustfile = Some(files.locustfile.clone());
                    fetched = Some(files);
                }
                Err(message) => {
                    eprintln!("{message}");
                    return 1;
                }
            }
        }
        if let Some(file) = &locustfile {
            if let Some(loader) = self.loaders.iter().find(|loader| loader.handles(file)) {
                match loader.declare(file) {
                    Ok(declared) => self.custom_options.extend(declared),
                    Err(fatal) => {
                        eprintln!("{}", fatal.message);
                        return fatal.code;
                    }
                }
            }
        }
        let ours = |name: &str| {
            name.starts_with("LOCUST")
                || self
                    .custom_options
                    .iter()
                    .any(|o| o.env.as_deref() == Some(name))
        };
        let mut env: HashMap<String, String> = HashMap::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str().filter(|name| ours(name)) else {
                continue;
            };
            match value.into_string() {
                Ok(value) => {
                    env.insert(name.to_string(), value);
                }
                Err(value) => {
                    eprintln!(
                        "error: the environment variable {name} is not valid UTF-8: {}",
                        value.to_string_lossy()
                    );
                    return 2;
                }
            }
        }
        if let Err(message) = cli::check_custom_options(&self.custom_options) {
            eprintln!("{message}");
            return 1;
        }
        let mut options =
            match config::parse_with(args, &env, &cwd, home.as_deref(), &self.custom_options) {
                Ok(options) => options,
                Err(error) => {
                    if let Err(message) = error.print() {
                        eprintln!("{message}");
                        return 1;
                    }
                    return error.exit_code();
                }
            };
        processes::take_child_role(&mut options);
        if let Err(message) = options.validate() {
            eprintln!("{message}");
            return 1;
        }
        if options.locustfile.is_none() {
            options.locustfile = default_locustfile;
        }
        if let Some(files) = &fetched {
            options.locustfile = Some(files.locustfile.clone());
        }
        app::run(
            options,
            app::program::Program {
                classes: self.classes,
                shapes: self.shapes,
                setup: self.setup,
                on_runner: Vec::new(),
                hostless: Vec::new(),
                web_extension: None,
                custom_options: self.custom_options,
                thresholds: self.thresholds,
            },
            self.loaders,
        )
    }
}

/// The locustfile Locust looks for when `-f` is not given.
const DEFAULT_LOCUSTFILE: &str = "locustfile.py";

/// The `-f/--locustfile` value before the full parse (the locustfile's own
/// options are not known yet): from the command line, `LOCUST_LOCUSTFILE`, or
/// the configuration files (strongest first).
fn locustfile_hint(args: &[OsString], cwd: &Path, home: Option<&Path>) -> Option<String> {
    let mut locustfile = None;
    let mut config = None;
    let mut words = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(word) = words.next() {
        match word {
            "--" => break,
            "-f" | "--locustfile" => locustfile = words.next().map(str::to_string),
            "--config" => config = words.next().map(str::to_string),
            _ => {
                if let Some(value) = word.strip_prefix("--locustfile=") {
                    locustfile = Some(value.to_string());
                } else if let Some(value) = word.strip_prefix("--config=") {
                    config = Some(value.to_string());
                } else if let Some(value) = word.strip_prefix("-f").filter(|v| !v.is_empty()) {
                    locustfile = Some(value.trim_start_matches('=').to_string());
                }
            }
        }
    }
    if locustfile.is_some() {
        return locustfile;
    }
    if let Ok(value) = std::env::var("LOCUST_LOCUSTFILE") {
        return Some(value);
    }
    // Errors in the files are reported by the full parse.
    let files = config::load(cwd, home, config.as_deref().map(Path::new)).ok()?;
    files
        .iter()
        .rev()
        .find_map(|file| match &file.get("locustfile")?.value {
            config::Value::Text(text) => Some(text.clone()),
            config::Value::List(values) => Some(values.join(",")),
        })
}

/// What follows `--python` when it is the first argument (`--python FILE …`
/// or `--python=FILE …`): the script and its arguments.
fn script_arguments(args: &[OsString]) -> Option<Vec<OsString>> {
    let first = args.get(1)?.to_str()?;
    if first == "--python" {
        return Some(args[2..].to_vec());
    }
    let file = first.strip_prefix("--python=")?;
    Some(
        std::iter::once(OsString::from(file))
            .chain(args[2..].iter().cloned())
            .collect(),
    )
}

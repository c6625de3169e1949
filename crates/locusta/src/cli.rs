//! The command line: Locust's options with their long names, short forms,
//! defaults, `LOCUST_*` environment variables and help groups (those of
//! `locust --help`; `docs/compatibility.md`, "Options and configuration").
//!
//! [`Options`] is a clap parser, but a real run goes through
//! [`crate::config::parse`], which also applies environment variables and
//! configuration files with Locust's precedence. The environment variable of
//! each option is declared here (`env = …`) and read by [`crate::config`], not
//! by clap, so that the precedence logic can be tested with explicit maps;
//! like Locust's, the help does not list them.

use std::collections::BTreeMap;
use std::time::Duration;

use clap::{Arg, ArgAction, CommandFactory, Parser};
use locusta_engine::options::{CustomOption, OptionKind, OptionValue};

use crate::option_values::{
    expect_workers, log_level, positive_users, spawn_rate, tag_list, timespan, user_config,
};

const EXAMPLES: &str = "\
Examples:
  locusta -H https://www.example.com
      test www.example.com, controlled from the web UI
  locusta --headless -u 100 -t 20m MyHttpUser AnotherUser
      no web UI: 100 users of two classes for 20 minutes
  locusta --headless -u 100 -r 10 -t 5m --print-stats --html \"report_{u}_{r}_{t}.html\"
      also writes report_100_10_300.html ({u} users, {r} spawn rate, {t} run time in seconds)

Settings come from, highest priority first: the command line, LOCUST_* environment
variables, the file named by --config, ./pyproject.toml ([tool.locust]), ./locust.conf
and ~/.locust.conf.";

/// Every option of a run.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "locusta",
    version,
    about = "locusta: load testing with users written in code, Locust-compatible command line.",
    override_usage = "locusta [options] [UserClass ...]",
    after_help = EXAMPLES,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub struct Options {
    /// Print this help and exit.
    #[arg(short = 'h', long, action = ArgAction::Help, help_heading = "Common options")]
    pub help: Option<bool>,
    /// The Python locustfile to run: a .py file, several separated by commas, or
    /// a directory of them (Rust test programs register their users in code
    /// instead).
    #[arg(
        short = 'f',
        long,
        env = "LOCUST_LOCUSTFILE",
        value_name = "filename",
        help_heading = "Common options"
    )]
    pub locustfile: Option<String>,
    /// Extra configuration file to read settings from.
    #[arg(long, value_name = "filename", help_heading = "Common options")]
    pub config: Option<String>,
    /// Run a Python script as `__main__` instead of a test, e.g. one that ends
    /// with `run_single_user(MyUser)`: `locusta --python FILE.py [ARGS…]`. It
    /// must come first; what follows FILE.py is the script's `sys.argv`.
    #[cfg(feature = "python")]
    #[arg(long, value_name = "FILE.py [ARGS…]", help_heading = "Common options")]
    pub python: Option<String>,
    /// Base URL of the system under test, e.g. https://www.example.com
    #[arg(
        short = 'H',
        long,
        env = "LOCUST_HOST",
        value_name = "base url",
        help_heading = "Common options"
    )]
    pub host: Option<String>,
    /// Peak number of users running at once (for --headless/--autostart).
    #[arg(short = 'u', long, env = "LOCUST_USERS", value_name = "int", value_parser = positive_users, allow_hyphen_values = true, help_heading = "Common options")]
    pub users: Option<u64>,
    /// Users to start per second (for --headless/--autostart).
    #[arg(short = 'r', long, env = "LOCUST_SPAWN_RATE", value_name = "float", value_parser = spawn_rate, allow_hyphen_values = true, help_heading = "Common options")]
    pub spawn_rate: Option<f64>,
    /// Test duration, e.g. 90s, 15m, 1h45m (--headless/--autostart); default: no limit.
    #[arg(short = 't', long, env = "LOCUST_RUN_TIME", value_name = "time string", value_parser = timespan, help_heading = "Common options")]
    pub run_time: Option<Duration>,
    /// Print the available User classes and exit.
    #[arg(short = 'l', long, help_heading = "Common options")]
    pub list: bool,
    /// Per-User-class settings as JSON: inline objects, an array of them, or .json files.
    #[arg(long, env = "LOCUST_CONFIG_USERS", value_name = "json", num_args = 0.., value_parser = user_config, help_heading = "Common options")]
    pub config_users: Option<Vec<String>>,

    /// Address the web UI listens on; default: every interface ('*').
    #[arg(
        long,
        env = "LOCUST_WEB_HOST",
        value_name = "ip",
        default_value = "",
        help_heading = "Web UI options"
    )]
    pub web_host: String,
    /// The URL shown in the "Starting web interface at" log line (hidden, as in Locust).
    #[arg(long, env = "LOCUST_WEB_HOST_DISPLAY_NAME", hide = true)]
    pub web_host_display_name: Option<String>,
    /// Port the web UI listens on (default 8089).
    #[arg(
        short = 'P',
        long,
        env = "LOCUST_WEB_PORT",
        value_name = "port number",
        default_value_t = 8089,
        help_heading = "Web UI options"
    )]
    pub web_port: u16,
    /// Run without the web UI, starting the test at once (set users and duration with -u and -t).
    #[arg(long, env = "LOCUST_HEADLESS", help_heading = "Web UI options")]
    pub headless: bool,
    /// Start the test at once but keep the web UI available.
    #[arg(long, env = "LOCUST_AUTOSTART", help_heading = "Web UI options")]
    pub autostart: bool,
    /// With --autostart: exit this many seconds after the test ends; default: keep running until Ctrl+C.
    #[arg(long, env = "LOCUST_AUTOQUIT", value_name = "seconds", default_value_t = -1, allow_hyphen_values = true, help_heading = "Web UI options")]
    pub autoquit: i64,
    /// Overrides a `headless` set in a configuration file (hidden, as in
    /// Locust). Already applied by [`crate::config::parse`]: `headless` is
    /// false whenever this is true.
    #[arg(long, env = "LOCUST_HEADFUL", hide = true)]
    pub headful: bool,
    /// Require a login (HTTP basic auth) before the web UI can be used; the
    /// user name and password come from LOCUSTA_WEB_LOGIN=user:password.
    #[arg(long, env = "LOCUST_WEB_LOGIN", help_heading = "Web UI options")]
    pub web_login: bool,
    /// TLS certificate file, to serve the web UI over HTTPS.
    #[arg(
        long,
        env = "LOCUST_TLS_CERT",
        value_name = "filename",
        default_value = "",
        help_heading = "Web UI options"
    )]
    pub tls_cert: String,
    /// TLS private key file, to serve the web UI over HTTPS.
    #[arg(
        long,
        env = "LOCUST_TLS_KEY",
        value_name = "filename",
        default_value = "",
        help_heading = "Web UI options"
    )]
    pub tls_key: String,
    /// Let the web UI's start form pick which User classes run.
    #[arg(long, env = "LOCUST_USERCLASS_PICKER", help_heading = "Web UI options")]
    pub class_picker: bool,
    /// Alternate directory for the web UI's assets (hidden, as in Locust).
    #[arg(long, env = "LOCUST_BUILD_PATH", default_value = "", hide = true)]
    pub build_path: String,
    /// URL prefix for the web UI, e.g. /loadtest; default: none (served at /).
    #[arg(
        long,
        env = "LOCUST_WEB_BASE_PATH",
        value_name = "path",
        default_value = "",
        help_heading = "Web UI options"
    )]
    pub web_base_path: String,

    /// Run as the master that workers connect to.
    #[arg(long, env = "LOCUST_MODE_MASTER", help_heading = "Master options")]
    pub master: bool,
    /// Address the master listens on for workers; default: all interfaces (*).
    #[arg(
        long,
        env = "LOCUST_MASTER_BIND_HOST",
        value_name = "ip",
        default_value = "*",
        help_heading = "Master options"
    )]
    pub master_bind_host: String,
    /// Port the master listens on for workers (default 5557).
    #[arg(
        long,
        env = "LOCUST_MASTER_BIND_PORT",
        value_name = "port number",
        default_value_t = 5557,
        help_heading = "Master options"
    )]
    pub master_bind_port: u16,
    /// With --headless/--autostart: wait for this many workers before starting (default 1).
    #[arg(long, env = "LOCUST_EXPECT_WORKERS", value_name = "int", default_value = "1", value_parser = expect_workers, allow_hyphen_values = true, help_heading = "Master options")]
    pub expect_workers: u64,
    /// Seconds to wait for the expected workers; default: forever.
    #[arg(
        long,
        env = "LOCUST_EXPECT_WORKERS_MAX_WAIT",
        value_name = "int",
        default_value_t = 0,
        help_heading = "Master options"
    )]
    pub expect_workers_max_wait: u64,
    /// Rebalance users when workers join or leave mid-test (experimental).
    #[arg(long, help_heading = "Master options")]
    pub enable_rebalancing: bool,

    /// Run as a worker of a master.
    #[arg(long, env = "LOCUST_MODE_WORKER", help_heading = "Worker options")]
    pub worker: bool,
    /// Start this many worker processes (-1: one per CPU); without --worker, also act as their master.
    #[arg(
        long,
        env = "LOCUST_PROCESSES",
        value_name = "int",
        allow_hyphen_values = true,
        help_heading = "Worker options"
    )]
    pub processes: Option<i64>,
    /// Master a worker connects to (default 127.0.0.1).
    #[arg(
        long,
        env = "LOCUST_MASTER_NODE_HOST",
        value_name = "hostname",
        default_value = "127.0.0.1",
        help_heading = "Worker options"
    )]
    pub master_host: String,
    /// Master port a worker connects to (default 5557).
    #[arg(
        long,
        env = "LOCUST_MASTER_NODE_PORT",
        value_name = "port number",
        default_value_t = 5557,
        help_heading = "Worker options"
    )]
    pub master_port: u16,

    /// Run only tasks carrying at least one of these tags.
    #[arg(short = 'T', long, env = "LOCUST_TAGS", value_name = "tag", num_args = 0.., value_parser = tag_list, help_heading = "Tag options")]
    pub tags: Option<Vec<String>>,
    /// Skip tasks carrying any of these tags.
    #[arg(short = 'E', long, env = "LOCUST_EXCLUDE_TAGS", value_name = "tag", num_args = 0.., value_parser = tag_list, help_heading = "Tag options")]
    pub exclude_tags: Option<Vec<String>>,

    /// Write CSV statistics to <filename>_stats.csv, _stats_history.csv, _failures.csv and _exceptions.csv (missing folders are created).
    #[arg(
        long = "csv",
        env = "LOCUST_CSV",
        value_name = "filename",
        help_heading = "Request statistics options"
    )]
    pub csv_prefix: Option<String>,
    /// With --csv: history rows for every request name, not only the total.
    #[arg(
        long,
        env = "LOCUST_CSV_FULL_HISTORY",
        help_heading = "Request statistics options"
    )]
    pub csv_full_history: bool,
    /// Print the stats table periodically in web UI runs too.
    #[arg(
        long,
        env = "LOCUST_PRINT_STATS",
        help_heading = "Request statistics options"
    )]
    pub print_stats: bool,
    /// With --headless: print only the final stats, no periodic tables.
    #[arg(
        long,
        env = "LOCUST_ONLY_SUMMARY",
        help_heading = "Request statistics options"
    )]
    pub only_summary: bool,
    /// Reset the stats once all users have started (distributed: set on master and workers).
    #[arg(
        long,
        env = "LOCUST_RESET_STATS",
        help_heading = "Request statistics options"
    )]
    pub reset_stats: bool,
    /// Write an HTML report; {u}, {r}, {t} in the name become users, spawn rate, run time.
    #[arg(
        long,
        env = "LOCUST_HTML",
        value_name = "filename",
        help_heading = "Request statistics options"
    )]
    pub html: Option<String>,
    /// Print the final stats as JSON on stdout (with --headless --skip-log-setup: JSON only).
    #[arg(long, help_heading = "Request statistics options")]
    pub json: bool,
    /// Write the final stats as JSON to this file (name gets a .json suffix).
    #[arg(
        long,
        value_name = "filename",
        help_heading = "Request statistics options"
    )]
    pub json_file: Option<String>,
    /// Serve Prometheus metrics at /metrics on this port (headless, master and worker runs; the web UI serves them on its own port).
    #[arg(
        long,
        env = "LOCUSTA_METRICS_PORT",
        value_name = "port number",
        help_heading = "Request statistics options"
    )]
    pub metrics_port: Option<u16>,
    /// Address the --metrics-port server listens on; default: every interface ('*').
    #[arg(
        long,
        env = "LOCUSTA_METRICS_HOST",
        value_name = "ip",
        default_value = "",
        help_heading = "Request statistics options"
    )]
    pub metrics_host: String,
    /// Request names with series of their own in /metrics; the others are folded into name="__other__".
    #[arg(
        long,
        env = "LOCUSTA_METRICS_MAX_NAMES",
        value_name = "int",
        default_value_t = locusta_metrics::DEFAULT_MAX_NAMES,
        help_heading = "Request statistics options"
    )]
    pub metrics_max_names: usize,

    /// Don't configure logging; leave it to the test program.
    #[arg(long, env = "LOCUST_SKIP_LOG_SETUP", help_heading = "Logging options")]
    pub skip_log_setup: bool,
    /// Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL (default INFO).
    #[arg(short = 'L', long, env = "LOCUST_LOGLEVEL", value_name = "level", default_value = "INFO", value_parser = log_level, help_heading = "Logging options")]
    pub loglevel: log::LevelFilter,
    /// Write the log to this file instead of stderr.
    #[arg(
        long,
        env = "LOCUST_LOGFILE",
        value_name = "filename",
        help_heading = "Logging options"
    )]
    pub logfile: Option<String>,

    /// Print each User class's task ratios as a table and exit.
    #[arg(long, help_heading = "Other options")]
    pub show_task_ratio: bool,
    /// Print the task ratios as JSON and exit.
    #[arg(long, help_heading = "Other options")]
    pub show_task_ratio_json: bool,
    /// Print the version and exit.
    #[arg(short = 'V', long, action = ArgAction::Version, help_heading = "Other options")]
    pub version: Option<bool>,
    /// Exit code when the test saw any failure or error (default 1).
    #[arg(
        long,
        env = "LOCUST_EXIT_CODE_ON_ERROR",
        value_name = "int",
        default_value_t = 1,
        allow_hyphen_values = true,
        help_heading = "Other options"
    )]
    pub exit_code_on_error: i32,
    /// Exit with code 98 when the generator itself was the bottleneck (a
    /// suspect run, docs/health.md).
    #[arg(long, env = "LOCUST_FAIL_ON_SUSPECT", help_heading = "Other options")]
    pub fail_on_suspect: bool,
    /// Time running tasks get to finish on stop (seconds or time span); default: 0.
    #[arg(short = 's', long, env = "LOCUST_STOP_TIMEOUT", value_name = "number", default_value = "0", value_parser = timespan, help_heading = "Other options")]
    pub stop_timeout: Duration,
    /// Give every task the same weight, ignoring the test's weights.
    #[arg(long, help_heading = "Other options")]
    pub equal_weights: bool,
    /// Label that groups related test runs.
    #[arg(long, value_name = "str", help_heading = "Other options")]
    pub profile: Option<String>,
    /// Instrument the run with OpenTelemetry (not available yet).
    #[arg(
        long,
        env = "LOCUST_ENABLE_OPENTELEMETRY",
        help_heading = "Other options"
    )]
    pub otel: bool,
    /// Stop after this many task runs in total across all users (like locust-plugins' -i).
    #[arg(
        short = 'i',
        long,
        env = "LOCUST_ITERATIONS",
        value_name = "int",
        help_heading = "Other options"
    )]
    pub iterations: Option<u64>,
    /// Threads that generate the load (default: one per CPU this process may use).
    #[arg(
        long,
        env = "LOCUSTA_THREADS",
        value_name = "int",
        help_heading = "Other options"
    )]
    pub threads: Option<usize>,

    /// Thresholds, `--junit` and locust-plugins' checks (`crate::thresholds`).
    #[command(flatten)]
    pub thresholds: crate::thresholds::ThresholdOptions,

    /// User classes to run (see --list; also LOCUST_USER_CLASSES); default: all of them.
    #[arg(
        value_name = "UserClass",
        env = "LOCUST_USER_CLASSES",
        help_heading = "User classes"
    )]
    pub user_classes: Vec<String>,

    /// The values of the program's custom options ([`crate::Locusta::option`]),
    /// by name; an option with neither a value nor a default is absent.
    #[arg(skip)]
    pub custom: BTreeMap<String, OptionValue>,
}

/// A custom option whose name cannot be used ([`check_custom_options`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomOptionError {
    /// A name with other characters than lower-case letters, digits, `-` and
    /// `_`, or not starting with a letter.
    #[error(
        "custom option '{0}': use lower-case letters, digits, '-' and '_', starting with a letter"
    )]
    BadName(String),
    /// The name of one of locusta's own options.
    #[error("custom option '{0}': locusta already has an option of that name")]
    Taken(String),
    /// A name declared twice.
    #[error("custom option '{0}' is declared twice")]
    Twice(String),
}

/// Checks the names of the program's custom options: lower-case letters,
/// digits, `-` and `_`, starting with a letter, used once, and not the name of
/// one of locusta's own options.
pub fn check_custom_options(custom: &[CustomOption]) -> Result<(), CustomOptionError> {
    let builtin = Options::full_command();
    for (index, option) in custom.iter().enumerate() {
        let name = option.name.as_str();
        let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid {
            return Err(CustomOptionError::BadName(name.to_string()));
        }
        let taken = builtin
            .get_arguments()
            .any(|arg| arg.get_long() == Some(name) || arg.get_id().as_str() == name);
        if taken {
            return Err(CustomOptionError::Taken(name.to_string()));
        }
        if custom[..index].iter().any(|other| other.name == name) {
            return Err(CustomOptionError::Twice(name.to_string()));
        }
    }
    Ok(())
}

/// The clap argument of a custom option: `--name`, its help, a flag for
/// [`OptionKind::Flag`], repeatable for multi-choices, values checked by the
/// option's own parser.
pub fn custom_arg(option: &CustomOption) -> Arg {
    let checker = option.clone();
    let mut help = option.help.clone();
    if let OptionKind::Choice(choices) | OptionKind::MultiChoice(choices) = &option.kind {
        help.push_str(&format!(" [choices: {}]", choices.join(", ")));
    }
    if let Some(default) = option.default.as_ref().filter(|_| !option.secret) {
        help.push_str(&format!(" (default: {default})"));
    }
    if option.required {
        help.push_str(" (required)");
    }
    let arg = Arg::new(option.name.clone())
        .long(option.name.clone())
        .help(help)
        .help_heading("Custom options");
    match option.kind {
        OptionKind::Flag => arg.action(ArgAction::SetTrue),
        _ => {
            let value_name = match option.kind {
                OptionKind::Integer => "int",
                OptionKind::Float => "float",
                _ => "value",
            };
            let arg = arg
                .value_name(value_name)
                .allow_hyphen_values(true)
                .value_parser(move |text: &str| checker.parse(text).map(|_| text.to_string()));
            if matches!(option.kind, OptionKind::MultiChoice(_)) {
                arg.action(ArgAction::Append)
            } else {
                arg.action(ArgAction::Set)
            }
        }
    }
}

/// Options Locust removed: giving them (on the command line, in the
/// environment or in a configuration file) is an immediate error with this
/// migration message. Each is `(long name, environment variable, takes a value, message)`.
pub const REMOVED_OPTIONS: &[(&str, Option<&str>, bool, &str)] = &[
    (
        "web-auth",
        Some("LOCUST_WEB_AUTH"),
        true,
        "--web-auth was removed: it is replaced with --web-login (a login page for the web UI)",
    ),
    (
        "legacy-ui",
        Some("LOCUST_LEGACY_UI"),
        false,
        "--legacy-ui was removed: there is one web UI; drop the option",
    ),
    (
        "expect-slaves",
        None,
        false,
        "--expect-slaves was renamed: use --expect-workers",
    ),
    ("slave", None, false, "--slave was renamed: use --worker"),
];

/// Options that Locust's start-up checks refuse ([`Options::validate`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOptions {
    /// `--python` after other arguments.
    #[error("--python must come first: locusta --python FILE.py [ARGS…]")]
    PythonNotFirst,
    /// `--autoquit` without `--autostart`.
    #[error("--autoquit is only meaningful in combination with --autostart")]
    AutoquitWithoutAutostart,
    /// A `--web-base-path` not starting with `/`.
    #[error(
        "Invalid format for --web-base-path argument ({0}): the url path must start with a slash."
    )]
    WebBasePath(String),
    /// Only one of `--tls-cert` and `--tls-key`.
    #[error("--tls-cert and --tls-key must be given together")]
    TlsHalf,
    /// `--master` with `--worker`.
    #[error("--master and --worker cannot be used together")]
    MasterAndWorker,
    /// `--processes` below -1.
    #[error("Invalid --processes count {0}")]
    ProcessesCount(i64),
    /// `--processes` with `--master`.
    #[error("--master cannot be combined with --processes. Remove --master, as it is implicit as long as --worker is not set.")]
    ProcessesWithMaster,
}

impl Options {
    /// The full clap command as a run parses it: [`Options`] plus the hidden
    /// removed options of [`REMOVED_OPTIONS`] (so that they are recognised and
    /// answered with their migration message), without clap's own reading of
    /// environment variables ([`crate::config::parse`] applies them).
    pub fn full_command() -> clap::Command {
        let mut command = Options::command();
        for &(name, _, takes_value, _) in REMOVED_OPTIONS {
            let arg = Arg::new(name).long(name).hide(true);
            command = command.arg(if takes_value {
                arg.action(ArgAction::Set).allow_hyphen_values(true)
            } else {
                arg.action(ArgAction::SetTrue)
            });
        }
        // Like Locust's, the help gives defaults in words where they matter.
        command.mut_args(|arg| {
            let takes_value = matches!(arg.get_action(), ArgAction::Set | ArgAction::Append);
            arg.env(None::<&'static str>)
                .hide_default_value(takes_value)
        })
    }

    /// [`Options::full_command`] plus the program's custom options, under
    /// their own help heading.
    pub fn command_with(custom: &[CustomOption]) -> clap::Command {
        let mut command = Options::full_command();
        for option in custom {
            command = command.arg(custom_arg(option));
        }
        command
    }

    /// Locust's checks that end a run with exit code 1 before it starts:
    /// `--autoquit` without `--autostart`, a
    /// `--web-base-path` not starting with `/` when the web UI would run,
    /// `--processes` below -1 or combined with `--master`. `run_with_args`
    /// calls it after parsing and prints the message.
    pub fn validate(&self) -> Result<(), InvalidOptions> {
        #[cfg(feature = "python")]
        if self.python.is_some() {
            return Err(InvalidOptions::PythonNotFirst);
        }
        if self.autoquit != -1 && !self.autostart {
            return Err(InvalidOptions::AutoquitWithoutAutostart);
        }
        if !self.headless
            && !self.worker
            && !self.web_base_path.is_empty()
            && !self.web_base_path.starts_with('/')
        {
            return Err(InvalidOptions::WebBasePath(self.web_base_path.clone()));
        }
        if !self.headless && self.tls_cert.is_empty() != self.tls_key.is_empty() {
            return Err(InvalidOptions::TlsHalf);
        }
        if self.master && self.worker {
            return Err(InvalidOptions::MasterAndWorker);
        }
        if let Some(processes) = self.processes {
            if processes < -1 {
                return Err(InvalidOptions::ProcessesCount(processes));
            }
            if self.master {
                return Err(InvalidOptions::ProcessesWithMaster);
            }
        }
        Ok(())
    }

    /// Options given that name a feature this build does not have yet.
    pub fn unavailable(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.otel {
            missing.push("--otel");
        }
        missing
    }
}

//! The command line: Locust's options with their long names, short forms,
//! defaults, `LOCUST_*` environment variables and help groups (research notes
//! §4.1 and §4.2).
//!
//! [`Options`] is a clap parser, but a real run goes through
//! [`crate::config::parse`], which also applies environment variables and
//! configuration files with Locust's precedence. The environment variable of
//! each option is declared here (`env = …`) and read by [`crate::config`], not
//! by clap, so that the precedence logic can be tested with explicit maps;
//! like Locust's, the help does not list them.

use std::time::Duration;

use clap::{Arg, ArgAction, CommandFactory, Parser};

use crate::timespan::parse_timespan;

fn timespan(text: &str) -> Result<Duration, String> {
    parse_timespan(text)
}

fn positive_users(text: &str) -> Result<u64, String> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a whole number of users"))?;
    u64::try_from(value).map_err(|_| format!("the number of users must be 0 or more, got {value}"))
}

fn spawn_rate(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(format!(
            "the spawn rate must be a number greater than 0, got {text}"
        ))
    }
}

fn expect_workers(text: &str) -> Result<u64, String> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("invalid int value: '{text}'"))?;
    match u64::try_from(value) {
        Ok(value) if value >= 1 => Ok(value),
        _ => Err(format!(
            "Invalid --expect-workers argument ({value}), must be a positive number"
        )),
    }
}

fn log_level(text: &str) -> Result<log::LevelFilter, String> {
    match text.to_ascii_uppercase().as_str() {
        "DEBUG" => Ok(log::LevelFilter::Debug),
        "INFO" => Ok(log::LevelFilter::Info),
        "WARNING" | "WARN" => Ok(log::LevelFilter::Warn),
        "ERROR" | "CRITICAL" => Ok(log::LevelFilter::Error),
        _ => Err(format!(
            "invalid choice: '{text}' (choose from DEBUG, INFO, WARNING, ERROR, CRITICAL)"
        )),
    }
}

fn tag_list(text: &str) -> Result<String, String> {
    Ok(text.to_string())
}

fn user_config(text: &str) -> Result<String, String> {
    if text.ends_with(".json") {
        return Ok(text.to_string());
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!("The --config-users argument must be a valid JSON string or file: {e}")
    })?;
    let configs = match &value {
        serde_json::Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    if configs.iter().all(|c| c.get("user_class_name").is_some()) {
        Ok(text.to_string())
    } else {
        Err("The user config must specify a user_class_name".to_string())
    }
}

const EXAMPLES: &str = "\
Examples:

    locusta -H https://www.example.com

    locusta --headless -u 100 -t 20m MyHttpUser AnotherUser

    locusta --headless -u 100 -r 10 -t 50 --print-stats --html \"test_report_{u}_{r}_{t}.html\"
    (The above run would generate an html file with the name \"test_report_100_10_50.html\")

Options can also be set in ~/.locust.conf, ./locust.conf, ./pyproject.toml ([tool.locust]),
a file given with --config, or LOCUST_* environment variables (command line > environment >
--config > pyproject.toml > locust.conf > ~/.locust.conf).";

/// Every option of a run.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "locusta",
    version,
    about = "Locust, rebuilt in Rust: load tests written as code.",
    override_usage = "locusta [options] [UserClass ...]",
    after_help = EXAMPLES,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub struct Options {
    /// Show this help message and exit.
    #[arg(short = 'h', long, action = ArgAction::Help, help_heading = "Common options")]
    pub help: Option<bool>,
    /// The Python file or module that contains your test (Python locustfiles are
    /// not available yet; Rust programs register their users in code).
    #[arg(
        short = 'f',
        long,
        env = "LOCUST_LOCUSTFILE",
        value_name = "filename",
        help_heading = "Common options"
    )]
    pub locustfile: Option<String>,
    /// File to read additional configuration from. See https://docs.locust.io/en/stable/configuration.html#configuration-file
    #[arg(long, value_name = "filename", help_heading = "Common options")]
    pub config: Option<String>,
    /// Host to load test, in the following format: https://www.example.com
    #[arg(
        short = 'H',
        long,
        env = "LOCUST_HOST",
        value_name = "base url",
        help_heading = "Common options"
    )]
    pub host: Option<String>,
    /// Peak number of concurrent Locust users. Primarily used together with --headless or --autostart.
    #[arg(short = 'u', long, env = "LOCUST_USERS", value_name = "int", value_parser = positive_users, allow_hyphen_values = true, help_heading = "Common options")]
    pub users: Option<u64>,
    /// Rate to spawn users at (users per second). Primarily used together with --headless or --autostart.
    #[arg(short = 'r', long, env = "LOCUST_SPAWN_RATE", value_name = "float", value_parser = spawn_rate, allow_hyphen_values = true, help_heading = "Common options")]
    pub spawn_rate: Option<f64>,
    /// Stop after the specified amount of time, e.g. (300s, 20m, 3h, 1h30m, etc.). Only used together with --headless or --autostart. Defaults to run forever.
    #[arg(short = 't', long, env = "LOCUST_RUN_TIME", value_name = "time string", value_parser = timespan, help_heading = "Common options")]
    pub run_time: Option<Duration>,
    /// Show list of possible User classes and exit.
    #[arg(short = 'l', long, help_heading = "Common options")]
    pub list: bool,
    /// User configuration as a JSON string or file. A list of arguments or an Array of JSON configuration may be provided (not available yet).
    #[arg(long, env = "LOCUST_CONFIG_USERS", value_name = "json", num_args = 0.., value_parser = user_config, help_heading = "Common options")]
    pub config_users: Option<Vec<String>>,

    /// Host to bind the web interface to. Defaults to '*' (all interfaces).
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
    /// Port on which to run web host.
    #[arg(
        short = 'P',
        long,
        env = "LOCUST_WEB_PORT",
        value_name = "port number",
        default_value_t = 8089,
        help_heading = "Web UI options"
    )]
    pub web_port: u16,
    /// Disable the web interface, and start the test immediately. Use -u and -t to control user count and run time.
    #[arg(long, env = "LOCUST_HEADLESS", help_heading = "Web UI options")]
    pub headless: bool,
    /// Starts the test immediately (like --headless, but without disabling the web UI).
    #[arg(long, env = "LOCUST_AUTOSTART", help_heading = "Web UI options")]
    pub autostart: bool,
    /// Quits Locust entirely, X seconds after the run is finished. Only used together with --autostart. The default is to keep Locust running until you shut it down using CTRL+C.
    #[arg(long, env = "LOCUST_AUTOQUIT", value_name = "seconds", default_value_t = -1, allow_hyphen_values = true, help_heading = "Web UI options")]
    pub autoquit: i64,
    /// Overrides a `headless` set in a configuration file (hidden, as in
    /// Locust). Already applied by [`crate::config::parse`]: `headless` is
    /// false whenever this is true.
    #[arg(long, env = "LOCUST_HEADFUL", hide = true)]
    pub headful: bool,
    /// Protects the web interface with a login page (not available yet).
    #[arg(long, env = "LOCUST_WEB_LOGIN", help_heading = "Web UI options")]
    pub web_login: bool,
    /// Optional path to TLS certificate to use to serve over HTTPS.
    #[arg(
        long,
        env = "LOCUST_TLS_CERT",
        value_name = "filename",
        default_value = "",
        help_heading = "Web UI options"
    )]
    pub tls_cert: String,
    /// Optional path to TLS private key to use to serve over HTTPS.
    #[arg(
        long,
        env = "LOCUST_TLS_KEY",
        value_name = "filename",
        default_value = "",
        help_heading = "Web UI options"
    )]
    pub tls_key: String,
    /// Enable select boxes in the web interface to choose from all available User classes and Shape classes.
    #[arg(long, env = "LOCUST_USERCLASS_PICKER", help_heading = "Web UI options")]
    pub class_picker: bool,
    /// Alternate directory for the web UI's assets (hidden, as in Locust).
    #[arg(long, env = "LOCUST_BUILD_PATH", default_value = "", hide = true)]
    pub build_path: String,
    /// Base path for the web interface (e.g., '/locust'). Default is empty (root path).
    #[arg(
        long,
        env = "LOCUST_WEB_BASE_PATH",
        value_name = "path",
        default_value = "",
        help_heading = "Web UI options"
    )]
    pub web_base_path: String,

    /// Launch locust as a master node, to which worker nodes connect (not available yet).
    #[arg(long, env = "LOCUST_MODE_MASTER", help_heading = "Master options")]
    pub master: bool,
    /// IP address for the master to listen on, e.g '192.168.1.1'. Defaults to * (all available interfaces).
    #[arg(
        long,
        env = "LOCUST_MASTER_BIND_HOST",
        value_name = "ip",
        default_value = "*",
        help_heading = "Master options"
    )]
    pub master_bind_host: String,
    /// Port for the master to listen on. Defaults to 5557.
    #[arg(
        long,
        env = "LOCUST_MASTER_BIND_PORT",
        value_name = "port number",
        default_value_t = 5557,
        help_heading = "Master options"
    )]
    pub master_bind_port: u16,
    /// Delay starting the test until this number of workers have connected (only used in combination with --headless/--autostart).
    #[arg(long, env = "LOCUST_EXPECT_WORKERS", value_name = "int", default_value = "1", value_parser = expect_workers, allow_hyphen_values = true, help_heading = "Master options")]
    pub expect_workers: u64,
    /// How long should the master wait for workers to connect before giving up. Defaults to wait forever.
    #[arg(
        long,
        env = "LOCUST_EXPECT_WORKERS_MAX_WAIT",
        value_name = "int",
        default_value_t = 0,
        help_heading = "Master options"
    )]
    pub expect_workers_max_wait: u64,
    /// Re-distribute users if new workers are added or removed during a test run. Experimental.
    #[arg(long, help_heading = "Master options")]
    pub enable_rebalancing: bool,

    /// Set locust to run in distributed mode with this process as worker (not available yet).
    #[arg(long, env = "LOCUST_MODE_WORKER", help_heading = "Worker options")]
    pub worker: bool,
    /// Number of times to fork the locust process (-1 = one per CPU). Combine with --worker or let it set --master and --worker for an all-in-one solution (not available yet).
    #[arg(
        long,
        env = "LOCUST_PROCESSES",
        value_name = "int",
        allow_hyphen_values = true,
        help_heading = "Worker options"
    )]
    pub processes: Option<i64>,
    /// Hostname of locust master node to connect to. Defaults to 127.0.0.1.
    #[arg(
        long,
        env = "LOCUST_MASTER_NODE_HOST",
        value_name = "hostname",
        default_value = "127.0.0.1",
        help_heading = "Worker options"
    )]
    pub master_host: String,
    /// Port to connect to on master node. Defaults to 5557.
    #[arg(
        long,
        env = "LOCUST_MASTER_NODE_PORT",
        value_name = "port number",
        default_value_t = 5557,
        help_heading = "Worker options"
    )]
    pub master_port: u16,

    /// List of tags to include in the test, so only tasks with at least one matching tag will be executed.
    #[arg(short = 'T', long, env = "LOCUST_TAGS", value_name = "tag", num_args = 0.., value_parser = tag_list, help_heading = "Tag options")]
    pub tags: Option<Vec<String>>,
    /// List of tags to exclude from the test, so only tasks with no matching tags will be executed.
    #[arg(short = 'E', long, env = "LOCUST_EXCLUDE_TAGS", value_name = "tag", num_args = 0.., value_parser = tag_list, help_heading = "Tag options")]
    pub exclude_tags: Option<Vec<String>>,

    /// Store request stats to files in CSV format. Setting this option will generate four files: <filename>_stats.csv, <filename>_stats_history.csv, <filename>_failures.csv and <filename>_exceptions.csv. Any folders part of the prefix will be automatically created.
    #[arg(
        long = "csv",
        env = "LOCUST_CSV",
        value_name = "filename",
        help_heading = "Request statistics options"
    )]
    pub csv_prefix: Option<String>,
    /// Store each stats entry in CSV format to _stats_history.csv file. You must also specify the '--csv' argument to enable this.
    #[arg(
        long,
        env = "LOCUST_CSV_FULL_HISTORY",
        help_heading = "Request statistics options"
    )]
    pub csv_full_history: bool,
    /// Enable periodic printing of request stats in UI runs.
    #[arg(
        long,
        env = "LOCUST_PRINT_STATS",
        help_heading = "Request statistics options"
    )]
    pub print_stats: bool,
    /// Disable periodic printing of request stats during --headless run.
    #[arg(
        long,
        env = "LOCUST_ONLY_SUMMARY",
        help_heading = "Request statistics options"
    )]
    pub only_summary: bool,
    /// Reset statistics once spawning has been completed. Should be set on both master and workers when running in distributed mode.
    #[arg(
        long,
        env = "LOCUST_RESET_STATS",
        help_heading = "Request statistics options"
    )]
    pub reset_stats: bool,
    /// Store HTML report to file path specified. Able to parse certain tags - {u}, {r}, {t} and convert them to number of users, spawn rate and run time respectively.
    #[arg(
        long,
        env = "LOCUST_HTML",
        value_name = "filename",
        help_heading = "Request statistics options"
    )]
    pub html: Option<String>,
    /// Prints the final stats in JSON format to stdout. Useful for parsing the results in other programs/scripts. Use together with --headless and --skip-log-setup for an output only with the json data.
    #[arg(long, help_heading = "Request statistics options")]
    pub json: bool,
    /// Prints the final stats in JSON format to file path specified (".json" is appended).
    #[arg(
        long,
        value_name = "filename",
        help_heading = "Request statistics options"
    )]
    pub json_file: Option<String>,

    /// Disable Locust's logging setup. Instead, the configuration is provided by the test program (or no logging at all).
    #[arg(long, env = "LOCUST_SKIP_LOG_SETUP", help_heading = "Logging options")]
    pub skip_log_setup: bool,
    /// Choose between DEBUG/INFO/WARNING/ERROR/CRITICAL. Default is INFO.
    #[arg(short = 'L', long, env = "LOCUST_LOGLEVEL", value_name = "level", default_value = "INFO", value_parser = log_level, help_heading = "Logging options")]
    pub loglevel: log::LevelFilter,
    /// Path to log file. If not set, log will go to stderr.
    #[arg(
        long,
        env = "LOCUST_LOGFILE",
        value_name = "filename",
        help_heading = "Logging options"
    )]
    pub logfile: Option<String>,

    /// Print table of the User classes' task execution ratio.
    #[arg(long, help_heading = "Other options")]
    pub show_task_ratio: bool,
    /// Print json data of the User classes' task execution ratio (not available yet).
    #[arg(long, help_heading = "Other options")]
    pub show_task_ratio_json: bool,
    /// Show program's version number and exit.
    #[arg(short = 'V', long, action = ArgAction::Version, help_heading = "Other options")]
    pub version: Option<bool>,
    /// Sets the process exit code to use when a test result contain any failure or error. Defaults to 1.
    #[arg(
        long,
        env = "LOCUST_EXIT_CODE_ON_ERROR",
        value_name = "int",
        default_value_t = 1,
        allow_hyphen_values = true,
        help_heading = "Other options"
    )]
    pub exit_code_on_error: i32,
    /// Number of seconds to wait for a simulated user to complete any executing task before exiting. Default is to terminate immediately.
    #[arg(short = 's', long, env = "LOCUST_STOP_TIMEOUT", value_name = "number", default_value = "0", value_parser = timespan, help_heading = "Other options")]
    pub stop_timeout: Duration,
    /// Use equally distributed task weights, overriding the weights specified in the locustfile.
    #[arg(long, help_heading = "Other options")]
    pub equal_weights: bool,
    /// Set a profile to group the testruns together.
    #[arg(long, value_name = "str", help_heading = "Other options")]
    pub profile: Option<String>,
    /// Instrument the Locust test run with OpenTelemetry (not available yet).
    #[arg(
        long,
        env = "LOCUST_ENABLE_OPENTELEMETRY",
        help_heading = "Other options"
    )]
    pub otel: bool,
    /// Stop after this many task executions in total (all users together), like locust-plugins' -i.
    #[arg(
        short = 'i',
        long,
        env = "LOCUST_ITERATIONS",
        value_name = "int",
        help_heading = "Other options"
    )]
    pub iterations: Option<u64>,
    /// Load threads (default: the CPUs this process may run on).
    #[arg(
        long,
        env = "LOCUSTA_THREADS",
        value_name = "int",
        help_heading = "Other options"
    )]
    pub threads: Option<usize>,

    /// At the end of the command line, you can list User classes to be used (available User classes can be listed with --list). LOCUST_USER_CLASSES environment variable can also be used to specify User classes. Default is to use all available User classes.
    #[arg(
        value_name = "UserClass",
        env = "LOCUST_USER_CLASSES",
        help_heading = "User classes"
    )]
    pub user_classes: Vec<String>,
}

/// Options Locust removed: giving them (on the command line, in the
/// environment or in a configuration file) is an immediate error with this
/// migration message. Each is `(long name, environment variable, takes a value, message)`.
pub const REMOVED_OPTIONS: &[(&str, Option<&str>, bool, &str)] = &[
    (
        "web-auth",
        Some("LOCUST_WEB_AUTH"),
        true,
        "The --web-auth parameters has been replaced with --web-login. See https://docs.locust.io/en/stable/extending-locust.html#authentication for details",
    ),
    (
        "legacy-ui",
        Some("LOCUST_LEGACY_UI"),
        false,
        "--legacy-ui is no longer supported, remove the parameter to continue",
    ),
    (
        "expect-slaves",
        None,
        false,
        "The --expect-slaves parameter has been renamed --expect-workers",
    ),
    (
        "slave",
        None,
        false,
        "The --slave parameter has been renamed --worker",
    ),
];

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

    /// Locust's checks that end a run with exit code 1 before it starts
    /// (research notes §4.5): `--autoquit` without `--autostart`, a
    /// `--web-base-path` not starting with `/` when the web UI would run,
    /// `--processes` below -1 or combined with `--master`. `run_with_args`
    /// calls it after parsing and prints the message.
    pub fn validate(&self) -> Result<(), String> {
        if self.autoquit != -1 && !self.autostart {
            return Err("--autoquit is only meaningful in combination with --autostart".into());
        }
        if !self.headless
            && !self.worker
            && !self.web_base_path.is_empty()
            && !self.web_base_path.starts_with('/')
        {
            return Err(format!(
                "Invalid format for --web-base-path argument ({}): the url path must start with a slash.",
                self.web_base_path
            ));
        }
        if let Some(processes) = self.processes {
            if processes < -1 {
                return Err(format!("Invalid --processes count {processes}"));
            }
            if self.master {
                return Err("--master cannot be combined with --processes. Remove --master, as it is implicit as long as --worker is not set.".into());
            }
        }
        Ok(())
    }

    /// Options given that name a feature this build does not have yet.
    pub fn unavailable(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self
            .locustfile
            .as_deref()
            .is_some_and(|f| f.ends_with(".py") || f == "-")
        {
            missing.push("-f with a Python locustfile");
        }
        if self.config_users.is_some() {
            missing.push("--config-users");
        }
        if self.master || self.worker || self.processes.is_some() {
            missing.push("distributed mode (--master/--worker/--processes)");
        }
        if !self.headless {
            // The web UI would run: its options ask for something that does not exist yet.
            for (given, name) in [
                (self.web_login, "--web-login"),
                (
                    !self.tls_cert.is_empty() || !self.tls_key.is_empty(),
                    "--tls-cert/--tls-key",
                ),
                (self.class_picker, "--class-picker"),
                (!self.web_base_path.is_empty(), "--web-base-path"),
            ] {
                if given {
                    missing.push(name);
                }
            }
        }
        if self.show_task_ratio_json {
            missing.push("--show-task-ratio-json");
        }
        if self.otel {
            missing.push("--otel");
        }
        missing
    }
}

//! The command line: Locust's options, names, short forms, defaults and
//! `LOCUST_*` environment variables (research notes §4.1).

use std::time::Duration;

use clap::{ArgAction, Parser};

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

/// Every option of a run.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "locusta",
    version,
    about = "Locust, rebuilt in Rust: load tests written as code.",
    override_usage = "locusta [options] [UserClass ...]",
    disable_version_flag = true
)]
pub struct Options {
    /// The Python module, file or directory to import (Python locustfiles are not
    /// available yet in this build; Rust programs register their users in code).
    #[arg(
        short = 'f',
        long,
        env = "LOCUST_LOCUSTFILE",
        value_name = "<filename>",
        help_heading = "Common options"
    )]
    pub locustfile: Option<String>,
    /// File to read additional configuration from (not available yet).
    #[arg(long, value_name = "<filename>", help_heading = "Common options")]
    pub config: Option<String>,
    /// Host to load test, in the following format: https://www.example.com
    #[arg(
        short = 'H',
        long,
        env = "LOCUST_HOST",
        value_name = "<base url>",
        help_heading = "Common options"
    )]
    pub host: Option<String>,
    /// Peak number of concurrent users. Primarily used together with --headless or --autostart.
    #[arg(short = 'u', long, env = "LOCUST_USERS", value_name = "<int>", value_parser = positive_users, allow_hyphen_values = true, help_heading = "Common options")]
    pub users: Option<u64>,
    /// Rate to spawn users at (users per second).
    #[arg(short = 'r', long, env = "LOCUST_SPAWN_RATE", value_name = "<float>", value_parser = spawn_rate, allow_hyphen_values = true, help_heading = "Common options")]
    pub spawn_rate: Option<f64>,
    /// Stop after the specified amount of time, e.g. (300s, 20m, 3h, 1h30m, etc.).
    #[arg(short = 't', long, env = "LOCUST_RUN_TIME", value_name = "<time string>", value_parser = timespan, help_heading = "Common options")]
    pub run_time: Option<Duration>,
    /// Show list of possible User classes and exit.
    #[arg(short = 'l', long, help_heading = "Common options")]
    pub list: bool,

    /// Host to bind the web interface to (web UI not available yet).
    #[arg(
        long,
        env = "LOCUST_WEB_HOST",
        value_name = "<ip>",
        default_value = "",
        help_heading = "Web UI options"
    )]
    pub web_host: String,
    /// Port on which to run web host.
    #[arg(
        short = 'P',
        long,
        env = "LOCUST_WEB_PORT",
        value_name = "<port number>",
        default_value_t = 8089,
        help_heading = "Web UI options"
    )]
    pub web_port: u16,
    /// Disable the web interface, and start the test immediately.
    #[arg(long, env = "LOCUST_HEADLESS", help_heading = "Web UI options")]
    pub headless: bool,
    /// Starts the test immediately (like --headless, but without disabling the web UI).
    #[arg(long, env = "LOCUST_AUTOSTART", help_heading = "Web UI options")]
    pub autostart: bool,
    /// Quits Locust entirely, X seconds after the run is finished. Only used together with --autostart.
    #[arg(long, env = "LOCUST_AUTOQUIT", value_name = "<seconds>", default_value_t = -1, allow_hyphen_values = true, help_heading = "Web UI options")]
    pub autoquit: i64,

    /// Launch locust as a master node (distributed mode is not available yet).
    #[arg(long, env = "LOCUST_MODE_MASTER", help_heading = "Master options")]
    pub master: bool,
    /// Set locust to run in distributed mode with this process as worker (not available yet).
    #[arg(long, env = "LOCUST_MODE_WORKER", help_heading = "Worker options")]
    pub worker: bool,

    /// List of tags to include in the test, so only tasks with at least one matching tag will be executed.
    #[arg(short = 'T', long, env = "LOCUST_TAGS", value_name = "<tag>", num_args = 0.., value_parser = tag_list, help_heading = "Tag options")]
    pub tags: Option<Vec<String>>,
    /// List of tags to exclude from the test, so only tasks with no matching tags will be executed.
    #[arg(short = 'E', long, env = "LOCUST_EXCLUDE_TAGS", value_name = "<tag>", num_args = 0.., value_parser = tag_list, help_heading = "Tag options")]
    pub exclude_tags: Option<Vec<String>>,

    /// Store request stats to files in CSV format (not available yet).
    #[arg(
        long = "csv",
        env = "LOCUST_CSV",
        value_name = "<filename>",
        help_heading = "Request statistics options"
    )]
    pub csv_prefix: Option<String>,
    /// Enable current request stats printing in the console while the web UI is on.
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
    /// Reset statistics once spawning has been completed.
    #[arg(
        long,
        env = "LOCUST_RESET_STATS",
        help_heading = "Request statistics options"
    )]
    pub reset_stats: bool,
    /// Store HTML report to file path specified (not available yet).
    #[arg(
        long,
        env = "LOCUST_HTML",
        value_name = "<filename>",
        help_heading = "Request statistics options"
    )]
    pub html: Option<String>,
    /// Prints the final stats in JSON format to stdout (not available yet).
    #[arg(long, help_heading = "Request statistics options")]
    pub json: bool,

    /// Choose between DEBUG/INFO/WARNING/ERROR/CRITICAL. Default is INFO.
    #[arg(short = 'L', long, env = "LOCUST_LOGLEVEL", value_name = "<level>", default_value = "INFO", value_parser = log_level, help_heading = "Logging options")]
    pub loglevel: log::LevelFilter,
    /// Path to log file. If not set, log will go to stderr.
    #[arg(
        long,
        env = "LOCUST_LOGFILE",
        value_name = "<filename>",
        help_heading = "Logging options"
    )]
    pub logfile: Option<String>,

    /// Print table of the User classes' task execution ratio.
    #[arg(long, help_heading = "Other options")]
    pub show_task_ratio: bool,
    /// Show program's version number and exit.
    #[arg(short = 'V', long, action = ArgAction::Version, help_heading = "Other options")]
    pub version: Option<bool>,
    /// Sets the process exit code to use when a test result contains any failure or error.
    #[arg(
        long,
        env = "LOCUST_EXIT_CODE_ON_ERROR",
        value_name = "<int>",
        default_value_t = 1,
        help_heading = "Other options"
    )]
    pub exit_code_on_error: i32,
    /// Number of seconds to wait for a simulated user to complete any executing task before exiting.
    #[arg(short = 's', long, env = "LOCUST_STOP_TIMEOUT", value_name = "<number>", default_value = "0", value_parser = timespan, help_heading = "Other options")]
    pub stop_timeout: Duration,
    /// Use equally distributed task weights, overriding the weights specified in the locustfile.
    #[arg(long, help_heading = "Other options")]
    pub equal_weights: bool,
    /// Set a profile to group the testruns together.
    #[arg(long, value_name = "<str>", help_heading = "Other options")]
    pub profile: Option<String>,
    /// Stop after this many task executions in total (all users together).
    #[arg(
        short = 'i',
        long,
        env = "LOCUST_ITERATIONS",
        value_name = "<int>",
        help_heading = "Other options"
    )]
    pub iterations: Option<u64>,
    /// Load threads (default: the CPUs this process may run on).
    #[arg(
        long,
        env = "LOCUSTA_THREADS",
        value_name = "<int>",
        help_heading = "Other options"
    )]
    pub threads: Option<usize>,

    /// At least one User class name (as shown by --list) to use: all by default.
    #[arg(
        value_name = "UserClass",
        env = "LOCUST_USER_CLASSES",
        value_delimiter = ' '
    )]
    pub user_classes: Vec<String>,
}

impl Options {
    /// Options given that name a feature this build does not have yet.
    pub fn unavailable(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self
            .locustfile
            .as_deref()
            .is_some_and(|f| f.ends_with(".py"))
        {
            missing.push("-f with a Python locustfile");
        }
        if self.config.is_some() {
            missing.push("--config");
        }
        if self.master || self.worker {
            missing.push("distributed mode (--master/--worker)");
        }
        if self.csv_prefix.is_some() {
            missing.push("--csv");
        }
        if self.html.is_some() {
            missing.push("--html");
        }
        if self.json {
            missing.push("--json");
        }
        missing
    }
}

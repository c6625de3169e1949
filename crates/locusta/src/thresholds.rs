//! The options that declare a run's thresholds (`docs/thresholds.md`):
//! `--threshold EXPR` (repeatable; `threshold = …` in configuration files,
//! a list in `pyproject.toml`), `--junit FILE`, and locust-plugins' checks
//! `--check-rps`, `--check-fail-ratio` and `--check-avg-response-time`,
//! which become thresholds too ([`declared`]).
//!
//! They are a group of their own in [`crate::cli::Options`] (flattened), so
//! configuration files and environment variables reach them as every other
//! option.

use clap::Args;
use locusta_thresholds::{parse, Threshold};

fn threshold(text: &str) -> Result<String, String> {
    parse(text)
        .map(|_| text.to_string())
        .map_err(|e| e.to_string())
}

fn ratio(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("'{text}' is not a ratio from 0.0 to 1.0")),
    }
}

fn non_negative(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(format!("'{text}' is not a number of 0 or more")),
    }
}

/// The threshold options of a run.
#[derive(Debug, Clone, Default, Args)]
pub struct ThresholdOptions {
    /// A threshold the test must meet, e.g. 'p95 < 300ms', 'fail_ratio < 1%', 'rps > 100 over 30s after 10s abort' (repeatable; see docs/thresholds.md). A failed one makes the exit code 99.
    #[arg(long = "threshold", value_name = "expression", action = clap::ArgAction::Append, value_parser = threshold, help_heading = "Threshold options")]
    pub thresholds: Vec<String>,
    /// Write the thresholds' verdicts as JUnit XML to this file (one test case per threshold).
    #[arg(
        long,
        env = "LOCUST_JUNIT",
        value_name = "filename",
        help_heading = "Threshold options"
    )]
    pub junit: Option<String>,
    /// locust-plugins' check: exit code 3 when the total requests/s ends below this.
    #[arg(long, env = "LOCUST_CHECK_RPS", value_name = "float", value_parser = non_negative, help_heading = "Threshold options")]
    pub check_rps: Option<f64>,
    /// locust-plugins' check: exit code 3 when the failure ratio (0.0-1.0) ends above this; failures alone then do not set the exit code.
    #[arg(long, env = "LOCUST_CHECK_FAIL_RATIO", value_name = "float", value_parser = ratio, help_heading = "Threshold options")]
    pub check_fail_ratio: Option<f64>,
    /// locust-plugins' check: exit code 3 when the average response time (ms) ends above this.
    #[arg(long, env = "LOCUST_CHECK_AVG_RESPONSE_TIME", value_name = "float", value_parser = non_negative, help_heading = "Threshold options")]
    pub check_avg_response_time: Option<f64>,
}

/// Where a threshold came from: it decides the exit code when it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--threshold`, a configuration file or the program: exit code
    /// [`locusta_thresholds::EXIT_CODE`].
    Declared,
    /// A locust-plugins check option: exit code [`CHECK_EXIT_CODE`].
    Check,
}

/// locust-plugins' exit code for a failed check.
pub const CHECK_EXIT_CODE: i32 = 3;

/// Every threshold of the run, in order: the declared ones (`extra`, the
/// program's own, after the options'), then the checks as locust-plugins
/// judges them: `rps >= X`, `fail_ratio <= X`, `avg <= X ms`, over the whole
/// run. A malformed expression is an error naming it.
pub fn declared(
    options: &ThresholdOptions,
    extra: &[String],
) -> Result<Vec<(Threshold, Origin)>, locusta_thresholds::ParseError> {
    let mut out = Vec::new();
    for text in options.thresholds.iter().chain(extra) {
        out.push((parse(text)?, Origin::Declared));
    }
    let checks = [
        (options.check_rps, "rps >=", "", "--check-rps"),
        (
            options.check_fail_ratio,
            "fail_ratio <=",
            "",
            "--check-fail-ratio",
        ),
        (
            options.check_avg_response_time,
            "avg <=",
            "ms",
            "--check-avg-response-time",
        ),
    ];
    for (value, expr, unit, option) in checks {
        if let Some(value) = value {
            let mut threshold = parse(&format!("{expr} {value}{unit}"))?;
            threshold.text = format!("{} ({option})", threshold.text);
            out.push((threshold, Origin::Check));
        }
    }
    Ok(out)
}

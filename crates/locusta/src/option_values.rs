//! How the values of locusta's own options are read: the parsers clap calls
//! for `-u`, `-r`, `-t`/`--stop-timeout`, `--expect-workers`, `-L`, `-T`/`-E`
//! and `--config-users`, and [`ValueError`], what each says about a value it
//! refuses (Locust's wording where Locust has one).
//!
//! [`crate::cli::Options`] names them in its `value_parser`s; the same
//! parsers check values from environment variables and configuration files
//! ([`crate::config`]), so all three sources refuse a value alike.

use std::time::Duration;

use locusta_engine::class_settings::{ClassSettingsError, UserClassSettings};
use locusta_engine::timespan::{parse_timespan, TimespanError};

/// An option value that is refused; clap prints it after `invalid value … for …:`.
#[derive(Debug, thiserror::Error)]
pub enum ValueError {
    /// `-u` that is not a whole number.
    #[error("'{0}' is not a whole number of users")]
    UsersNotWhole(String),
    /// `-u` below 0.
    #[error("the number of users must be 0 or more, got {0}")]
    UsersNegative(i64),
    /// `-r` that is not a number.
    #[error("'{0}' is not a number")]
    NotANumber(String),
    /// `-r` that is 0, negative or not finite.
    #[error("the spawn rate must be a number greater than 0, got {0}")]
    SpawnRate(String),
    /// `--expect-workers` that is not a whole number (argparse's wording).
    #[error("invalid int value: '{0}'")]
    NotAnInt(String),
    /// `--expect-workers` below 1 (Locust's wording).
    #[error("Invalid --expect-workers argument ({0}), must be a positive number")]
    ExpectWorkers(i64),
    /// `-L` that names no level.
    #[error("invalid choice: '{0}' (choose from DEBUG, INFO, WARNING, ERROR, CRITICAL)")]
    LogLevel(String),
    /// A malformed time span.
    #[error(transparent)]
    Timespan(#[from] TimespanError),
    /// Inline `--config-users` JSON that is not a user config.
    #[error(transparent)]
    ClassSettings(#[from] ClassSettingsError),
}

/// `-t`, `--stop-timeout`: Locust's time spans.
pub(crate) fn timespan(text: &str) -> Result<Duration, ValueError> {
    Ok(parse_timespan(text)?)
}

/// `-u`: a whole number, 0 or more.
pub(crate) fn positive_users(text: &str) -> Result<u64, ValueError> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| ValueError::UsersNotWhole(text.to_string()))?;
    u64::try_from(value).map_err(|_| ValueError::UsersNegative(value))
}

/// `-r`: a finite number above 0.
pub(crate) fn spawn_rate(text: &str) -> Result<f64, ValueError> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| ValueError::NotANumber(text.to_string()))?;
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ValueError::SpawnRate(text.to_string()))
    }
}

/// `--expect-workers`: a whole number, 1 or more.
pub(crate) fn expect_workers(text: &str) -> Result<u64, ValueError> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| ValueError::NotAnInt(text.to_string()))?;
    match u64::try_from(value) {
        Ok(value) if value >= 1 => Ok(value),
        _ => Err(ValueError::ExpectWorkers(value)),
    }
}

/// `-L`: Python's level names, any case (`WARN` and `CRITICAL` included).
pub(crate) fn log_level(text: &str) -> Result<log::LevelFilter, ValueError> {
    match text.to_ascii_uppercase().as_str() {
        "DEBUG" => Ok(log::LevelFilter::Debug),
        "INFO" => Ok(log::LevelFilter::Info),
        "WARNING" | "WARN" => Ok(log::LevelFilter::Warn),
        "ERROR" | "CRITICAL" => Ok(log::LevelFilter::Error),
        _ => Err(ValueError::LogLevel(text.to_string())),
    }
}

/// `-T`, `-E`: any text (a tag list is split later).
pub(crate) fn tag_list(text: &str) -> Result<String, std::convert::Infallible> {
    Ok(text.to_string())
}

/// `--config-users`: a `.json` file, read when the run starts, or inline JSON,
/// checked now.
pub(crate) fn user_config(text: &str) -> Result<String, ValueError> {
    if !text.trim_end().ends_with(".json") {
        UserClassSettings::from_config_values(&[text.to_string()])?;
    }
    Ok(text.to_string())
}

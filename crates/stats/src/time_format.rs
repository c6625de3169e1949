//! Dates, clock times and durations as text: the one home of the stats
//! crate's calendar arithmetic, used by the CSV files and the HTML report.
//!
//! Every time is an epoch time in seconds (a float, as Locust's `time.time()`)
//! and is shown in UTC, so no time zone database is needed: an epoch second
//! splits into a day number and a second of that day, and the day number
//! becomes a (year, month, day) of the proleptic Gregorian calendar by Howard
//! Hinnant's `civil_from_days` ([`UtcDateTime::from_epoch_secs`]). Fractions of
//! a second are dropped (floored), as `strftime` does.
//!
//! ```
//! use locusta_stats::time_format::{format_date_time, format_duration, utc_timestamp};
//!
//! assert_eq!(utc_timestamp(951_782_400.0), "2000-02-29T00:00:00Z");
//! assert_eq!(format_date_time(1_700_000_000.9), "2023-11-14 22:13:20");
//! assert_eq!(format_duration(0.0, 3725.0), "1 hour, 2 minutes and 5 seconds");
//! ```
//!
//! Two ways turn a float into whole seconds, and each caller keeps its own:
//! [`utc_timestamp`] (the CSV files) floors with Rust's saturating cast (NaN is
//! 0, ±infinity the extreme `i64`s), while the report's formatters go through
//! [`whole_seconds`], which reads any non-finite time as the epoch.

/// A UTC calendar date and time of day, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcDateTime {
    /// The year; 0 is 1 BC, negative years are earlier (proleptic Gregorian).
    pub year: i64,
    /// 1..=12.
    pub month: i64,
    /// 1..=31.
    pub day: i64,
    /// 0..=23.
    pub hour: i64,
    /// 0..=59.
    pub minute: i64,
    /// 0..=59 (no leap seconds, as in Unix time).
    pub second: i64,
}

impl UtcDateTime {
    /// The date and time `secs` seconds after 1970-01-01 00:00:00 UTC.
    pub fn from_epoch_secs(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        UtcDateTime {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
        }
    }
}

/// (year, month, day) of the day `days` after 1970-01-01 in the proleptic
/// Gregorian calendar (Howard Hinnant's `civil_from_days`): days are counted
/// from 0000-03-01 so that the leap day ends each 400-year era.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The whole seconds of an epoch time (floored); a non-finite time counts as 0.
pub fn whole_seconds(t: f64) -> i64 {
    if t.is_finite() {
        t.floor() as i64
    } else {
        0
    }
}

/// An epoch time as Locust's `format_utc_timestamp`: `YYYY-MM-DDTHH:MM:SSZ`
/// (UTC, fraction dropped).
pub fn utc_timestamp(epoch: f64) -> String {
    let t = UtcDateTime::from_epoch_secs(epoch.floor() as i64);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_date_time(epoch: f64) -> String {
    let t = UtcDateTime::from_epoch_secs(whole_seconds(epoch));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// `HH:MM:SS` (UTC).
pub fn format_clock(epoch: f64) -> String {
    let t = UtcDateTime::from_epoch_secs(whole_seconds(epoch));
    format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second)
}

/// The whole seconds from `start` to `end` (0 if `end` is earlier); whole
/// seconds of both ends count, as in Locust.
fn elapsed_secs(start: f64, end: f64) -> i64 {
    (whole_seconds(end) - whole_seconds(start)).max(0)
}

/// A duration in words, as Locust's `format_duration`: `1 hour, 2 minutes and 5
/// seconds`, `0 seconds` when empty.
pub fn format_duration(start: f64, end: f64) -> String {
    let seconds = elapsed_secs(start, end);
    let units = [
        (seconds / 86_400, "day"),
        (seconds % 86_400 / 3600, "hour"),
        (seconds % 3600 / 60, "minute"),
        (seconds % 60, "second"),
    ];
    let parts: Vec<String> = units
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    match parts.split_last() {
        None => "0 seconds".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A duration in short form: `45s`, `1m 05s`, `2h 03m`, `1d 04h`.
pub fn format_duration_short(start: f64, end: f64) -> String {
    let s = elapsed_secs(start, end);
    let (d, h, m, s) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if d > 0 {
        format!("{d}d {h:02}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

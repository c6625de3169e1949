//! Statistics on the wire, in Locust's shapes (`docs/distributed.md`,
//! "Statistics"):
//! a `StatsEntry` dict per row, `stats_total`, and `errors` keyed by a
//! failure key. Response times travel as Locust's rounded millisecond
//! buckets (`response_times`), which a Locust master understands; a locusta
//! worker also sends the exact HDR histogram under [`HISTOGRAM_KEY`] (a
//! Locust master ignores unknown keys), so a locusta master merges
//! percentiles without loss. Checks travel under [`CHECKS_KEY`], another
//! key a Locust master ignores.

use std::collections::BTreeMap;

use locusta_stats::{CheckCounts, ErrorEntry, RequestStats, StatsEntry};
use rmpv::Value;

use crate::message::{as_f64, as_u64, map, MapExt};

/// The extra entry key with the exact histogram: an array of
/// `[microseconds, count]` pairs, one per recorded HDR bucket.
pub const HISTOGRAM_KEY: &str = "locusta_response_times_us";

/// The extra report key with the checks counted since the last report: a
/// map of check name to `[passes, fails]`.
pub const CHECKS_KEY: &str = "locusta_checks";

/// Locust's response-time bucket of a time in milliseconds: exact below
/// 100 ms, then rounded to 2 significant digits below 10 s, and to 3 above
/// (its `StatsEntry._log_response_time` rule).
pub fn locust_bucket(ms: f64) -> i64 {
    let rounded = if ms < 100.0 {
        ms.round()
    } else if ms < 1000.0 {
        (ms / 10.0).round() * 10.0
    } else if ms < 10_000.0 {
        (ms / 100.0).round() * 100.0
    } else {
        (ms / 1000.0).round() * 1000.0
    };
    rounded as i64
}

fn optional_f64(value: Option<f64>) -> Value {
    value.map_or(Value::Nil, Value::from)
}

/// One row as Locust's `StatsEntry.serialize()` dict, plus the exact histogram.
pub fn entry_to_value(entry: &StatsEntry) -> Value {
    let mut buckets: BTreeMap<i64, u64> = BTreeMap::new();
    let mut exact = Vec::new();
    for (us, count) in entry.histogram().buckets() {
        *buckets
            .entry(locust_bucket(us as f64 / 1000.0))
            .or_default() += count;
        exact.push(Value::Array(vec![us.into(), count.into()]));
    }
    let int_map = |pairs: Vec<(i64, u64)>| {
        Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (Value::from(k), Value::from(v)))
                .collect(),
        )
    };
    let per_second = entry.per_second();
    map(vec![
        ("name", entry.name.as_str().into()),
        ("method", entry.method.as_str().into()),
        (
            "last_request_timestamp",
            optional_f64(entry.last_request_timestamp),
        ),
        ("start_time", entry.start_time.into()),
        ("num_requests", entry.num_requests.into()),
        ("num_none_requests", entry.num_none_requests.into()),
        ("num_failures", entry.num_failures.into()),
        (
            "total_response_time",
            (entry.total_response_time_us as f64 / 1000.0).into(),
        ),
        ("max_response_time", entry.max_response_time().into()),
        (
            "min_response_time",
            optional_f64(entry.min_response_time_us.map(|us| us as f64 / 1000.0)),
        ),
        ("total_content_length", entry.total_content_length.into()),
        ("response_times", int_map(buckets.into_iter().collect())),
        (
            "num_reqs_per_sec",
            int_map(
                per_second
                    .iter()
                    .filter(|s| s.1 > 0)
                    .map(|s| (s.0, s.1))
                    .collect(),
            ),
        ),
        (
            "num_fail_per_sec",
            int_map(
                per_second
                    .iter()
                    .filter(|s| s.2 > 0)
                    .map(|s| (s.0, s.2))
                    .collect(),
            ),
        ),
        (HISTOGRAM_KEY, Value::Array(exact)),
    ])
}

/// Pairs of an integer-keyed map (`{bucket: count}`, `{second: count}`).
fn int_pairs(value: Option<&Value>) -> Vec<(i64, u64)> {
    let Some(entries) = value.and_then(Value::as_map) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(k, v)| {
            let key = match k {
                Value::Integer(n) => n.as_i64()?,
                other => as_f64(other)? as i64,
            };
            Some((key, as_u64(v)?))
        })
        .collect()
}

/// A part of a worker's statistics report that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// A `StatsEntry` dict without a name ([`entry_from_value`]).
    #[error("a stats entry without a name")]
    EntryWithoutName,
    /// A `StatsError` dict without a name ([`error_from_value`]).
    #[error("a stats error without a name")]
    ErrorWithoutName,
    /// A check that is not a name with `[passes, fails]` ([`CHECKS_KEY`]).
    #[error("a check that is not a name with [passes, fails]")]
    MalformedCheck,
}

/// A row from a `StatsEntry` dict (a locusta or a Locust worker's). Missing
/// or malformed fields count as zero; a dict without a name is an error.
pub fn entry_from_value(value: &Value) -> Result<StatsEntry, ReportError> {
    let name = value.get_str("name").ok_or(ReportError::EntryWithoutName)?;
    let method = value.get_str("method").unwrap_or("");
    let start_time = value.get_f64("start_time").unwrap_or(0.0);
    let mut entry = StatsEntry::new(method, name, start_time);
    entry.num_requests = value.get_u64("num_requests").unwrap_or(0);
    entry.num_none_requests = value
        .get_u64("num_none_requests")
        .unwrap_or(0)
        .min(entry.num_requests);
    entry.num_failures = value.get_u64("num_failures").unwrap_or(0);
    let us = |ms: f64| (ms.max(0.0) * 1000.0).round() as u64;
    entry.total_response_time_us = us(value.get_f64("total_response_time").unwrap_or(0.0));
    entry.max_response_time_us = us(value.get_f64("max_response_time").unwrap_or(0.0));
    entry.min_response_time_us = value.get_f64("min_response_time").map(us);
    entry.total_content_length = value.get_u64("total_content_length").unwrap_or(0);
    entry.last_request_timestamp = value.get_f64("last_request_timestamp");
    let histogram = entry.histogram_mut();
    match value.get(HISTOGRAM_KEY).and_then(Value::as_array) {
        Some(pairs) => {
            for pair in pairs {
                let Some([value_us, count]) = pair.as_array().map(Vec::as_slice) else {
                    continue;
                };
                if let (Some(value_us), Some(count)) = (as_u64(value_us), as_u64(count)) {
                    record(histogram, value_us, count);
                }
            }
        }
        None => {
            for (bucket_ms, count) in int_pairs(value.get("response_times")) {
                let us = (bucket_ms.max(0) as u64).saturating_mul(1000);
                record(histogram, us, count);
            }
        }
    }
    let requests = int_pairs(value.get("num_reqs_per_sec"));
    let failures = int_pairs(value.get("num_fail_per_sec"));
    for (second, count) in requests {
        entry.add_per_second(second, count, 0);
    }
    for (second, count) in failures {
        entry.add_per_second(second, 0, count);
    }
    Ok(entry)
}

/// Records `count` samples of `us` (a value beyond the largest kept is
/// clamped).
fn record(histogram: &mut locusta_stats::ResponseTimes, us: u64, count: u64) {
    histogram.record_n(us, count);
}

/// A failure group as Locust's `StatsError.to_dict()`.
pub fn error_to_value(error: &ErrorEntry) -> Value {
    map(vec![
        ("name", error.name.as_str().into()),
        ("method", error.method.as_str().into()),
        ("error", error.error.as_str().into()),
        ("occurrences", error.occurrences.into()),
        ("first_seen", error.first_seen.into()),
        ("last_seen", error.last_seen.into()),
    ])
}

/// A failure group from a `StatsError` dict.
pub fn error_from_value(value: &Value) -> Result<ErrorEntry, ReportError> {
    let now = locusta_stats::now_epoch();
    Ok(ErrorEntry {
        method: value.get_str("method").unwrap_or("").to_string(),
        name: value
            .get_str("name")
            .ok_or(ReportError::ErrorWithoutName)?
            .to_string(),
        error: match value.get("error") {
            Some(Value::String(text)) => text.as_str().unwrap_or("").to_string(),
            Some(Value::Nil) | None => "None".to_string(),
            Some(other) => other.to_string(),
        },
        occurrences: value.get_u64("occurrences").unwrap_or(0),
        first_seen: value.get_f64("first_seen").unwrap_or(now),
        last_seen: value.get_f64("last_seen").unwrap_or(now),
    })
}

/// The `stats`, `stats_total` and `errors` fields of a worker's report.
pub fn stats_fields(stats: &RequestStats) -> Vec<(&'static str, Value)> {
    let entries = stats
        .entries()
        .into_iter()
        .filter(|entry| !entry.is_empty())
        .map(entry_to_value)
        .collect();
    let errors = stats
        .errors()
        .into_iter()
        .map(|error| {
            // Locust keys errors by a hash of these three; any key that is
            // the same for the same failure merges the same way.
            let key = format!("{}.{}.{}", error.method, error.name, error.error);
            (Value::from(key), error_to_value(error))
        })
        .collect();
    let checks = stats
        .checks
        .iter()
        .map(|(name, counts)| {
            let pair = vec![Value::from(counts.passes), Value::from(counts.fails)];
            (Value::from(name), Value::Array(pair))
        })
        .collect();
    vec![
        ("stats", Value::Array(entries)),
        ("stats_total", entry_to_value(&stats.total)),
        ("errors", Value::Map(errors)),
        (CHECKS_KEY, Value::Map(checks)),
    ]
}

/// Merges a worker's report (`stats`, `stats_total`, `errors`) into `into`.
/// Malformed parts are skipped and described in the returned list.
pub fn merge_report(into: &mut RequestStats, report: &Value) -> Vec<ReportError> {
    let mut problems = Vec::new();
    if let Some(entries) = report.get("stats").and_then(Value::as_array) {
        for value in entries {
            match entry_from_value(value) {
                Ok(entry) => into.merge_entry(&entry),
                Err(problem) => problems.push(problem),
            }
        }
    }
    if let Some(total) = report.get("stats_total") {
        match entry_from_value(total) {
            Ok(entry) => into.total.merge(&entry),
            Err(problem) => problems.push(problem),
        }
    }
    if let Some(errors) = report.get("errors").and_then(Value::as_map) {
        for (_, value) in errors {
            match error_from_value(value) {
                Ok(error) => into.merge_error(&error),
                Err(problem) => problems.push(problem),
            }
        }
    }
    if let Some(checks) = report.get(CHECKS_KEY).and_then(Value::as_map) {
        for (name, value) in checks {
            match check_from_value(name, value) {
                Some((name, counts)) => into.checks.add(name, counts),
                None => problems.push(ReportError::MalformedCheck),
            }
        }
    }
    problems
}

/// One check of a report: its name and `[passes, fails]`.
fn check_from_value<'a>(name: &'a Value, value: &Value) -> Option<(&'a str, CheckCounts)> {
    let name = name.as_str()?;
    match value.as_array()?.as_slice() {
        [passes, fails] => Some((
            name,
            CheckCounts {
                passes: passes.as_u64()?,
                fails: fails.as_u64()?,
            },
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RequestStats {
        let mut stats = RequestStats::new(1000.0);
        for (i, ms) in [1.234, 5.0, 57.5, 230.0, 1234.0].into_iter().enumerate() {
            let us = (ms * 1000.0) as u64;
            stats.log_request("GET", "/a", Some(us), 10, 1000.0 + i as f64);
        }
        stats.log_error("GET", "/a", "HTTPError('500')", 1003.0);
        stats.log_check("status is 200", true);
        stats.log_check("status is 200", false);
        stats.log_check("has body", true);
        stats
    }

    #[test]
    fn buckets_follow_locust() {
        assert_eq!(locust_bucket(57.4), 57);
        assert_eq!(locust_bucket(147.0), 150);
        assert_eq!(locust_bucket(3432.0), 3400);
        assert_eq!(locust_bucket(58760.0), 59000);
    }

    #[test]
    fn a_report_merges_exactly() {
        let stats = sample();
        let report = map(stats_fields(&stats));
        // Through msgpack bytes, as on the wire.
        let bytes = crate::Message::new("stats", report, "w").encode();
        let report = crate::Message::decode(&bytes).unwrap().data;
        let mut merged = RequestStats::new(2000.0);
        assert!(merge_report(&mut merged, &report).is_empty());
        merge_report(&mut merged, &report);
        let row = merged.get("GET", "/a").unwrap();
        let original = stats.get("GET", "/a").unwrap();
        assert_eq!(row.num_requests, 10);
        assert_eq!(row.num_failures, 2);
        assert_eq!(row.min_response_time_us, original.min_response_time_us);
        assert_eq!(row.max_response_time_us, original.max_response_time_us);
        assert_eq!(
            row.total_response_time_us,
            2 * original.total_response_time_us
        );
        for q in [0.5, 0.9, 0.99] {
            assert_eq!(row.percentile(q), original.percentile(q));
        }
        assert_eq!(merged.total.num_requests, 10);
        assert_eq!(merged.errors()[0].occurrences, 2);
        assert_eq!(merged.start_time(), 1000.0);
        assert_eq!(
            merged.checks.get("status is 200"),
            Some(CheckCounts {
                passes: 2,
                fails: 2
            })
        );
        assert_eq!(merged.checks.total().total(), 6);
    }

    #[test]
    fn locust_buckets_are_used_without_the_histogram() {
        let mut value = entry_to_value(&sample().total);
        if let Value::Map(pairs) = &mut value {
            pairs.retain(|(k, _)| k.as_str() != Some(HISTOGRAM_KEY));
        }
        let entry = entry_from_value(&value).unwrap();
        assert_eq!(entry.histogram().len(), 5);
        assert!((entry.percentile(1.0) - 1234.0).abs() < 1.0);
    }

    #[test]
    fn garbage_is_reported_not_fatal() {
        let mut stats = RequestStats::new(0.0);
        let report = map(vec![
            ("stats", Value::Array(vec![Value::from(3), map(vec![])])),
            ("errors", map(vec![("k", Value::from("x"))])),
        ]);
        assert_eq!(merge_report(&mut stats, &report).len(), 3);
        assert_eq!(stats.num_requests(), 0);
    }
}

//! `GET /stats/requests`: Locust's JSON shape (its fields are listed in
//! `docs/web-ui.md`), with every row (Locust truncates to 500).

use locusta_engine::health::HealthReport;
use locusta_engine::remote::WorkerInfo;
use locusta_engine::runner::RunnerState;
use locusta_stats::{RequestStats, StatsEntry, PERCENTILES_TO_CHART};
use locusta_thresholds::{Live, Status};
use serde::Serialize;

/// The percentiles of the statistics table (Locust's `PERCENTILES_TO_STATISTICS`).
pub(crate) const PERCENTILES_TO_STATISTICS: [f64; 2] = [0.95, 0.99];

/// Milliseconds and rates with two decimals: enough for the UI, and a much
/// smaller answer with 10,000 rows.
fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[derive(Serialize)]
struct Row<'a> {
    method: &'a str,
    name: &'a str,
    safe_name: &'a str,
    num_requests: u64,
    num_failures: u64,
    min_response_time: f64,
    max_response_time: f64,
    current_rps: f64,
    current_fail_per_sec: f64,
    avg_response_time: f64,
    median_response_time: f64,
    total_rps: f64,
    total_fail_per_sec: f64,
    #[serde(rename = "response_time_percentile_0.95")]
    p95: f64,
    #[serde(rename = "response_time_percentile_0.99")]
    p99: f64,
    avg_content_length: f64,
}

#[derive(Serialize)]
struct Error<'a> {
    method: &'a str,
    name: &'a str,
    error: &'a str,
    occurrences: u64,
    first_seen: f64,
    last_seen: f64,
}

#[derive(Serialize)]
struct CurrentPercentiles {
    #[serde(rename = "response_time_percentile_0.5")]
    p50: Option<f64>,
    #[serde(rename = "response_time_percentile_0.95")]
    p95: Option<f64>,
}

#[derive(Serialize)]
struct Answer<'a> {
    current_rps: f64,
    current_fail_per_sec: f64,
    total_rps: f64,
    total_fail_per_sec: f64,
    fail_ratio: f64,
    current_response_time_percentiles: CurrentPercentiles,
    errors: Vec<Error<'a>>,
    stats: Vec<Row<'a>>,
    state: &'static str,
    user_count: u64,
    /// A master's workers (absent elsewhere, as in Locust).
    #[serde(skip_serializing_if = "Option::is_none")]
    workers: Option<&'a [WorkerInfo]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    worker_count: Option<usize>,
    /// The thresholds' live state (absent without thresholds).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    thresholds: Vec<ThresholdRow>,
    /// locusta's addition: the generator's self-check (docs/health.md).
    generator: &'a HealthReport,
}

/// One threshold in `thresholds`: as written, where it stands
/// (`waiting`, `no_data`, `passing`, `failing`, `aborted`), its latest value
/// (in its metric's unit) and both for people.
#[derive(Serialize)]
struct ThresholdRow {
    threshold: String,
    status: Status,
    value: Option<f64>,
    value_text: String,
    limit_text: String,
}

fn threshold_row(live: &Live) -> ThresholdRow {
    let kind = live.threshold.metric.kind();
    ThresholdRow {
        threshold: live.threshold.text.clone(),
        status: live.status,
        value: live.value,
        value_text: live
            .value
            .map_or_else(|| "–".to_owned(), |v| kind.format(v)),
        limit_text: live.threshold.limit_text(),
    }
}

/// Workers that can take users (ready, spawning or running): Locust's
/// `worker_count`.
pub(crate) fn active_worker_count(workers: &[WorkerInfo]) -> usize {
    workers
        .iter()
        .filter(|w| matches!(w.state.as_str(), "ready" | "spawning" | "running"))
        .count()
}

fn row<'a>(stats: &RequestStats, entry: &'a StatsEntry) -> Row<'a> {
    let (current_rps, current_fail_per_sec) = stats.rates(entry, true);
    let (total_rps, total_fail_per_sec) = stats.rates(entry, false);
    Row {
        method: &entry.method,
        name: &entry.name,
        safe_name: &entry.name,
        num_requests: entry.num_requests,
        num_failures: entry.num_failures,
        min_response_time: round2(entry.min_response_time()),
        max_response_time: round2(entry.max_response_time()),
        current_rps: round2(current_rps),
        current_fail_per_sec: round2(current_fail_per_sec),
        avg_response_time: round2(entry.avg_response_time()),
        median_response_time: round2(entry.median_response_time()),
        total_rps: round2(total_rps),
        total_fail_per_sec: round2(total_fail_per_sec),
        p95: round2(entry.percentile(PERCENTILES_TO_STATISTICS[0])),
        p99: round2(entry.percentile(PERCENTILES_TO_STATISTICS[1])),
        avg_content_length: round2(entry.avg_content_length()),
    }
}

/// The whole answer: every row sorted by name then method, Aggregated last,
/// the failure groups, the Aggregated rates, the current-window percentiles
/// of [`PERCENTILES_TO_CHART`], the runner's state and user count, a
/// master's workers, the thresholds' live state and the generator's health.
pub(crate) fn stats_requests(
    stats: &RequestStats,
    state: RunnerState,
    user_count: u64,
    workers: Option<&[WorkerInfo]>,
    thresholds: &[Live],
    generator: &HealthReport,
    now: f64,
) -> String {
    let entries = stats.entries();
    let mut rows: Vec<Row<'_>> = Vec::with_capacity(entries.len() + 1);
    rows.extend(entries.into_iter().map(|e| row(stats, e)));
    let total = row(stats, &stats.total);
    let current = |q: f64| stats.current_percentile(&stats.total, q, now).map(round2);
    let answer = Answer {
        current_rps: total.current_rps,
        current_fail_per_sec: total.current_fail_per_sec,
        total_rps: total.total_rps,
        total_fail_per_sec: total.total_fail_per_sec,
        fail_ratio: stats.total.fail_ratio(),
        current_response_time_percentiles: CurrentPercentiles {
            p50: current(PERCENTILES_TO_CHART[0]),
            p95: current(PERCENTILES_TO_CHART[1]),
        },
        errors: stats
            .errors()
            .into_iter()
            .map(|e| Error {
                method: &e.method,
                name: &e.name,
                error: &e.error,
                occurrences: e.occurrences,
                first_seen: e.first_seen,
                last_seen: e.last_seen,
            })
            .collect(),
        stats: {
            rows.push(total);
            rows
        },
        state: state.as_str(),
        user_count,
        workers,
        worker_count: workers.map(active_worker_count),
        thresholds: thresholds.iter().map(threshold_row).collect(),
        generator,
    };
    serde_json::to_string(&answer).unwrap_or_else(|_| "{}".into())
}

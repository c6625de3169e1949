//! The statistics over time: one [`HistoryPoint`] per sampling interval, for
//! the history CSV, the HTML report's charts and the web UI.

use crate::RequestStats;

/// The percentiles charted over time by default, and in the HTML report
/// (Locust's `PERCENTILES_TO_CHART`).
pub const PERCENTILES_TO_CHART: [f64; 2] = [0.5, 0.95];

/// The percentiles each history point records: the web UI's chart shows the
/// ones the user picks among them.
pub const PERCENTILES_RECORDED: [f64; 6] = [0.5, 0.75, 0.9, 0.95, 0.99, 0.999];

/// The state of the test at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPoint {
    /// When, epoch seconds.
    pub time: f64,
    /// Users running.
    pub user_count: u64,
    /// Current requests/s of the Aggregated row (Locust's window).
    pub current_rps: f64,
    /// Current failures/s of the Aggregated row.
    pub current_fail_per_sec: f64,
    /// Average response time since the start, ms.
    pub total_avg_response_time: f64,
    /// (percentile, ms) over the last seconds, for [`PERCENTILES_RECORDED`].
    pub response_time_percentiles: Vec<(f64, f64)>,
}

/// Every sampled point of a test, oldest first.
#[derive(Debug, Clone, Default)]
pub struct StatsHistory {
    /// The points.
    pub points: Vec<HistoryPoint>,
}

impl StatsHistory {
    /// Appends the point of `now`, built from `stats` as Locust's
    /// `update_stats_history`: the Aggregated row's current requests/s and
    /// failures/s (Locust's window), its average response time since the start
    /// (rounded to 2 decimals) and its current-window percentiles for
    /// [`PERCENTILES_RECORDED`] (0 when no snapshot is found: see
    /// [`RequestStats::snapshot_response_times`]).
    pub fn record(&mut self, stats: &RequestStats, user_count: u64, now: f64) {
        let (current_rps, current_fail_per_sec) = stats.rates(&stats.total, true);
        let response_time_percentiles = PERCENTILES_RECORDED
            .iter()
            .map(|&q| {
                let ms = stats.current_percentile(&stats.total, q, now);
                (q, ms.unwrap_or(0.0))
            })
            .collect();
        self.points.push(HistoryPoint {
            time: now,
            user_count,
            current_rps,
            current_fail_per_sec,
            total_avg_response_time: round_half_away(stats.total.avg_response_time(), 2),
            response_time_percentiles,
        });
    }
}

/// `value` rounded to `digits` decimals, halves away from zero (Locust's
/// `proper_round`).
fn round_half_away(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

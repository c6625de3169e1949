//! The statistics over time: one [`HistoryPoint`] per sampling interval, for
//! the history CSV, the HTML report's charts and the web UI.

/// The percentiles charted over time (Locust's `PERCENTILES_TO_CHART`).
pub const PERCENTILES_TO_CHART: [f64; 2] = [0.5, 0.95];

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
    /// (percentile, ms) over the last seconds, for [`PERCENTILES_TO_CHART`].
    pub response_time_percentiles: Vec<(f64, f64)>,
}

/// Every sampled point of a test, oldest first.
#[derive(Debug, Clone, Default)]
pub struct StatsHistory {
    /// The points.
    pub points: Vec<HistoryPoint>,
}

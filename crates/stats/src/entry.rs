//! One statistics row: [`StatsEntry`].

/// The percentiles of the console and CSV tables (Locust's `PERCENTILES_TO_REPORT`).
pub const PERCENTILES_TO_REPORT: [f64; 11] = [
    0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0,
];

/// Statistics of one (method, name), or of all requests ("Aggregated", method "").
#[derive(Debug, Clone)]
pub struct StatsEntry {
    /// The request name.
    pub name: String,
    /// The method ("" for Aggregated).
    pub method: String,
    /// Requests, failed ones included.
    pub num_requests: u64,
    /// Requests reported without a response time.
    pub num_none_requests: u64,
    /// Failed requests.
    pub num_failures: u64,
    /// Sum of response times, microseconds (exact).
    pub total_response_time_us: u64,
    /// Smallest response time, microseconds (exact); `None` before the first sample.
    pub min_response_time_us: Option<u64>,
    /// Largest response time, microseconds (exact).
    pub max_response_time_us: u64,
    /// Sum of response body sizes, bytes.
    pub total_content_length: u64,
    /// When this entry was created or last reset, epoch seconds.
    pub start_time: f64,
    /// When the last request was logged, epoch seconds.
    pub last_request_timestamp: Option<f64>,
}

impl StatsEntry {
    /// An empty entry.
    pub fn new(method: &str, name: &str, start_time: f64) -> Self {
        let _ = (method, name, start_time);
        todo!()
    }
    /// Logs one request (response time in microseconds, `None` if unmeasured) at `now`.
    pub fn log(&mut self, response_time_us: Option<u64>, content_length: u64, now: f64) {
        let _ = (response_time_us, content_length, now);
        todo!()
    }
    /// Logs one failure at `now`.
    pub fn log_failure(&mut self, now: f64) {
        let _ = now;
        todo!()
    }
    /// Adds another entry's figures into this one (lossless for histograms).
    pub fn merge(&mut self, other: &StatsEntry) {
        let _ = other;
        todo!()
    }
    /// Empties the entry (keeping its allocations) and sets a new start time.
    pub fn reset(&mut self, start_time: f64) {
        let _ = start_time;
        todo!()
    }
    /// Average response time in ms (0 with no samples).
    pub fn avg_response_time(&self) -> f64 {
        todo!()
    }
    /// Minimum response time in ms (0 with no samples).
    pub fn min_response_time(&self) -> f64 {
        todo!()
    }
    /// Maximum response time in ms.
    pub fn max_response_time(&self) -> f64 {
        todo!()
    }
    /// The median in ms: exactly the 50th percentile.
    pub fn median_response_time(&self) -> f64 {
        self.percentile(0.5)
    }
    /// Response-time percentile `q` (0..=1) in ms, never above max nor below min;
    /// 0 with no samples.
    pub fn percentile(&self, q: f64) -> f64 {
        let _ = q;
        todo!()
    }
    /// Average response body size in bytes.
    pub fn avg_content_length(&self) -> f64 {
        todo!()
    }
    /// Failures ÷ requests (1.0 with failures but no requests).
    pub fn fail_ratio(&self) -> f64 {
        todo!()
    }
    /// Locust's current requests/s: the mean over the whole seconds in
    /// [max(last−12, start), last−2) where `last`/`start` are the global last
    /// request time and start time.
    pub fn current_rps(&self, global_last: f64, global_start: f64) -> f64 {
        let _ = (global_last, global_start);
        todo!()
    }
    /// Same window as [`Self::current_rps`], for failures.
    pub fn current_fail_per_sec(&self, global_last: f64, global_start: f64) -> f64 {
        let _ = (global_last, global_start);
        todo!()
    }
    /// Requests ÷ (global last request time − global start time).
    pub fn total_rps(&self, global_last: f64, global_start: f64) -> f64 {
        let _ = (global_last, global_start);
        todo!()
    }
    /// Failures ÷ (global last request time − global start time).
    pub fn total_fail_per_sec(&self, global_last: f64, global_start: f64) -> f64 {
        let _ = (global_last, global_start);
        todo!()
    }
}

//! One statistics row: [`StatsEntry`].

use std::collections::VecDeque;

use crate::times::ResponseTimes;

/// The percentiles of the console and CSV tables (Locust's `PERCENTILES_TO_REPORT`).
pub const PERCENTILES_TO_REPORT: [f64; 11] = [
    0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0,
];

/// How many seconds of per-second request and failure counts an entry keeps.
/// Locust's current rates look at most 12 s back from the latest request.
pub const PER_SECOND_WINDOW: usize = 64;

/// Locust's `CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW`: current percentiles look
/// at about the last 10 seconds.
const CURRENT_WINDOW_SECS: i64 = 10;

/// How many per-second response-time snapshots an entry keeps (Locust's
/// `CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW + 10`).
const SNAPSHOTS_KEPT: usize = 20;

/// The response-time histogram of an entry at one moment, kept sparse: the
/// recorded buckets only, as (highest equivalent value in µs, count), ascending.
#[derive(Debug, Clone, Default)]
struct Snapshot {
    /// The whole epoch second the snapshot was taken in.
    sec: i64,
    /// Samples in the histogram then.
    samples: u64,
    buckets: Vec<(u64, u64)>,
}

/// The snapshot an entry implicitly has at its start (creation or reset): empty.
static EMPTY_SNAPSHOT: Snapshot = Snapshot {
    sec: i64::MIN,
    samples: 0,
    buckets: Vec::new(),
};

/// The seconds where the snapshot for a current percentile at second `t` is
/// searched, by preference: t−10, t−11, t−9, t−12, t−8, … t−18, t−2 (Locust's
/// `get_current_response_time_percentile`).
fn snapshot_search_order(t: i64) -> impl Iterator<Item = i64> {
    let centre = t.saturating_sub(CURRENT_WINDOW_SECS);
    std::iter::once(centre)
        .chain((1..=8).flat_map(move |i| [centre.saturating_sub(i), centre.saturating_add(i)]))
}

/// Formats a percentile (0..=1) like Locust's `get_readable_percentiles`:
/// `50%`, `99.9%`, `99.99%`, `100%`.
pub fn readable_percentile(q: f64) -> String {
    let pct = q * 100.0;
    if (pct - pct.round()).abs() < 1e-9 {
        format!("{}%", pct.round() as i64)
    } else {
        let s = format!("{pct:.6}");
        format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// Counts of one epoch second.
#[derive(Debug, Clone, Copy)]
struct SecondSlot {
    sec: i64,
    reqs: u32,
    fails: u32,
}

/// Per-second request and failure counts of the last [`PER_SECOND_WINDOW`]
/// seconds: only the seconds that had any, ascending (a name seen once keeps
/// one slot, not the whole window).
#[derive(Debug, Clone, Default)]
struct PerSecond {
    slots: VecDeque<SecondSlot>,
}

impl PerSecond {
    fn new() -> Self {
        Self::default()
    }

    /// Adds counts to `sec`; counts older than the window (behind the newest
    /// second kept) are dropped.
    fn add(&mut self, sec: i64, reqs: u32, fails: u32) {
        // The common case, a request of the newest second: no search.
        if let Some(slot) = self.slots.back_mut().filter(|s| s.sec == sec) {
            slot.reqs = slot.reqs.saturating_add(reqs);
            slot.fails = slot.fails.saturating_add(fails);
            return;
        }
        let newest = self.slots.back().map_or(i64::MIN, |s| s.sec);
        if sec > newest {
            self.slots.push_back(SecondSlot { sec, reqs, fails });
            while self
                .slots
                .front()
                .is_some_and(|s| s.sec <= sec.saturating_sub(PER_SECOND_WINDOW as i64))
            {
                self.slots.pop_front();
            }
            return;
        }
        if sec <= newest.saturating_sub(PER_SECOND_WINDOW as i64) {
            return;
        }
        let at = self.slots.partition_point(|s| s.sec < sec);
        match self.slots.get_mut(at) {
            Some(slot) if slot.sec == sec => {
                slot.reqs = slot.reqs.saturating_add(reqs);
                slot.fails = slot.fails.saturating_add(fails);
            }
            _ => self.slots.insert(at, SecondSlot { sec, reqs, fails }),
        }
    }

    /// (requests, failures) of `sec`, 0 when unknown.
    fn get(&self, sec: i64) -> (u32, u32) {
        let at = self.slots.partition_point(|s| s.sec < sec);
        match self.slots.get(at) {
            Some(slot) if slot.sec == sec => (slot.reqs, slot.fails),
            _ => (0, 0),
        }
    }

    fn merge(&mut self, other: &PerSecond) {
        for slot in &other.slots {
            self.add(slot.sec, slot.reqs, slot.fails);
        }
    }

    fn clear(&mut self) {
        self.slots.clear();
    }
}

/// The integer epoch second of `t` (Python's `int(t)` for positive times).
fn epoch_second(t: f64) -> i64 {
    t.floor() as i64
}

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
    /// Response times in microseconds.
    histogram: ResponseTimes,
    per_second: PerSecond,
    /// Per-second snapshots of the histogram for current percentiles, oldest
    /// first, at most [`SNAPSHOTS_KEPT`].
    snapshots: VecDeque<Snapshot>,
}

impl StatsEntry {
    /// An empty entry.
    pub fn new(method: &str, name: &str, start_time: f64) -> Self {
        Self {
            name: name.to_owned(),
            method: method.to_owned(),
            num_requests: 0,
            num_none_requests: 0,
            num_failures: 0,
            total_response_time_us: 0,
            min_response_time_us: None,
            max_response_time_us: 0,
            total_content_length: 0,
            start_time,
            last_request_timestamp: None,
            histogram: ResponseTimes::new(),
            per_second: PerSecond::new(),
            snapshots: VecDeque::new(),
        }
    }

    /// Logs one request (response time in microseconds, `None` if unmeasured) at `now`.
    pub fn log(&mut self, response_time_us: Option<u64>, content_length: u64, now: f64) {
        self.num_requests += 1;
        self.per_second.add(epoch_second(now), 1, 0);
        self.touch(now);
        self.total_content_length = self.total_content_length.saturating_add(content_length);
        let Some(us) = response_time_us else {
            self.num_none_requests += 1;
            return;
        };
        self.total_response_time_us = self.total_response_time_us.saturating_add(us);
        self.min_response_time_us = Some(self.min_response_time_us.map_or(us, |m| m.min(us)));
        self.max_response_time_us = self.max_response_time_us.max(us);
        self.histogram.record(us);
    }

    /// Logs one failure at `now`.
    pub fn log_failure(&mut self, now: f64) {
        self.num_failures += 1;
        self.per_second.add(epoch_second(now), 0, 1);
    }

    fn touch(&mut self, now: f64) {
        self.last_request_timestamp = Some(match self.last_request_timestamp {
            Some(last) => last.max(now),
            None => now,
        });
    }

    /// Adds another entry's figures into this one (lossless for histograms).
    pub fn merge(&mut self, other: &StatsEntry) {
        if let Some(t) = other.last_request_timestamp {
            self.touch(t);
        }
        self.start_time = self.start_time.min(other.start_time);
        // Saturating: counts from another process's report can be anything.
        self.num_requests = self.num_requests.saturating_add(other.num_requests);
        self.num_none_requests = self
            .num_none_requests
            .saturating_add(other.num_none_requests);
        self.num_failures = self.num_failures.saturating_add(other.num_failures);
        self.total_response_time_us = self
            .total_response_time_us
            .saturating_add(other.total_response_time_us);
        self.min_response_time_us = match (self.min_response_time_us, other.min_response_time_us) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max_response_time_us = self.max_response_time_us.max(other.max_response_time_us);
        self.total_content_length = self
            .total_content_length
            .saturating_add(other.total_content_length);
        self.histogram.add(&other.histogram);
        self.per_second.merge(&other.per_second);
    }

    /// Empties the entry (keeping its allocations) and sets a new start time.
    pub fn reset(&mut self, start_time: f64) {
        self.num_requests = 0;
        self.num_none_requests = 0;
        self.num_failures = 0;
        self.total_response_time_us = 0;
        self.min_response_time_us = None;
        self.max_response_time_us = 0;
        self.total_content_length = 0;
        self.start_time = start_time;
        self.last_request_timestamp = None;
        self.histogram.reset();
        self.per_second.clear();
        self.snapshots.clear();
    }

    /// Whether anything was logged since creation or the last reset.
    pub fn is_empty(&self) -> bool {
        self.num_requests == 0 && self.num_failures == 0
    }

    /// Number of requests with a measured response time.
    pub fn num_samples(&self) -> u64 {
        self.num_requests - self.num_none_requests
    }

    /// Average response time in ms (0 with no samples).
    pub fn avg_response_time(&self) -> f64 {
        match self.num_samples() {
            0 => 0.0,
            n => self.total_response_time_us as f64 / n as f64 / 1000.0,
        }
    }

    /// Minimum response time in ms (0 with no samples).
    pub fn min_response_time(&self) -> f64 {
        self.min_response_time_us.unwrap_or(0) as f64 / 1000.0
    }

    /// Maximum response time in ms.
    pub fn max_response_time(&self) -> f64 {
        self.max_response_time_us as f64 / 1000.0
    }

    /// The median in ms: exactly the 50th percentile.
    pub fn median_response_time(&self) -> f64 {
        self.percentile(0.5)
    }

    /// Response-time percentile `q` (0..=1) in ms, never above max nor below min;
    /// 0 with no samples.
    ///
    /// Like Locust, the result is the sample of 0-based rank `floor(N·q)` (the last
    /// one for q = 1), here read from the histogram as the middle of its bucket
    /// (≤ 1 % relative error) and clamped to the exact [min, max]. The first and
    /// last ranks are the exact min and max.
    pub fn percentile(&self, q: f64) -> f64 {
        self.percentiles([q])[0]
    }

    /// Several percentiles at once, as [`Self::percentile`] gives each, in
    /// one pass over the histogram (a table's or a scrape's row).
    pub fn percentiles<const N: usize>(&self, qs: [f64; N]) -> [f64; N] {
        let mut out = [0.0; N];
        let n = self.histogram.len();
        if n == 0 {
            return out;
        }
        let ranks = qs.map(|q| {
            let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
            ((n as f64 * q).floor() as u64).min(n - 1) + 1
        });
        let min = self.min_response_time_us.unwrap_or(0);
        let max = self.max_response_time_us.max(min);
        let mut order: [usize; N] = std::array::from_fn(|i| i);
        order.sort_unstable_by_key(|&i| ranks[i]);
        let mut buckets = self.histogram.buckets();
        // The cumulative count up to the current bucket, and its value.
        let mut seen = 0u64;
        let mut current = None;
        for i in order {
            let rank = ranks[i];
            // The extreme ranks are known exactly.
            let us = if rank == n {
                max
            } else if rank == 1 {
                min
            } else {
                while seen < rank {
                    match buckets.next() {
                        Some((bucket, count)) => {
                            seen += count;
                            current = Some(bucket);
                        }
                        None => break,
                    }
                }
                match current {
                    Some(bucket) if seen >= rank => ResponseTimes::median_equivalent(bucket),
                    _ => max,
                }
                .clamp(min, max)
            };
            out[i] = us as f64 / 1000.0;
        }
        out
    }

    /// Takes the snapshot of the response times used by
    /// [`Self::current_percentile`], keyed by the whole second of `now`. At most
    /// one per second (later calls in the same second do nothing); the last 20
    /// are kept. Locust takes one when the first request of a new second arrives;
    /// here the owner calls this about once a second (see
    /// [`crate::RequestStats::snapshot_response_times`]).
    pub fn snapshot_response_times(&mut self, now: f64) {
        let sec = epoch_second(now);
        if self.snapshots.back().is_some_and(|s| s.sec >= sec) {
            return;
        }
        // Reuse the oldest snapshot's allocation once the ring is full.
        let mut snapshot = if self.snapshots.len() >= SNAPSHOTS_KEPT {
            self.snapshots.pop_front().unwrap_or_default()
        } else {
            Snapshot::default()
        };
        snapshot.sec = sec;
        snapshot.samples = self.histogram.len();
        snapshot.buckets.clear();
        snapshot.buckets.extend(self.histogram.buckets());
        self.snapshots.push_back(snapshot);
    }

    /// Locust's *current* response-time percentile `q` (0..=1) in ms: the
    /// percentile of the samples logged since the snapshot taken about 10 s
    /// before `now`. The snapshot is searched at the seconds t−10, t−11, t−9,
    /// t−12, t−8, … t−18, t−2 (t = the whole second of `now`); the entry's start
    /// (creation or reset) counts as an empty snapshot, as in Locust. `None` when
    /// no snapshot is found; `Some(0.0)` when the window has no samples.
    ///
    /// The rank is Locust's (`floor(N·q)`, the last sample for q = 1); the value is
    /// the middle of its histogram bucket (≤ 1 % relative error), clamped to the
    /// entry's exact [min, max], and exactly the min or max when the window's
    /// first or last sample shares the bucket of the exact min or max.
    pub fn current_percentile(&self, q: f64, now: f64) -> Option<f64> {
        let start_sec = epoch_second(self.start_time);
        let snapshot = snapshot_search_order(epoch_second(now)).find_map(|sec| {
            self.snapshots
                .iter()
                .find(|s| s.sec == sec)
                .or((sec == start_sec).then_some(&EMPTY_SNAPSHOT))
        })?;
        let n = self.histogram.len().saturating_sub(snapshot.samples);
        if n == 0 {
            return Some(0.0);
        }
        let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
        let rank = ((n as f64 * q).floor() as u64).min(n - 1) + 1;
        let min = self.min_response_time_us.unwrap_or(0);
        let max = self.max_response_time_us.max(min);
        let mut old = snapshot.buckets.iter().peekable();
        let mut seen = 0u64;
        for (value, count) in self.histogram.buckets() {
            let mut count = count;
            while old.next_if(|(v, _)| *v < value).is_some() {}
            if let Some((_, before)) = old.next_if(|(v, _)| *v == value) {
                count = count.saturating_sub(*before);
            }
            seen += count;
            if count == 0 || seen < rank {
                continue;
            }
            let us = if rank == n && ResponseTimes::equivalent(value, max) {
                max
            } else if rank == 1 && ResponseTimes::equivalent(value, min) {
                min
            } else {
                ResponseTimes::median_equivalent(value).clamp(min, max)
            };
            return Some(us as f64 / 1000.0);
        }
        Some(max as f64 / 1000.0)
    }

    /// Average response body size in bytes.
    pub fn avg_content_length(&self) -> f64 {
        match self.num_requests {
            0 => 0.0,
            n => self.total_content_length as f64 / n as f64,
        }
    }

    /// Failures ÷ requests (1.0 with failures but no requests).
    pub fn fail_ratio(&self) -> f64 {
        match (self.num_requests, self.num_failures) {
            (0, 0) => 0.0,
            (0, _) => 1.0,
            (r, f) => f as f64 / r as f64,
        }
    }

    /// Average per-second count over Locust's current window.
    fn window_average(&self, global_last: f64, global_start: f64, failures: bool) -> f64 {
        let last = epoch_second(global_last);
        let from = last.saturating_sub(12).max(epoch_second(global_start));
        let to = last.saturating_sub(2);
        if to <= from {
            return 0.0;
        }
        let sum: u64 = (from..to)
            .map(|t| {
                let (reqs, fails) = self.per_second.get(t);
                u64::from(if failures { fails } else { reqs })
            })
            .sum();
        sum as f64 / to.saturating_sub(from) as f64
    }

    /// Locust's current requests/s: the mean over the whole seconds in
    /// [max(last−12, start), last−2) where `last`/`start` are the global last
    /// request time and start time.
    pub fn current_rps(&self, global_last: f64, global_start: f64) -> f64 {
        self.window_average(global_last, global_start, false)
    }

    /// Same window as [`Self::current_rps`], for failures.
    pub fn current_fail_per_sec(&self, global_last: f64, global_start: f64) -> f64 {
        self.window_average(global_last, global_start, true)
    }

    /// Requests ÷ (global last request time − global start time).
    pub fn total_rps(&self, global_last: f64, global_start: f64) -> f64 {
        per_elapsed(self.num_requests, global_last, global_start)
    }

    /// Failures ÷ (global last request time − global start time).
    pub fn total_fail_per_sec(&self, global_last: f64, global_start: f64) -> f64 {
        per_elapsed(self.num_failures, global_last, global_start)
    }

    /// The response-time histogram (microseconds, 2 significant digits).
    pub fn histogram(&self) -> &ResponseTimes {
        &self.histogram
    }

    /// The response-time histogram, mutably: for rebuilding an entry received from
    /// another process. Keep it consistent with the exact fields.
    pub fn histogram_mut(&mut self) -> &mut ResponseTimes {
        &mut self.histogram
    }

    /// The per-second (epoch second, requests, failures) counts still kept (the last
    /// [`PER_SECOND_WINDOW`] seconds at most), in ascending order of seconds.
    pub fn per_second(&self) -> Vec<(i64, u64, u64)> {
        self.per_second
            .slots
            .iter()
            .filter(|s| s.reqs > 0 || s.fails > 0)
            .map(|s| (s.sec, u64::from(s.reqs), u64::from(s.fails)))
            .collect()
    }

    /// Adds per-second counts (e.g. from another process's report).
    pub fn add_per_second(&mut self, sec: i64, requests: u64, failures: u64) {
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        self.per_second.add(sec, clamp(requests), clamp(failures));
    }
}

fn per_elapsed(count: u64, global_last: f64, global_start: f64) -> f64 {
    let elapsed = global_last - global_start;
    if global_last <= 0.0 || global_start <= 0.0 || elapsed <= 0.0 {
        0.0
    } else {
        count as f64 / elapsed
    }
}

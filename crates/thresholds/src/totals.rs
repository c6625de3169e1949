//! The figures a threshold reads: [`Totals`], the running totals of the rows
//! a scope selects at one moment, and [`Span`], what happened between two
//! such moments (or since the start), from which [`Span::value`] computes
//! any metric. For the `checks` metric the totals are the checks' passes
//! and fails instead of request rows.
//!
//! The statistics (`locusta-stats`) keep, per row, exact counts, sums,
//! min and max and an HDR histogram of every response time since the start;
//! the per-second counts they keep cover only the last 64 s and hold no
//! response times. So a trailing window is measured the way Locust's
//! current percentiles are: the evaluator keeps one [`Totals`] per second
//! (the histogram as its sparse list of recorded buckets, a few KiB) for as
//! long as its window, and the window is the difference between now and the
//! totals of one window ago. Bucket counts subtract exactly, so a window's
//! percentiles have the histogram's ≤ 1 % error, like the run's.

use locusta_stats::{RequestStats, ResponseTimes};

use crate::expr::{Metric, Scope};

/// Running totals of the rows in a scope, at `at` (epoch seconds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// When they were read.
    pub at: f64,
    /// Requests, failed ones included.
    pub requests: u64,
    /// Failures.
    pub failures: u64,
    /// Requests with a measured response time.
    pub samples: u64,
    /// Sum of response times, µs.
    pub sum_us: u64,
    /// Exact smallest and largest response times, µs (`None` before any).
    pub min_us: Option<u64>,
    /// See `min_us`.
    pub max_us: u64,
    /// The response-time histogram's recorded buckets (highest equivalent µs,
    /// count), ascending; empty unless the metric needs response times.
    pub buckets: Vec<(u64, u64)>,
    /// Checks that passed and that failed (the `checks` metric only).
    pub check_passes: u64,
    /// See `check_passes`.
    pub check_fails: u64,
}

impl Totals {
    /// Nothing yet, at `at`.
    pub fn zero(at: f64) -> Self {
        Self {
            at,
            ..Self::default()
        }
    }

    /// The totals of `scope` in `stats` at `at`: the Aggregated row for every
    /// request, else the sum of the rows the scope matches. The histogram's
    /// buckets are read only when `metric` is a response time.
    pub fn read(stats: &RequestStats, scope: &Scope, metric: Metric, at: f64) -> Self {
        if metric == Metric::Checks {
            let counts = match &scope.check {
                Some(name) => stats.checks.get(name).unwrap_or_default(),
                None => stats.checks.total(),
            };
            return Totals {
                check_passes: counts.passes,
                check_fails: counts.fails,
                ..Totals::zero(at)
            };
        }
        let rows = if scope.is_all() {
            vec![&stats.total]
        } else {
            stats
                .entries()
                .into_iter()
                .filter(|e| scope.matches(&e.method, &e.name))
                .collect()
        };
        let mut totals = Totals::zero(at);
        let times = metric.kind() == crate::Kind::Time;
        let mut merged = ResponseTimes::new();
        for row in &rows {
            totals.requests += row.num_requests;
            totals.failures += row.num_failures;
            totals.samples += row.num_samples();
            totals.sum_us = totals.sum_us.saturating_add(row.total_response_time_us);
            totals.min_us = match (totals.min_us, row.min_response_time_us) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            totals.max_us = totals.max_us.max(row.max_response_time_us);
            if times && rows.len() > 1 {
                merged.add(row.histogram());
            }
        }
        if times {
            totals.buckets = match rows.as_slice() {
                [one] => one.histogram().buckets().collect(),
                _ => merged.buckets().collect(),
            };
        }
        totals
    }

    /// Whether these totals went down since `earlier` (the statistics were
    /// reset in between).
    pub fn went_back(&self, earlier: &Totals) -> bool {
        self.requests < earlier.requests
            || self.failures < earlier.failures
            || self.check_passes < earlier.check_passes
            || self.check_fails < earlier.check_fails
    }

    /// What happened since `earlier` (the start of a window or of the run
    /// after `after`), lasting `seconds`.
    pub fn since(&self, earlier: &Totals, seconds: f64) -> Span {
        let mut buckets = Vec::with_capacity(self.buckets.len());
        let mut old = earlier.buckets.iter().peekable();
        for &(value, count) in &self.buckets {
            while old.next_if(|(v, _)| *v < value).is_some() {}
            let before = old.next_if(|(v, _)| *v == value).map_or(0, |(_, c)| *c);
            if count > before {
                buckets.push((value, count - before));
            }
        }
        Span {
            requests: self.requests.saturating_sub(earlier.requests),
            failures: self.failures.saturating_sub(earlier.failures),
            samples: self.samples.saturating_sub(earlier.samples),
            sum_us: self.sum_us.saturating_sub(earlier.sum_us),
            min_us: self.min_us.unwrap_or(0),
            max_us: self.max_us,
            buckets,
            seconds,
            check_passes: self.check_passes.saturating_sub(earlier.check_passes),
            check_fails: self.check_fails.saturating_sub(earlier.check_fails),
        }
    }
}

/// What the requests of a scope did over some time.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Requests, failures, measured requests and their summed time (µs).
    pub requests: u64,
    /// See `requests`.
    pub failures: u64,
    /// See `requests`.
    pub samples: u64,
    /// See `requests`.
    pub sum_us: u64,
    /// The exact min and max since the start: the span's values are clamped
    /// to them, and a span's first or last sample that shares their bucket
    /// is exactly them.
    pub min_us: u64,
    /// See `min_us`.
    pub max_us: u64,
    /// The span's response-time buckets, ascending.
    pub buckets: Vec<(u64, u64)>,
    /// How long it lasted, seconds.
    pub seconds: f64,
    /// Checks that passed and that failed.
    pub check_passes: u64,
    /// See `check_passes`.
    pub check_fails: u64,
}

impl Span {
    /// The metric's value over this span, in the metric's base unit; `None`
    /// when the span has nothing to measure it on (no response times for a
    /// time, no requests for the failure ratio, no duration for a rate).
    pub fn value(&self, metric: Metric) -> Option<f64> {
        let per_second = |count: u64| (self.seconds > 0.0).then(|| count as f64 / self.seconds);
        match metric {
            Metric::Percentile(q) => self.percentile(q),
            Metric::Min => self.percentile(0.0),
            Metric::Max => self.percentile(1.0),
            Metric::Avg => {
                (self.samples > 0).then(|| self.sum_us as f64 / self.samples as f64 / 1000.0)
            }
            Metric::FailRatio => match (self.requests, self.failures) {
                (0, 0) => None,
                (0, _) => Some(1.0),
                (r, f) => Some(f as f64 / r as f64),
            },
            Metric::FailuresPerSec => per_second(self.failures),
            Metric::Rps => per_second(self.requests),
            Metric::Requests => Some(self.requests as f64),
            Metric::Failures => Some(self.failures as f64),
            Metric::Checks => match self.check_passes + self.check_fails {
                0 => None,
                n => Some(self.check_passes as f64 / n as f64),
            },
        }
    }

    /// Percentile `q` (0..=1) in ms, with the statistics' rule: the sample of
    /// 0-based rank `floor(N·q)` (the last for q = 1), read as the middle of
    /// its bucket and clamped to [min, max]; the first and last samples are
    /// the exact min and max when they share their buckets.
    fn percentile(&self, q: f64) -> Option<f64> {
        let n: u64 = self.buckets.iter().map(|(_, c)| c).sum();
        if n == 0 {
            return None;
        }
        let rank = ((n as f64 * q).floor() as u64).min(n - 1) + 1;
        let (min, max) = (self.min_us, self.max_us.max(self.min_us));
        let mut seen = 0;
        for &(value, count) in &self.buckets {
            seen += count;
            if seen < rank {
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
}

//! [`Evaluator`]: the thresholds of one test, judged against its statistics
//! once a second while it runs ([`Evaluator::tick`], which says when one
//! with `abort` stops the test) and once at its end ([`Evaluator::finish`],
//! which gives the [`Verdict`]s).
//!
//! The rules (`docs/thresholds.md`):
//!
//! * A whole-run threshold is judged on the final figures only (failing
//!   while the test ramps up does not count, unless it aborts the test).
//!   Its rates are Locust's total rates: requests ÷ (last request − start).
//! * A windowed threshold (`over D`) is judged on every trailing window of
//!   D it is evaluated on, each second and at the end: it fails if any
//!   window failed; its value is the worst window's. At the start of the
//!   run (or after `after`) a window covers what there is.
//! * `after D`: nothing before D into the test is measured or judged; a
//!   test that ends earlier leaves the threshold skipped.
//! * A scope that saw no request (no response time for a time metric) has
//!   no value: while running that judges nothing, at the end it fails with
//!   "no data" — a misspelt name must not pass in silence.
//! * `abort`: the first evaluation that fails while running stops the test;
//!   `abort after G`: one that has failed at every evaluation for G.
//! * When the statistics are reset (`--reset-stats`, the web UI), the
//!   thresholds measure from the reset.

use std::collections::VecDeque;

use locusta_stats::RequestStats;

use crate::expr::Threshold;
use crate::totals::Totals;

/// Ticks land a little late; a snapshot this close to a window's length
/// ago starts the window.
const TICK_SLACK: f64 = 0.5;
/// A tick this close to the end of `after` or of an abort's grace counts
/// as reaching it.
const TICK_JITTER: f64 = 0.05;

/// Where a threshold stands while the test runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Its `after` has not elapsed yet.
    Waiting,
    /// Its scope has nothing to measure yet.
    NoData,
    /// Its latest evaluation met the limit.
    Passing,
    /// Its latest evaluation did not.
    Failing,
    /// It failed and stopped the test.
    Aborted,
}

/// A threshold's result at the end of the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Met.
    Passed,
    /// Not met.
    Failed,
    /// Not met, and it stopped the test.
    Aborted,
    /// Its scope saw nothing to measure: counts as failed.
    NoData,
    /// The test ended before its `after`: not judged, not failed.
    Skipped,
}

impl Outcome {
    /// Whether this outcome fails the test.
    pub fn failed(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Aborted | Outcome::NoData)
    }
}

/// One threshold's live state.
#[derive(Debug, Clone, PartialEq)]
pub struct Live {
    /// The threshold.
    pub threshold: Threshold,
    /// Where it stands.
    pub status: Status,
    /// Its latest value (base unit of its metric), if it had one.
    pub value: Option<f64>,
}

/// One threshold's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The threshold.
    pub threshold: Threshold,
    /// Its result.
    pub outcome: Outcome,
    /// The value judged (the final one; for a window the worst window's; for
    /// an abort the one that aborted), in its metric's base unit.
    pub value: Option<f64>,
}

impl Verdict {
    /// The value for people (`123.4 ms`), or why there is none.
    pub fn value_text(&self) -> String {
        match (self.value, self.outcome) {
            (_, Outcome::Skipped) => "not reached".to_owned(),
            (Some(value), _) => self.threshold.metric.kind().format(value),
            (None, _) => "no data".to_owned(),
        }
    }
}

/// A threshold that stopped the test.
#[derive(Debug, Clone, PartialEq)]
pub struct Abort {
    /// The threshold.
    pub threshold: Threshold,
    /// The value that failed it.
    pub value: f64,
}

impl Abort {
    /// The reason the test stopped, for the log.
    pub fn reason(&self) -> String {
        format!(
            "threshold '{}' failed with {} (limit {}) and aborts the test",
            self.threshold.text,
            self.threshold.metric.kind().format(self.value),
            self.threshold.limit_text()
        )
    }
}

struct Tracked {
    threshold: Threshold,
    /// Where measuring starts: the test's start, the moment `after` elapsed,
    /// or the last reset of the statistics. `None` while `after` runs.
    baseline: Option<Totals>,
    /// Windowed thresholds: the totals of the last seconds, oldest first,
    /// starting with the oldest one a window still needs.
    ring: VecDeque<Totals>,
    status: Status,
    value: Option<f64>,
    /// Windowed: the worst window's value, and how many windows failed.
    worst: Option<f64>,
    windows_failed: u64,
    failing_since: Option<f64>,
}

/// The thresholds of one test and their state.
pub struct Evaluator {
    tracked: Vec<Tracked>,
    start: f64,
}

impl Evaluator {
    /// Starts judging `thresholds` from `stats` as they are at `now`, the
    /// start of the test (epoch seconds).
    pub fn new(thresholds: Vec<Threshold>, stats: &RequestStats, now: f64) -> Self {
        let tracked = thresholds
            .into_iter()
            .map(|threshold| {
                let baseline = threshold
                    .after
                    .is_none()
                    .then(|| Totals::read(stats, &threshold.scope, threshold.metric, now));
                Tracked {
                    ring: baseline.iter().cloned().collect(),
                    baseline,
                    status: if threshold.after.is_some() {
                        Status::Waiting
                    } else {
                        Status::NoData
                    },
                    threshold,
                    value: None,
                    worst: None,
                    windows_failed: 0,
                    failing_since: None,
                }
            })
            .collect();
        Self {
            tracked,
            start: now,
        }
    }

    /// Whether there is anything to judge.
    pub fn is_empty(&self) -> bool {
        self.tracked.is_empty()
    }

    /// Evaluates every threshold at `now` while the test runs; the first
    /// threshold with `abort` that this evaluation makes abort, if any.
    pub fn tick(&mut self, stats: &RequestStats, now: f64) -> Option<Abort> {
        let mut abort = None;
        for tracked in &mut self.tracked {
            if tracked.status == Status::Aborted {
                continue;
            }
            let failed = tracked.evaluate(stats, now, self.start);
            let Some(grace) = tracked.threshold.abort else {
                continue;
            };
            match failed {
                Some(value) => {
                    let since = *tracked.failing_since.get_or_insert(now);
                    if abort.is_none() && now - since + TICK_JITTER >= grace.as_secs_f64() {
                        tracked.status = Status::Aborted;
                        tracked.value = Some(value);
                        abort = Some(Abort {
                            threshold: tracked.threshold.clone(),
                            value,
                        });
                    }
                }
                None => tracked.failing_since = None,
            }
        }
        abort
    }

    /// Every threshold's state now.
    pub fn live(&self) -> Vec<Live> {
        self.tracked
            .iter()
            .map(|t| Live {
                threshold: t.threshold.clone(),
                status: t.status,
                value: t.value,
            })
            .collect()
    }

    /// The last evaluation, at `now` once the test has ended, and every
    /// threshold's verdict.
    pub fn finish(&mut self, stats: &RequestStats, now: f64) -> Vec<Verdict> {
        for tracked in &mut self.tracked {
            if tracked.status != Status::Aborted {
                tracked.evaluate(stats, now, self.start);
            }
        }
        self.tracked.iter().map(Tracked::verdict).collect()
    }
}

impl Tracked {
    /// Evaluates at `now`: updates the state; the value when it fails.
    fn evaluate(&mut self, stats: &RequestStats, now: f64, start: f64) -> Option<f64> {
        let (scope, metric) = (&self.threshold.scope, self.threshold.metric);
        let current = Totals::read(stats, scope, metric, now);
        let baseline = match &self.baseline {
            Some(baseline) => baseline,
            None => {
                let after = self.threshold.after.map_or(0.0, |a| a.as_secs_f64());
                if now - start + TICK_JITTER >= after {
                    self.ring = VecDeque::from([current.clone()]);
                    self.baseline = Some(current);
                    self.status = Status::NoData;
                }
                return None;
            }
        };
        if current.went_back(baseline) || self.ring.back().is_some_and(|r| current.went_back(r)) {
            let zero = Totals::zero(stats.start_time());
            self.ring = VecDeque::from([zero.clone()]);
            self.baseline = Some(zero);
        }
        let baseline = self.baseline.as_ref().unwrap_or(&current);
        let span = match self.threshold.window {
            None if self.threshold.after.is_none() => {
                // Locust's total rates: over (last request − start).
                let last = stats.last_request_timestamp().unwrap_or(now);
                current.since(baseline, last - stats.start_time())
            }
            None => current.since(baseline, now - baseline.at),
            Some(window) => {
                let from = now - window.as_secs_f64() + TICK_SLACK;
                while self.ring.len() >= 2 && self.ring[1].at <= from {
                    self.ring.pop_front();
                }
                let base = self.ring.front().unwrap_or(baseline);
                let span = current.since(base, now - base.at);
                self.ring.push_back(current);
                span
            }
        };
        self.value = span.value(metric);
        let Some(value) = self.value else {
            self.status = Status::NoData;
            return None;
        };
        let holds = self.threshold.holds(value);
        if self.threshold.window.is_some() {
            if self.worst.is_none_or(|w| self.threshold.op.worse(value, w)) {
                self.worst = Some(value);
            }
            if !holds {
                self.windows_failed += 1;
            }
        }
        self.status = if holds {
            Status::Passing
        } else {
            Status::Failing
        };
        (!holds).then_some(value)
    }

    fn verdict(&self) -> Verdict {
        let (outcome, value) = if self.status == Status::Aborted {
            (Outcome::Aborted, self.value)
        } else if self.baseline.is_none() {
            (Outcome::Skipped, None)
        } else if self.threshold.window.is_some() {
            match self.worst {
                None => (Outcome::NoData, None),
                Some(_) if self.windows_failed > 0 => (Outcome::Failed, self.worst),
                Some(_) => (Outcome::Passed, self.worst),
            }
        } else {
            match self.value {
                None => (Outcome::NoData, None),
                Some(v) if self.threshold.holds(v) => (Outcome::Passed, Some(v)),
                Some(v) => (Outcome::Failed, Some(v)),
            }
        };
        Verdict {
            threshold: self.threshold.clone(),
            outcome,
            value,
        }
    }
}

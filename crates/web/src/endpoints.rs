//! Charts per endpoint, on demand (Locust issue #688): asking for the history
//! of one (method, name) (or of the Aggregated total, method "" and name
//! "Aggregated", for its 99th percentile) starts recording it, one point a second while a test
//! runs, kept on the server so that a reload keeps it. At most
//! [`MAX_WATCHED`] endpoints are recorded; beyond that, the one asked for
//! least recently is dropped.

use std::collections::HashMap;
use std::time::Instant;

use locusta_stats::{now_epoch, RequestStats, StatsEntry};
use serde_json::{json, Value};

/// Endpoints recorded at once.
pub(crate) const MAX_WATCHED: usize = 20;
/// Points kept per endpoint (a day at one a second).
const MAX_POINTS: usize = 86_400;
/// The percentiles charted per endpoint.
pub(crate) const ENDPOINT_PERCENTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// The row of (method, name), the Aggregated total included.
fn row<'a>(stats: &'a RequestStats, method: &str, name: &str) -> Option<&'a StatsEntry> {
    if method.is_empty() && name == "Aggregated" {
        Some(&stats.total)
    } else {
        stats.get(method, name)
    }
}

/// One recorded endpoint.
struct Watched {
    last_asked: Instant,
    /// `[time, rps, failures/s, p50, p95, p99]`.
    points: Vec<[f64; 6]>,
}

/// The endpoints recorded, by (method, name).
#[derive(Default)]
pub(crate) struct EndpointHistory {
    watched: HashMap<(String, String), Watched>,
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

impl EndpointHistory {
    /// The points of (method, name) after `since`, starting to record it if
    /// it was not; `None` if the statistics have no such row.
    pub(crate) fn points(
        &mut self,
        stats: &RequestStats,
        method: &str,
        name: &str,
        since: f64,
    ) -> Option<Value> {
        row(stats, method, name)?;
        let key = (method.to_string(), name.to_string());
        if !self.watched.contains_key(&key) && self.watched.len() >= MAX_WATCHED {
            if let Some(oldest) = self
                .watched
                .iter()
                .min_by_key(|(_, w)| w.last_asked)
                .map(|(k, _)| k.clone())
            {
                self.watched.remove(&oldest);
            }
        }
        let watched = self.watched.entry(key).or_insert_with(|| Watched {
            last_asked: Instant::now(),
            points: Vec::new(),
        });
        watched.last_asked = Instant::now();
        let points: Vec<Value> = watched
            .points
            .iter()
            .filter(|p| p[0] > since)
            .map(|p| json!(p))
            .collect();
        Some(Value::Array(points))
    }

    /// Whether any endpoint is recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.watched.is_empty()
    }

    /// Records a point for every watched endpoint from the merged statistics.
    pub(crate) fn sample(&mut self, stats: &mut RequestStats) {
        let now = now_epoch();
        for ((method, name), watched) in self.watched.iter_mut() {
            // (The total's snapshot is taken with the history's.)
            stats.snapshot_entry(method, name, now);
            let Some(entry) = row(stats, method, name) else {
                continue;
            };
            let (rps, fail_per_sec) = stats.rates(entry, true);
            let mut point = [now, round2(rps), round2(fail_per_sec), 0.0, 0.0, 0.0];
            for (slot, q) in point[3..].iter_mut().zip(ENDPOINT_PERCENTILES) {
                *slot = round2(stats.current_percentile(entry, q, now).unwrap_or(0.0));
            }
            if watched.points.len() >= MAX_POINTS {
                watched.points.remove(0);
            }
            watched.points.push(point);
        }
    }
}

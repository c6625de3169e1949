//! Current-window percentiles (Locust's response-times cache) and history points.

use locusta_stats::{
    HistoryPoint, RequestStats, StatsHistory, PERCENTILES_RECORDED, PERCENTILES_TO_CHART,
};

/// 2023-11-14T22:13:20Z.
const T0: f64 = 1_700_000_000.0;

/// One request per second s = 0..30 at T0+s+0.5 taking s+1 µs (exact in the
/// histogram), each followed by a snapshot at T0+s+0.9 (keyed T0+s) unless
/// `snapshot(s)` is false.
fn per_second(snapshot: impl Fn(i64) -> bool) -> RequestStats {
    let mut stats = RequestStats::new(T0);
    for s in 0..30i64 {
        stats.log_request("GET", "/", Some(s as u64 + 1), 0, T0 + s as f64 + 0.5);
        if snapshot(s) {
            stats.snapshot_response_times(T0 + s as f64 + 0.9, true);
        }
    }
    stats
}

/// The smallest response time (µs) of the window at `now`, i.e. which snapshot was used.
fn window_min_us(stats: &RequestStats, now: f64) -> Option<u64> {
    stats
        .current_percentile(&stats.total, 0.0, now)
        .map(|ms| (ms * 1000.0).round() as u64)
}

#[test]
fn window_starts_at_the_snapshot_ten_seconds_back() {
    let stats = per_second(|_| true);
    let entry = stats.get("GET", "/").unwrap();
    // At T0+30.2 the snapshot of T0+20 holds requests 0..=20: the window is
    // 22..=30 µs, 9 samples.
    let now = T0 + 30.2;
    let current = |q: f64| stats.current_percentile(entry, q, now).unwrap();
    assert_eq!(current(0.0), 0.022);
    assert_eq!(current(0.5), 0.026);
    assert_eq!(current(0.95), 0.030);
    assert_eq!(current(1.0), 0.030);
    // Cumulative percentiles cover everything.
    assert_eq!(entry.percentile(0.0), 0.001);
    // Aggregated has its own snapshots, always taken.
    assert_eq!(window_min_us(&stats, now), Some(22));
}

#[test]
fn only_twenty_snapshots_are_kept() {
    let stats = per_second(|_| true);
    // Snapshots T0+10..=T0+29 remain: at T0+19, T0+9 and T0+8 are gone, T0+10 is used.
    assert_eq!(window_min_us(&stats, T0 + 19.5), Some(12));
}

#[test]
fn search_order_is_t_minus_10_then_11_9_12_8_up_to_8_away() {
    // t = T0+30: preference 20, 19, 21, 18, 22, 17, 23, 16, 24, 15, 25, …, 12, 28.
    let only = |keys: &'static [i64]| per_second(move |s| keys.contains(&s));
    assert_eq!(window_min_us(&only(&[20, 19]), T0 + 30.0), Some(22));
    assert_eq!(window_min_us(&only(&[19, 21]), T0 + 30.0), Some(21));
    assert_eq!(window_min_us(&only(&[21, 18]), T0 + 30.0), Some(23));
    assert_eq!(window_min_us(&only(&[25, 14]), T0 + 30.0), Some(27));
    assert_eq!(window_min_us(&only(&[12, 28]), T0 + 30.0), Some(14));
    assert_eq!(window_min_us(&only(&[28]), T0 + 30.0), Some(30));
    // 11 and 29 are 9 away: not acceptable.
    assert_eq!(window_min_us(&only(&[11, 29]), T0 + 30.0), None);
}

#[test]
fn no_snapshot_gives_none_and_the_start_counts_as_an_empty_one() {
    let stats = per_second(|_| false);
    assert_eq!(
        stats.current_percentile(&stats.total, 0.5, T0 + 100.0),
        None
    );
    // The start (T0) is within reach at T0+10..T0+18: the window is everything.
    assert_eq!(window_min_us(&stats, T0 + 10.0), Some(1));
    assert_eq!(window_min_us(&stats, T0 + 18.9), Some(1));
    assert_eq!(window_min_us(&stats, T0 + 19.0), None);
}

#[test]
fn empty_window_gives_zero() {
    let mut stats = RequestStats::new(T0);
    stats.log_request("GET", "/", Some(5000), 0, T0 + 1.0);
    stats.snapshot_response_times(T0 + 2.0, false);
    assert_eq!(
        stats.current_percentile(&stats.total, 0.5, T0 + 12.0),
        Some(0.0)
    );
    // Rows get snapshots only with `all_rows`; this row has its start (T0+1) in
    // reach at T0+12 (search down to T0+2-8 … T0+10±8).
    let entry = stats.get("GET", "/").unwrap();
    assert_eq!(stats.current_percentile(entry, 0.5, T0 + 12.0), Some(5.0));
}

#[test]
fn one_snapshot_per_second() {
    let mut stats = RequestStats::new(T0 - 100.0);
    stats.log_request("GET", "/", Some(10), 0, T0 + 0.1);
    stats.snapshot_response_times(T0 + 0.2, false);
    stats.log_request("GET", "/", Some(20), 0, T0 + 0.5);
    // Same second: ignored, the first snapshot stays.
    stats.snapshot_response_times(T0 + 0.9, false);
    stats.log_request("GET", "/", Some(30), 0, T0 + 5.0);
    assert_eq!(window_min_us(&stats, T0 + 10.5), Some(20));
}

#[test]
fn reset_drops_snapshots() {
    let mut stats = per_second(|_| true);
    stats.reset(T0 + 40.5);
    stats.log_request("GET", "/", Some(7), 0, T0 + 41.0);
    // The old snapshots are gone; the reset's start (T0+40) counts as empty.
    assert_eq!(window_min_us(&stats, T0 + 50.0), Some(7));
    assert_eq!(window_min_us(&stats, T0 + 30.0), None);
}

#[test]
fn window_values_are_clamped_to_min_and_max() {
    let mut stats = RequestStats::new(T0);
    stats.snapshot_response_times(T0 + 0.5, false);
    // 1000 µs and 4000 µs sit in buckets whose middles are 1002 and 4008.
    stats.log_request("GET", "/", Some(1000), 0, T0 + 1.0);
    stats.log_request("GET", "/", Some(2000), 0, T0 + 1.0);
    stats.log_request("GET", "/", Some(4000), 0, T0 + 1.0);
    let current = |q| {
        stats
            .current_percentile(&stats.total, q, T0 + 10.0)
            .unwrap()
    };
    assert_eq!(current(0.0), 1.0);
    assert_eq!(current(0.5), 2.004);
    assert_eq!(current(1.0), 4.0);
}

#[test]
fn history_points() {
    let mut stats = RequestStats::new(T0);
    stats.log_request("GET", "/", Some(1000), 0, T0 + 1.2);
    stats.log_request("POST", "/login", Some(150_000), 0, T0 + 2.0);
    stats.log_error("POST", "/login", "boom", T0 + 2.0);
    stats.log_request("GET", "/", Some(380), 0, T0 + 2.5);
    stats.snapshot_response_times(T0 + 3.9, false);
    stats.log_request("GET", "/", Some(3000), 0, T0 + 8.0);
    let mut history = StatsHistory::default();
    // Implicit start snapshot (T0): the window is everything; 3 samples.
    history.record(&stats, 5, T0 + 10.5);
    // Snapshot of T0+3: the window holds the 3 ms request only.
    history.record(&stats, 6, T0 + 13.2);
    // Nothing in reach: percentiles 0.
    history.record(&stats, 0, T0 + 60.0);
    // Current rates: [T0, T0+6) → 3 requests, 1 failure in 6 s.
    // Average: (1 + 150 + 0.38 + 3) / 4 = 38.595 → 38.6.
    assert_eq!(PERCENTILES_TO_CHART, [0.5, 0.95]);
    let expected = [
        (T0 + 10.5, 5, 3.0, 150.0),
        (T0 + 13.2, 6, 3.0, 3.0),
        (T0 + 60.0, 0, 0.0, 0.0),
    ];
    assert_eq!(history.points.len(), expected.len());
    for (point, (time, user_count, p50, p95)) in history.points.iter().zip(expected) {
        let HistoryPoint {
            response_time_percentiles: percentiles,
            ..
        } = point;
        assert_eq!(
            *point,
            HistoryPoint {
                time,
                user_count,
                current_rps: 0.5,
                current_fail_per_sec: 1.0 / 6.0,
                total_avg_response_time: 38.6,
                response_time_percentiles: percentiles.clone(),
            }
        );
        // Every recorded percentile, in order, never decreasing.
        let keys: Vec<f64> = percentiles.iter().map(|(q, _)| *q).collect();
        assert_eq!(keys, PERCENTILES_RECORDED);
        let value = |q: f64| percentiles.iter().find(|(k, _)| *k == q).unwrap().1;
        assert_eq!((value(0.5), value(0.95)), (p50, p95), "at {time}");
        assert!(
            percentiles.windows(2).all(|w| w[0].1 <= w[1].1),
            "{percentiles:?}"
        );
    }
}

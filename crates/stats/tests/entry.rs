//! `StatsEntry` figures, ported from Locust's `test_stats.py` where they apply
//! to exact statistics (times in ms there, µs here).

use locusta_stats::{RequestStats, StatsEntry, PERCENTILES_TO_REPORT, PER_SECOND_WINDOW};

const T0: f64 = 1_700_000_000.25;

fn ms(v: u64) -> Option<u64> {
    Some(v * 1000)
}

/// Asserts `actual` is within 1 % of `expected`.
fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= expected.abs() * 0.01,
        "{actual} not within 1% of {expected}"
    );
}

/// Locust's `TestRequestStats.setUp`: all requests within one second.
fn setup() -> RequestStats {
    let mut stats = RequestStats::new(T0);
    let now = T0 + 0.1;
    let log =
        |s: &mut RequestStats, rt: Option<u64>| s.log_request("GET", "test_entry", rt, 1, now);
    log(&mut stats, ms(45));
    log(&mut stats, ms(135));
    log(&mut stats, ms(44));
    log(&mut stats, None);
    stats.log_error("GET", "test_entry", "Exception('dummy fail')", now);
    stats.log_error("GET", "test_entry", "Exception('dummy fail')", now);
    log(&mut stats, ms(375));
    log(&mut stats, ms(601));
    log(&mut stats, ms(35));
    log(&mut stats, ms(79));
    log(&mut stats, None);
    stats.log_error("GET", "test_entry", "Exception('dummy fail')", now);
    stats
}

#[test]
fn counts_avg_content_length() {
    let stats = setup();
    let s = stats.get("GET", "test_entry").unwrap();
    assert_eq!(s.num_requests, 9);
    assert_eq!(s.num_none_requests, 2);
    assert_eq!(s.num_failures, 3);
    assert_eq!(s.total_content_length, 9);
    assert!((s.avg_response_time() - 1314.0 / 7.0).abs() < 1e-9);
    assert_eq!(s.min_response_time(), 35.0);
    assert_eq!(s.max_response_time(), 601.0);
    assert!((s.fail_ratio() - 3.0 / 9.0).abs() < 1e-12);
    assert_eq!(s.avg_content_length(), 1.0);
    assert_eq!(stats.total.num_requests, 9);
    assert_eq!(stats.total.num_failures, 3);
}

#[test]
fn median_is_p50() {
    let stats = setup();
    let s = stats.get("GET", "test_entry").unwrap();
    assert_close(s.median_response_time(), 79.0);
    assert_eq!(s.median_response_time(), s.percentile(0.5));
}

#[test]
fn percentiles_of_0_to_99() {
    let mut s = StatsEntry::new("GET", "percentile_test", T0);
    for x in 0..100 {
        s.log(ms(x), 0, T0);
    }
    assert_close(s.percentile(0.5), 50.0);
    assert_close(s.percentile(0.6), 60.0);
    assert_close(s.percentile(0.95), 95.0);
    assert_eq!(s.percentile(0.0), 0.0);
    assert_eq!(s.percentile(1.0), 99.0);
    // None samples do not count.
    for _ in 0..100 {
        s.log(None, 0, T0);
    }
    assert_close(s.percentile(0.5), 50.0);
    assert_close(s.percentile(0.6), 60.0);
    assert_close(s.percentile(0.95), 95.0);
}

#[test]
fn single_sample_is_exact() {
    let mut s = StatsEntry::new("GET", "median_test", T0);
    s.log(ms(6034), 0, T0);
    assert_eq!(s.median_response_time(), 6034.0);
    s.reset(T0);
    s.log(ms(6099), 0, T0);
    assert_eq!(s.median_response_time(), 6099.0);
    // Locust's bucketing gives 120 (or 130 for 127) for every percentile; exact here.
    for (v, name) in [(122, "rounding down!"), (127, "rounding up!")] {
        let mut s = StatsEntry::new("GET", name, T0);
        s.log(ms(v), 0, T0);
        for q in PERCENTILES_TO_REPORT {
            assert_eq!(s.percentile(q), v as f64);
        }
    }
}

#[test]
fn percentiles_stay_within_min_max() {
    let mut s = StatsEntry::new("GET", "x", T0);
    for us in [147_000, 147_900, 148_100, 999, 1_000_001] {
        s.log(Some(us), 0, T0);
    }
    let mut previous = 0.0;
    for q in [0.0, 0.1, 0.5, 0.66, 0.9, 0.99, 0.9999, 1.0] {
        let p = s.percentile(q);
        assert!(
            p >= s.min_response_time() && p <= s.max_response_time(),
            "{q}: {p}"
        );
        assert!(p >= previous);
        previous = p;
    }
    assert_eq!(s.percentile(1.0), 1000.001);
    assert_eq!(s.percentile(0.0), 0.999);
}

#[test]
fn decimal_response_times() {
    let mut s = StatsEntry::new("GET", "round me!", T0);
    for us in [1100, 1990, 3100] {
        s.log(Some(us), 0, T0);
    }
    assert_eq!(s.num_requests, 3);
    assert_close(s.median_response_time(), 1.99);
    assert!((s.avg_response_time() - (1.1 + 1.99 + 3.1) / 3.0).abs() < 1e-9);
    assert_eq!(s.min_response_time(), 1.1);
    assert_eq!(s.max_response_time(), 3.1);
}

#[test]
fn rounding_free_aggregation() {
    let mut s = StatsEntry::new("GET", "round me!", T0);
    for v in [122, 992, 142, 552, 557, 387, 557, 977] {
        s.log(ms(v), 0, T0);
    }
    assert_eq!(s.num_requests, 8);
    // Locust reports its bucket, 550; the true sample is 557.
    assert_close(s.median_response_time(), 557.0);
    assert_eq!(s.avg_response_time(), 535.75);
    assert_eq!(s.min_response_time(), 122.0);
    assert_eq!(s.max_response_time(), 992.0);
}

#[test]
fn only_none_samples() {
    let mut s = StatsEntry::new("GET", "x", T0);
    s.log(None, 123, T0);
    assert_eq!(s.avg_response_time(), 0.0);
    assert_eq!(s.median_response_time(), 0.0);
    assert_eq!(s.percentile(0.5), 0.0);
    assert_eq!(s.min_response_time(), 0.0);
    assert_eq!(s.num_requests, 1);
    assert_eq!(s.avg_content_length(), 123.0);
}

#[test]
fn fail_ratio_edge_cases() {
    let mut s = StatsEntry::new("GET", "x", T0);
    assert_eq!(s.fail_ratio(), 0.0);
    s.log_failure(T0);
    assert_eq!(s.fail_ratio(), 1.0);
    s.log(ms(1), 0, T0);
    s.log(ms(1), 0, T0);
    assert_eq!(s.fail_ratio(), 0.5);
}

#[test]
fn current_rps_window() {
    let stats = setup();
    let s = stats.get("GET", "test_entry").unwrap();
    let start = stats.start_time();
    // 9 requests in second T0: window [T0, T0+2) → 4.5/s.
    assert_eq!(s.current_rps(T0 + 4.0, start), 4.5);
    assert_eq!(s.current_rps(T0 + 25.0, start), 0.0);
    assert_eq!(s.current_fail_per_sec(T0 + 4.0, start), 1.5);
    // Window [T0, T0+10).
    assert_eq!(s.current_fail_per_sec(T0 + 12.0, start), 0.3);
    assert_eq!(s.current_fail_per_sec(T0 + 25.0, start), 0.0);
    // Empty window: last within 2 s of start.
    assert_eq!(s.current_rps(T0 + 1.0, start), 0.0);
    // Through RequestStats, with the global last request time.
    let mut stats = stats;
    stats.total.last_request_timestamp = Some(T0 + 4.0);
    let s = stats.get("GET", "test_entry").unwrap();
    assert_eq!(stats.rates(s, true), (4.5, 1.5));
}

#[test]
fn current_rps_averages_missing_seconds_as_zero() {
    let mut s = StatsEntry::new("GET", "x", 1000.0);
    for (t, n) in [(1000.5, 3), (1003.2, 6), (1009.9, 1), (1010.0, 50)] {
        for _ in 0..n {
            s.log(ms(1), 0, t);
        }
    }
    // L = 1012 → [1000, 1010): (3 + 6 + 1) / 10.
    assert_eq!(s.current_rps(1012.7, 1000.0), 1.0);
    // L = 1015 → [1003, 1013): (6 + 1 + 50) / 10.
    assert_eq!(s.current_rps(1015.0, 1000.0), 5.7);
    // Start bounds the window: [1003, 1010).
    assert_eq!(s.current_rps(1012.0, 1003.9), 7.0 / 7.0);
}

#[test]
fn total_rps() {
    let mut stats = setup();
    stats.log_request("GET", "other_endpoint", ms(1337), 1337, T0 + 0.2);
    let s = stats.get("GET", "test_entry").unwrap();
    let s2 = stats.get("GET", "other_endpoint").unwrap();
    assert_eq!(s.total_rps(6.0, 1.0), 9.0 / 5.0);
    assert!((s2.total_rps(6.0, 1.0) - 1.0 / 5.0).abs() < 1e-12);
    assert_eq!(stats.total.total_rps(6.0, 1.0), 10.0 / 5.0);
    assert_eq!(s.total_fail_per_sec(6.0, 1.0), 3.0 / 5.0);
    assert_eq!(s.total_rps(1.0, 1.0), 0.0);
    assert_eq!(s.total_rps(0.5, 1.0), 0.0);
    // Less than a second of traffic: more than 10/s.
    let mut s = StatsEntry::new("GET", "x", T0);
    for i in 0..10 {
        s.log(ms(i), 0, T0 + 0.5);
    }
    assert!(s.total_rps(s.last_request_timestamp.unwrap(), T0) > 10.0);
}

#[test]
fn reset_keeps_working() {
    let mut stats = setup();
    let mut s = stats.get("GET", "test_entry").unwrap().clone();
    s.reset(T0 + 5.0);
    assert!(s.is_empty());
    assert_eq!(s.last_request_timestamp, None);
    assert_eq!(s.percentile(0.5), 0.0);
    assert!(s.per_second().is_empty());
    s.log(ms(756), 0, T0 + 5.1);
    s.log_failure(T0 + 5.1);
    s.log(ms(85), 0, T0 + 5.2);
    assert_eq!(s.num_requests, 2);
    assert_eq!(s.num_failures, 1);
    assert_eq!(s.avg_response_time(), 420.5);
    // Locust's lower median says 85; the 50th percentile (rank ⌊2·0.5⌋) is 756.
    assert_eq!(s.median_response_time(), s.percentile(0.5));
    assert_close(s.median_response_time(), 756.0);
    assert_eq!(s.min_response_time(), 85.0);
    assert!(s.total_rps(T0 + 5.2, T0 + 5.0) > 2.0);
    assert_eq!(s.last_request_timestamp, Some(T0 + 5.2));
    s.reset(T0 + 6.0);
    assert_eq!(s.last_request_timestamp, None);
    s.log(ms(756), 0, T0 + 6.0);
    assert_eq!(s.min_response_time(), 756.0);

    stats.reset(T0 + 7.0);
    assert_eq!(stats.total.num_requests, 0);
    assert!(stats.errors().is_empty());
    assert_eq!(stats.entries().len(), 1);
    assert!(stats.entries()[0].is_empty());
}

#[test]
fn merge_like_locust_extend() {
    let mut s1 = StatsEntry::new("GET", "aggregate me!", T0);
    for v in [12, 12, 38] {
        s1.log(ms(v), 0, T0);
    }
    s1.log_failure(T0);
    let mut s2 = StatsEntry::new("GET", "aggregate me!", T0 - 3.0);
    s2.log_failure(T0 + 1.0);
    s2.log_failure(T0 + 1.0);
    for v in [12, 99, 14, 55, 38, 55, 97] {
        s2.log(ms(v), 0, T0 + 1.0);
    }
    let mut s = StatsEntry::new("", "GET", T0);
    s.merge(&s1);
    s.merge(&s2);
    assert_eq!(s.num_requests, 10);
    assert_eq!(s.num_failures, 3);
    assert_close(s.median_response_time(), 38.0);
    assert!((s.avg_response_time() - 43.2).abs() < 1e-9);
    assert_eq!(s.min_response_time(), 12.0);
    assert_eq!(s.max_response_time(), 99.0);
    assert_eq!(s.start_time, T0 - 3.0);
    assert_eq!(s.last_request_timestamp, Some(T0 + 1.0));
    assert_eq!(
        s.per_second(),
        vec![(T0 as i64, 3, 1), (T0 as i64 + 1, 7, 2)]
    );
}

#[test]
fn merge_min_and_last_timestamp_with_empty_sides() {
    let mut s1 = StatsEntry::new("GET", "min", T0);
    s1.log(ms(10), 0, T0);
    s1.merge(&StatsEntry::new("GET", "min", T0));
    assert_eq!(s1.min_response_time(), 10.0);

    let mut a = StatsEntry::new("GET", "r", T0);
    a.merge(&StatsEntry::new("GET", "r", T0));
    assert_eq!(a.last_request_timestamp, None);
    let mut a = StatsEntry::new("GET", "r", T0);
    a.last_request_timestamp = Some(666.0);
    a.merge(&StatsEntry::new("GET", "r", T0));
    assert_eq!(a.last_request_timestamp, Some(666.0));
    let mut a = StatsEntry::new("GET", "r", T0);
    let mut b = StatsEntry::new("GET", "r", T0);
    b.last_request_timestamp = Some(666.0);
    a.merge(&b);
    assert_eq!(a.last_request_timestamp, Some(666.0));
    a.last_request_timestamp = Some(700.0);
    a.merge(&b);
    assert_eq!(a.last_request_timestamp, Some(700.0));
}

#[test]
fn per_second_counts_are_bounded() {
    let mut s = StatsEntry::new("GET", "x", 0.0);
    for sec in 0..1000 {
        s.log(ms(1), 0, sec as f64 + 0.5);
        if sec % 3 == 0 {
            s.log_failure(sec as f64 + 0.5);
        }
    }
    let kept = s.per_second();
    assert_eq!(kept.len(), PER_SECOND_WINDOW);
    assert_eq!(kept.first().unwrap().0, 1000 - PER_SECOND_WINDOW as i64);
    assert_eq!(kept.last().unwrap(), &(999, 1, 1));
    // A straggler older than the window is dropped; the rate window still works.
    s.log(ms(1), 0, 10.0);
    assert_eq!(s.per_second().len(), PER_SECOND_WINDOW);
    assert_eq!(s.current_rps(1000.0, 0.0), 1.0);
    assert_eq!(s.current_fail_per_sec(1000.0, 0.0), 0.3);
    assert_eq!(s.num_requests, 1001);
}

#[test]
fn add_per_second_and_histogram_access() {
    let mut s = StatsEntry::new("GET", "x", 100.0);
    s.add_per_second(105, 20, 2);
    s.add_per_second(105, 10, 0);
    assert_eq!(s.per_second(), vec![(105, 30, 2)]);
    // Window [100, 108).
    assert_eq!(s.current_rps(110.0, 100.0), 30.0 / 8.0);
    s.histogram_mut().record_n(5000, 3);
    assert_eq!(s.histogram().len(), 3);
}

/// A tiny deterministic generator (Knuth's MMIX LCG).
struct Lcg(u64);

impl Lcg {
    fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn percentiles_within_one_percent_of_exact() {
    let mut rng = Lcg(42);
    let mut s = StatsEntry::new("GET", "random", T0);
    let mut samples = Vec::new();
    for _ in 0..100_000 {
        // Log-uniform between 1 µs and 100 s.
        let us = (10f64.powf(rng.next_f64() * 8.0)) as u64;
        samples.push(us);
        s.log(Some(us), 0, T0);
    }
    samples.sort_unstable();
    let n = samples.len();
    let mut q = 0.0;
    while q <= 1.0 {
        let exact = samples[((n as f64 * q) as usize).min(n - 1)] as f64 / 1000.0;
        let got = s.percentile(q);
        assert!(
            (got - exact).abs() <= exact * 0.01,
            "q={q}: {got} vs exact {exact}"
        );
        q += 0.0025;
    }
    for q in PERCENTILES_TO_REPORT {
        let exact = samples[((n as f64 * q) as usize).min(n - 1)] as f64 / 1000.0;
        assert_close(s.percentile(q), exact);
    }
    assert_eq!(s.percentile(1.0), *samples.last().unwrap() as f64 / 1000.0);
    assert_eq!(s.percentile(0.0), samples[0] as f64 / 1000.0);
    let sum: u64 = samples.iter().sum();
    assert_eq!(s.total_response_time_us, sum);
}

/// Times and seconds from another process's report can be anything: no
/// overflow, no panic, whatever they are.
#[test]
fn extreme_times_and_seconds_do_not_overflow() {
    let extremes = [
        f64::MIN,
        -1e30,
        -1.0,
        0.0,
        1e30,
        f64::MAX,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    for &t in &extremes {
        for &start in &extremes {
            let mut s = StatsEntry::new("GET", "/", start);
            s.log(Some(u64::MAX), u64::MAX, t);
            s.log(Some(0), u64::MAX, t);
            s.log_failure(t);
            for sec in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
                s.add_per_second(sec, u64::MAX, u64::MAX);
            }
            let mut merged = StatsEntry::new("GET", "/", t);
            merged.merge(&s);
            merged.merge(&s);
            merged.snapshot_response_times(t);
            for q in [0.0, 0.5, 1.0, f64::NAN] {
                let _ = merged.percentile(q);
                let _ = merged.current_percentile(q, t);
            }
            let _ = merged.current_rps(t, start);
            let _ = merged.current_fail_per_sec(t, start);
            let _ = merged.total_rps(t, start);
            let _ = merged.per_second();
            let _ = merged.avg_response_time();
            let _ = merged.avg_content_length();
        }
    }
}

#[test]
fn percentiles_at_once_are_the_percentiles_one_by_one() {
    let mut entry = StatsEntry::new("GET", "/", 0.0);
    // A spread of times, with repeats, past the small form's limits.
    for i in 0..5_000u64 {
        entry.log(Some(100 + (i * 7919) % 90_000), 0, 1.0);
    }
    entry.log(Some(1), 0, 1.0);
    entry.log(Some(2_000_000), 0, 1.0);
    // Out of order and repeated, as a caller may ask.
    let qs = [0.99, 0.5, 1.0, 0.0, 0.5, 0.9999, 0.66, f64::NAN, 0.001];
    let at_once = entry.percentiles(qs);
    for (q, value) in qs.iter().zip(at_once) {
        assert_eq!(value, entry.percentiles([*q])[0], "q = {q}");
    }
    assert_eq!(at_once[2], 2000.0);
    assert_eq!(at_once[3], 0.001);
    let reported = entry.percentiles(PERCENTILES_TO_REPORT);
    assert!(reported.windows(2).all(|w| w[0] <= w[1]), "{reported:?}");
    assert_eq!(StatsEntry::new("GET", "/", 0.0).percentiles(qs), [0.0; 9]);
}

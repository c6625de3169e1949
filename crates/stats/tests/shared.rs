//! `RequestStats` (errors, merge, reset) and `SharedStats` (shards, collect,
//! listeners, exceptions).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use locusta_stats::{normalize_error, RequestRecord, RequestStats, SharedStats, StatsEntry};

const T0: f64 = 1_700_000_000.0;

#[test]
fn error_grouping() {
    let mut stats = RequestStats::new(T0);
    stats.log_error("GET", "/some-path", "Exception('Exception!')", T0);
    stats.log_error("GET", "/some-path", "Exception('Exception!')", T0 + 1.0);
    assert_eq!(stats.errors().len(), 1);
    assert_eq!(stats.errors()[0].occurrences, 2);
    assert_eq!(stats.errors()[0].first_seen, T0);
    assert_eq!(stats.errors()[0].last_seen, T0 + 1.0);
    stats.log_error("GET", "/some-path", "Exception('Another exception!')", T0);
    stats.log_error("GET", "/some-path", "Exception('Another exception!')", T0);
    stats.log_error("GET", "/some-path", "Exception('Third exception!')", T0);
    assert_eq!(stats.errors().len(), 3);
    // Same error on another method or name is another group.
    stats.log_error("POST", "/some-path", "Exception('Exception!')", T0);
    stats.log_error("GET", "/other", "Exception('Exception!')", T0);
    assert_eq!(stats.errors().len(), 5);
    // log_error counts failures on the row and the total, creating the row.
    assert_eq!(stats.total.num_failures, 7);
    assert_eq!(stats.get("GET", "/some-path").unwrap().num_failures, 5);
    assert_eq!(stats.get("GET", "/some-path").unwrap().num_requests, 0);
    assert_eq!(stats.get("GET", "/other").unwrap().fail_ratio(), 1.0);
    let order: Vec<_> = stats
        .errors()
        .iter()
        .map(|e| (e.name.as_str(), e.method.as_str(), e.error.as_str()))
        .collect();
    assert_eq!(
        order,
        vec![
            ("/other", "GET", "Exception('Exception!')"),
            ("/some-path", "GET", "Exception('Another exception!')"),
            ("/some-path", "GET", "Exception('Exception!')"),
            ("/some-path", "GET", "Exception('Third exception!')"),
            ("/some-path", "POST", "Exception('Exception!')"),
        ]
    );
}

#[test]
fn error_addresses_are_normalised() {
    let mut stats = RequestStats::new(T0);
    stats.log_error(
        "GET",
        "/",
        "Exception('Error caused by <__main__.Dummy object at 0x7f3a2c1b9e50>')",
        T0,
    );
    stats.log_error(
        "GET",
        "/",
        "Exception('Error caused by <__main__.Dummy object at 0x10a4b8d00>')",
        T0,
    );
    let errors = stats.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].occurrences, 2);
    assert_eq!(
        errors[0].error,
        "Exception('Error caused by <__main__.Dummy object at 0x....>')"
    );
    assert_eq!(
        normalize_error("a object at 0xABCdef1 b object at 0x12>"),
        "a object at 0x.... b object at 0x....>"
    );
    assert_eq!(normalize_error("object at 0xzz"), "object at 0xzz");
    assert!(matches!(
        normalize_error("plain"),
        std::borrow::Cow::Borrowed("plain")
    ));
}

#[test]
fn display_name_unwraps_catch_response_error() {
    let mut stats = RequestStats::new(T0);
    stats.log_error("GET", "/a", "CatchResponseError('Got wrong response')", T0);
    stats.log_error("GET", "/b", "HTTPError('404 Client Error')", T0);
    let names: Vec<String> = stats.errors().iter().map(|e| e.display_name()).collect();
    assert_eq!(
        names,
        vec![
            "GET /a: 'Got wrong response'",
            "GET /b: HTTPError('404 Client Error')"
        ]
    );
}

#[test]
fn entries_sorted_by_name_then_method() {
    let mut stats = RequestStats::new(T0);
    for (m, n) in [
        ("POST", "/b"),
        ("GET", "/b"),
        ("GET", "/a"),
        ("DELETE", "/c"),
    ] {
        stats.log_request(m, n, Some(1000), 0, T0);
    }
    let keys: Vec<_> = stats
        .entries()
        .iter()
        .map(|e| (e.method.as_str(), e.name.as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("GET", "/a"),
            ("GET", "/b"),
            ("POST", "/b"),
            ("DELETE", "/c")
        ]
    );
    assert!(stats.get("PUT", "/a").is_none());
    assert_eq!(stats.total.name, "Aggregated");
    assert_eq!(stats.total.method, "");
    assert_eq!(stats.num_requests(), 4);
}

/// A deterministic mix of requests: (method, name, response time, length, error, now).
type Req = (
    &'static str,
    &'static str,
    Option<u64>,
    u64,
    Option<&'static str>,
    f64,
);

fn workload() -> Vec<Req> {
    let mut state = 7u64;
    let mut next = move |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let names = ["/", "/a", "/b", "/login"];
    let methods = ["GET", "POST"];
    let errors = ["HTTPError('500')", "ConnectionRefusedError(111)"];
    (0..5000)
        .map(|i| {
            let rt = if next(50) == 0 {
                None
            } else {
                Some(next(2_000_000) + 1)
            };
            let err = if next(10) == 0 {
                Some(errors[next(2) as usize])
            } else {
                None
            };
            (
                methods[next(2) as usize],
                names[next(4) as usize],
                rt,
                next(5000),
                err,
                T0 + i as f64 * 0.01,
            )
        })
        .collect()
}

fn log(stats: &mut RequestStats, r: &Req) {
    stats.log_request(r.0, r.1, r.2, r.3, r.5);
    if let Some(e) = r.4 {
        stats.log_error(r.0, r.1, e, r.5);
    }
}

fn assert_same_entry(a: &StatsEntry, b: &StatsEntry) {
    assert_eq!((&a.method, &a.name), (&b.method, &b.name));
    assert_eq!(a.num_requests, b.num_requests);
    assert_eq!(a.num_none_requests, b.num_none_requests);
    assert_eq!(a.num_failures, b.num_failures);
    assert_eq!(a.total_response_time_us, b.total_response_time_us);
    assert_eq!(a.min_response_time_us, b.min_response_time_us);
    assert_eq!(a.max_response_time_us, b.max_response_time_us);
    assert_eq!(a.total_content_length, b.total_content_length);
    assert_eq!(a.last_request_timestamp, b.last_request_timestamp);
    assert_eq!(a.per_second(), b.per_second());
    assert_eq!(a.histogram(), b.histogram());
    for q in [0.0, 0.1, 0.5, 0.66, 0.9, 0.99, 0.999, 1.0] {
        assert_eq!(a.percentile(q), b.percentile(q));
    }
    let (l, s) = (T0 + 50.0, T0);
    assert_eq!(a.current_rps(l, s), b.current_rps(l, s));
    assert_eq!(a.current_fail_per_sec(l, s), b.current_fail_per_sec(l, s));
}

fn assert_same_stats(a: &RequestStats, b: &RequestStats) {
    assert_same_entry(&a.total, &b.total);
    let (ea, eb) = (a.entries(), b.entries());
    assert_eq!(ea.len(), eb.len());
    for (x, y) in ea.iter().zip(eb.iter()) {
        assert_same_entry(x, y);
    }
    let (ea, eb) = (a.errors(), b.errors());
    assert_eq!(ea.len(), eb.len());
    for (x, y) in ea.iter().zip(eb.iter()) {
        assert_eq!(
            (
                &x.method,
                &x.name,
                &x.error,
                x.occurrences,
                x.first_seen,
                x.last_seen
            ),
            (
                &y.method,
                &y.name,
                &y.error,
                y.occurrences,
                y.first_seen,
                y.last_seen
            )
        );
    }
}

#[test]
fn merge_equals_logging_everything_into_one() {
    let reqs = workload();
    let mut all = RequestStats::new(T0);
    let mut parts = [
        RequestStats::new(T0),
        RequestStats::new(T0),
        RequestStats::new(T0),
    ];
    for (i, r) in reqs.iter().enumerate() {
        log(&mut all, r);
        log(&mut parts[i % 3], r);
    }
    let mut merged = RequestStats::new(T0);
    for p in &parts {
        merged.merge(p);
    }
    assert_same_stats(&merged, &all);
    assert_eq!(all.entries().len(), 8);
    assert_eq!(all.num_requests(), 5000);
}

#[test]
fn reset_and_clear() {
    let reqs = workload();
    let mut stats = RequestStats::new(T0);
    for r in &reqs {
        log(&mut stats, r);
    }
    stats.reset(T0 + 100.0);
    assert_eq!(stats.start_time(), T0 + 100.0);
    assert_eq!(stats.last_request_timestamp(), None);
    assert_eq!(stats.num_requests(), 0);
    assert!(stats.errors().is_empty());
    assert_eq!(stats.entries().len(), 8);
    assert!(stats.entries().iter().all(|e| e.is_empty()));
    assert_eq!(stats.rates(&stats.total, true), (0.0, 0.0));
    stats.log_request("GET", "/", Some(5000), 10, T0 + 101.0);
    stats.log_error("GET", "/", "boom", T0 + 101.0);
    assert_eq!(stats.get("GET", "/").unwrap().num_requests, 1);
    assert_eq!(stats.errors().len(), 1);
    stats.clear(T0 + 200.0);
    assert!(stats.entries().is_empty());
    assert!(stats.errors().is_empty());
    assert_eq!(stats.start_time(), T0 + 200.0);
}

fn record(recorder: &locusta_stats::Recorder, r: &Req) {
    recorder.record(&RequestRecord {
        request_type: r.0,
        name: r.1,
        response_time: r.2.map(Duration::from_micros),
        response_length: r.3,
        error: r.4,
        start_time: r.5,
        url: "",
        status: if r.4.is_some() { 500 } else { 200 },
    });
}

/// What the recorder logs: the request's end time is its start plus its duration.
fn expected(reqs: &[Req]) -> RequestStats {
    let mut all = RequestStats::new(T0);
    for r in reqs {
        let end = r.5
            + r.2
                .map_or(0.0, |us| Duration::from_micros(us).as_secs_f64());
        log(&mut all, &(r.0, r.1, r.2, r.3, r.4, end));
    }
    all
}

#[test]
fn shards_collect_into_merged_view() {
    let shared = Arc::new(SharedStats::new());
    let reqs = Arc::new(workload());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let recorder = shared.recorder();
            let reqs = Arc::clone(&reqs);
            std::thread::spawn(move || {
                for r in reqs.iter().skip(t).step_by(4) {
                    record(&recorder, r);
                }
                recorder
            })
        })
        .collect();
    let recorders: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();

    let want = expected(&reqs);
    {
        let merged = shared.collect();
        assert_eq!(merged.num_requests(), 5000);
        assert_same_stats(&merged, &want);
    }
    // Collecting again adds nothing; shards were zeroed in place.
    assert_same_stats(&shared.collect(), &want);

    // More requests accumulate on top of the merged view.
    let more: Vec<Req> = vec![("GET", "/", Some(1234), 1, Some("late"), T0 + 60.0)];
    record(&recorders[2], &more[0]);
    let mut want = expected(&reqs);
    want.merge(&expected(&more));
    assert_same_stats(&shared.collect(), &want);

    // Resetting empties everything, shards included.
    shared.reset();
    assert_eq!(shared.collect().num_requests(), 0);
    record(&recorders[0], &more[0]);
    let merged = shared.collect();
    assert_eq!(merged.num_requests(), 1);
    assert_eq!(merged.errors().len(), 1);
    assert_eq!(merged.errors()[0].occurrences, 1);
    drop(merged);
    shared.clear();
    assert!(shared.collect().entries().is_empty());
}

#[test]
fn dropped_recorders_still_count() {
    let shared = SharedStats::default();
    {
        let recorder = shared.recorder();
        let clone = recorder.clone();
        record(&clone, &("GET", "/", Some(10), 0, None, T0));
    }
    let kept = shared.recorder();
    record(&kept, &("GET", "/", Some(20), 0, None, T0));
    assert_eq!(shared.collect().num_requests(), 2);
    record(&kept, &("GET", "/", Some(30), 0, None, T0));
    assert_eq!(shared.collect().num_requests(), 3);
    assert_eq!(
        shared
            .collect()
            .get("GET", "/")
            .unwrap()
            .max_response_time_us,
        30
    );
}

#[test]
fn request_listeners_see_every_request() {
    let shared = SharedStats::new();
    let recorder = shared.recorder();
    record(&recorder, &("GET", "/", Some(10), 0, None, T0));
    let seen = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    {
        let (seen, failed) = (Arc::clone(&seen), Arc::clone(&failed));
        shared.add_request_listener(Arc::new(move |r: &RequestRecord<'_>| {
            seen.fetch_add(1, Ordering::Relaxed);
            if r.error.is_some() {
                failed.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    record(&recorder, &("GET", "/", Some(10), 0, None, T0));
    record(
        &shared.recorder(),
        &("GET", "/", Some(10), 0, Some("x"), T0),
    );
    assert_eq!(seen.load(Ordering::Relaxed), 2);
    assert_eq!(failed.load(Ordering::Relaxed), 1);
    assert_eq!(shared.collect().num_requests(), 3);
}

#[test]
fn exceptions_grouped_by_traceback() {
    let shared = SharedStats::new();
    shared.log_exception("boom", "tb1", "local");
    shared.log_exception("boom again", "tb1", "worker-1");
    shared.log_exception("boom", "tb1", "local");
    shared.log_exception("other", "tb2", "local");
    let ex = shared.exceptions();
    assert_eq!(ex.len(), 2);
    assert_eq!(ex[0].count, 3);
    assert_eq!(ex[0].msg, "boom");
    assert_eq!(ex[0].traceback, "tb1");
    assert_eq!(
        ex[0].nodes.iter().collect::<Vec<_>>(),
        vec!["local", "worker-1"]
    );
    assert_eq!(ex[1].count, 1);
    // Resetting statistics keeps exceptions; clear_exceptions drops them.
    shared.reset();
    assert_eq!(shared.exceptions().len(), 2);
    shared.clear_exceptions();
    assert!(shared.exceptions().is_empty());
}

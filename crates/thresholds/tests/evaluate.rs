//! The evaluator against real statistics (`locusta-stats`' `RequestStats`,
//! fed with requests at chosen times): every metric and scope, whole-run
//! and windowed judgement, `after`, `abort` with and without grace, no
//! data, and a reset of the statistics. The end-to-end tests through the
//! `locusta` binary are in `crates/locusta/tests/thresholds.rs`.

use locusta_stats::RequestStats;
use locusta_thresholds::{parse, Evaluator, Outcome, Status, Verdict};

const T0: f64 = 1_000_000.0;

/// Logs `count` requests of `ms` to (method, name) at `at`, `failed` of them failed.
fn log(
    stats: &mut RequestStats,
    method: &str,
    name: &str,
    count: u64,
    ms: u64,
    failed: u64,
    at: f64,
) {
    for i in 0..count {
        stats.log_request(method, name, Some(ms * 1000), 10, at);
        if i < failed {
            stats.log_error(method, name, "boom", at);
        }
    }
}

fn judge(exprs: &[&str], stats: &RequestStats, end: f64) -> Vec<Verdict> {
    let thresholds = exprs.iter().map(|e| parse(e).unwrap()).collect();
    let mut evaluator = Evaluator::new(thresholds, &RequestStats::new(T0), T0);
    evaluator.finish(stats, end)
}

fn outcomes(verdicts: &[Verdict]) -> Vec<(String, Outcome)> {
    verdicts
        .iter()
        .map(|v| (v.threshold.text.clone(), v.outcome))
        .collect()
}

#[test]
fn every_metric_over_the_whole_run() {
    let mut stats = RequestStats::new(T0);
    // 100 requests over 10 s: 90 of 10 ms, 10 of 200 ms, 5 failed.
    for s in 0..10 {
        let at = T0 + s as f64 + 0.5;
        log(&mut stats, "GET", "/fast", 9, 10, 0, at);
        log(&mut stats, "POST", "/slow", 1, 200, u64::from(s < 5), at);
    }
    let verdicts = judge(
        &[
            "p50 < 11ms",
            "p95 < 50ms",
            "p95 < 250ms",
            "p89 <= 10.1ms",
            "avg <= 29ms",
            "avg > 28.9ms",
            "min >= 10ms",
            "max < 200ms",
            "max <= 200ms",
            "fail_ratio < 5%",
            "fail_ratio <= 0.05",
            "failures/s < 0.5",
            "rps > 11",
            "rps >= 10",
            "requests >= 100",
            "failures < 5",
        ],
        &stats,
        T0 + 10.0,
    );
    use Outcome::{Failed, Passed};
    let expected = [
        Passed, Failed, Passed, Passed, Passed, Passed, Passed, Failed, Passed, Failed, Passed,
        Failed, Failed, Passed, Passed, Failed,
    ];
    let got: Vec<Outcome> = verdicts.iter().map(|v| v.outcome).collect();
    assert_eq!(got, expected, "{:#?}", outcomes(&verdicts));
    // Values in the metric's base unit. The rates are Locust's total rates:
    // 100 requests over (last request − start) = 9.5 s.
    let value = |i: usize| verdicts[i].value.unwrap();
    assert_eq!(value(7), 200.0);
    assert!((value(4) - 29.0).abs() < 1e-9, "{}", value(4));
    assert!((value(9) - 0.05).abs() < 1e-12);
    assert!((value(12) - 100.0 / 9.5).abs() < 1e-9, "{}", value(12));
    assert_eq!(verdicts[1].value_text(), "200.0 ms");
}

#[test]
fn scopes_select_rows_by_name_method_or_both() {
    let mut stats = RequestStats::new(T0);
    log(&mut stats, "GET", "/cart", 10, 100, 0, T0 + 1.0);
    log(&mut stats, "POST", "/cart", 10, 300, 10, T0 + 1.0);
    log(&mut stats, "GET", "/", 10, 5, 0, T0 + 1.0);
    log(&mut stats, "xmlrpc", "add", 4, 50, 1, T0 + 1.0);
    let verdicts = judge(
        &[
            "max{name:/cart} <= 300ms",
            "min{name:/cart} >= 100ms",
            "fail_ratio{name:/cart} <= 50%",
            "max{method:GET} <= 100ms",
            "requests{method:GET} >= 20",
            "fail_ratio{method:GET,name:/cart} <= 0",
            "avg{method:POST,name:/cart} >= 300ms",
            "requests{method:xmlrpc} >= 4",
            "failures{method:xmlrpc,name:add} < 1",
            "requests >= 34",
            "p50{name:/nowhere} < 1s",
        ],
        &stats,
        T0 + 2.0,
    );
    use Outcome::{Failed, NoData, Passed};
    let got: Vec<Outcome> = verdicts.iter().map(|v| v.outcome).collect();
    let expected = [
        Passed, Passed, Passed, Passed, Passed, Passed, Passed, Passed, Failed, Passed, NoData,
    ];
    assert_eq!(got, expected, "{:#?}", outcomes(&verdicts));
    assert_eq!(verdicts[10].value_text(), "no data");
    assert!(verdicts[10].outcome.failed());
}

/// A server that slows down for two seconds in a twenty-second run fails
/// `p95 < 50ms over 3s` but passes it over the whole run.
#[test]
fn checks_are_judged_as_a_ratio_of_passes_overall_or_per_name() {
    let mut stats = RequestStats::new(T0);
    for i in 0..100 {
        stats.log_check("status is 200", i != 0);
        stats.log_check("has a body", i % 10 != 0);
    }
    log(&mut stats, "GET", "/", 10, 5, 0, T0 + 1.0);
    let verdicts = judge(
        &[
            "checks > 90%",
            "checks > 95%",
            r#"checks{check:"status is 200"} >= 99%"#,
            r#"checks{check:"has a body"} >= 99%"#,
            "checks{check:never} > 0",
        ],
        &stats,
        T0 + 2.0,
    );
    let got: Vec<Outcome> = verdicts.iter().map(|v| v.outcome).collect();
    assert_eq!(
        got,
        [
            Outcome::Passed,
            Outcome::Failed,
            Outcome::Passed,
            Outcome::Failed,
            Outcome::NoData
        ]
    );
    assert_eq!(verdicts[0].value, Some(189.0 / 200.0));
}

#[test]
fn a_slow_spell_fails_a_window_but_not_the_run() {
    let exprs = ["p95 < 50ms over 3s", "p95 < 50ms"];
    let thresholds = exprs.iter().map(|e| parse(e).unwrap()).collect();
    let mut stats = RequestStats::new(T0);
    let mut evaluator = Evaluator::new(thresholds, &stats, T0);
    let mut failing_seen = false;
    for s in 0..20 {
        let at = T0 + s as f64 + 0.5;
        let slow = s == 10 || s == 11;
        log(
            &mut stats,
            "GET",
            "/",
            if slow { 8 } else { 50 },
            if slow { 500 } else { 5 },
            0,
            at,
        );
        assert!(evaluator.tick(&stats, T0 + s as f64 + 1.0).is_none());
        let live = evaluator.live();
        if live[0].status == Status::Failing {
            failing_seen = true;
            assert!(live[0].value.unwrap() >= 500.0 * 0.99);
        }
        // The whole-run figure is never failing while running.
        assert_eq!(live[1].status, Status::Passing, "second {s}");
    }
    assert!(failing_seen);
    let verdicts = evaluator.finish(&stats, T0 + 20.5);
    assert_eq!(verdicts[0].outcome, Outcome::Failed);
    assert!(verdicts[0].value.unwrap() >= 495.0, "{:?}", verdicts[0]);
    assert_eq!(verdicts[1].outcome, Outcome::Passed);
    assert!(verdicts[1].value.unwrap() < 6.0, "{:?}", verdicts[1]);
    // Over a window wider than the run it passes as the whole run does.
    let mut evaluator = Evaluator::new(
        vec![parse("p95 < 50ms over 60s").unwrap()],
        &RequestStats::new(T0),
        T0,
    );
    evaluator.tick(&stats, T0 + 20.0);
    assert_eq!(
        evaluator.finish(&stats, T0 + 20.5)[0].outcome,
        Outcome::Passed
    );
}

#[test]
fn after_ignores_the_start_and_skips_when_not_reached() {
    let mut stats = RequestStats::new(T0);
    let thresholds = ["p95 < 50ms after 5s", "p95 < 50ms", "rps > 5 after 5s"]
        .iter()
        .map(|e| parse(e).unwrap())
        .collect();
    let mut evaluator = Evaluator::new(thresholds, &stats, T0);
    for s in 0..10 {
        let at = T0 + s as f64 + 0.5;
        // A slow ramp-up, then fast.
        log(
            &mut stats,
            "GET",
            "/",
            10,
            if s < 3 { 900 } else { 5 },
            0,
            at,
        );
        evaluator.tick(&stats, T0 + s as f64 + 1.0);
        if s < 4 {
            assert_eq!(evaluator.live()[0].status, Status::Waiting, "second {s}");
        }
    }
    let verdicts = evaluator.finish(&stats, T0 + 10.0);
    assert_eq!(verdicts[0].outcome, Outcome::Passed, "{verdicts:#?}");
    assert_eq!(verdicts[1].outcome, Outcome::Failed, "{verdicts:#?}");
    // 50 requests in the 5 s after the baseline.
    assert!(
        (verdicts[2].value.unwrap() - 10.0).abs() < 0.5,
        "{verdicts:#?}"
    );

    // A test shorter than `after`: not judged, not failed.
    let mut evaluator = Evaluator::new(vec![parse("p95 < 1ms after 30s").unwrap()], &stats, T0);
    evaluator.tick(&stats, T0 + 1.0);
    let verdicts = evaluator.finish(&stats, T0 + 2.0);
    assert_eq!(verdicts[0].outcome, Outcome::Skipped);
    assert!(!verdicts[0].outcome.failed());
    assert_eq!(verdicts[0].value_text(), "not reached");
}

#[test]
fn abort_stops_at_the_first_failure_or_after_its_grace() {
    let run = |expr: &str| {
        let mut stats = RequestStats::new(T0);
        let mut evaluator = Evaluator::new(vec![parse(expr).unwrap()], &stats, T0);
        for s in 0..20 {
            let at = T0 + s as f64 + 0.5;
            // Fails from second 5 on.
            log(
                &mut stats,
                "GET",
                "/",
                10,
                5,
                if s >= 5 { 5 } else { 0 },
                at,
            );
            if let Some(abort) = evaluator.tick(&stats, T0 + s as f64 + 1.0) {
                return (
                    Some((s, abort.reason())),
                    evaluator.finish(&stats, T0 + 21.0),
                );
            }
        }
        (None, evaluator.finish(&stats, T0 + 21.0))
    };
    let (abort, verdicts) = run("fail_ratio < 10% over 2s abort");
    let (second, reason) = abort.expect("aborted");
    assert_eq!(second, 5);
    assert!(
        reason.contains("fail_ratio < 10% over 2s abort"),
        "{reason}"
    );
    assert!(reason.contains("limit < 10.00%"), "{reason}");
    assert_eq!(verdicts[0].outcome, Outcome::Aborted);
    // With a grace of 4 s: failing at 5, 6, 7, 8, aborting at the tick of 9.
    let (abort, _) = run("fail_ratio < 10% over 2s abort after 4s");
    assert_eq!(abort.expect("aborted").0, 9);
    // A grace longer than the failures: no abort, a plain failure.
    let (abort, verdicts) = run("fail_ratio < 10% over 2s abort after 30s");
    assert!(abort.is_none());
    assert_eq!(verdicts[0].outcome, Outcome::Failed);
    // Without abort nothing stops.
    let (abort, _) = run("fail_ratio < 10% over 2s");
    assert!(abort.is_none());
}

#[test]
fn a_grace_restarts_when_the_threshold_passes_again() {
    let mut stats = RequestStats::new(T0);
    let mut evaluator = Evaluator::new(
        vec![parse("max < 100ms over 1s abort after 3s").unwrap()],
        &stats,
        T0,
    );
    // Slow every other second: never three seconds in a row.
    for s in 0..12 {
        let at = T0 + s as f64 + 0.5;
        log(
            &mut stats,
            "GET",
            "/",
            5,
            if s % 2 == 0 { 500 } else { 5 },
            0,
            at,
        );
        assert!(
            evaluator.tick(&stats, T0 + s as f64 + 1.0).is_none(),
            "second {s}"
        );
    }
    assert_eq!(
        evaluator.finish(&stats, T0 + 12.5)[0].outcome,
        Outcome::Failed
    );
}

#[test]
fn a_reset_of_the_statistics_restarts_the_measure() {
    let mut stats = RequestStats::new(T0);
    let mut evaluator = Evaluator::new(
        vec![
            parse("p50 < 50ms").unwrap(),
            parse("p50 < 50ms over 5s").unwrap(),
        ],
        &stats,
        T0,
    );
    log(&mut stats, "GET", "/", 100, 900, 0, T0 + 0.5);
    evaluator.tick(&stats, T0 + 1.0);
    assert_eq!(evaluator.live()[0].status, Status::Failing);
    stats.reset(T0 + 1.5);
    log(&mut stats, "GET", "/", 10, 5, 0, T0 + 2.0);
    evaluator.tick(&stats, T0 + 2.5);
    let live = evaluator.live();
    assert_eq!(live[0].status, Status::Passing, "{live:#?}");
    assert_eq!(live[1].status, Status::Passing, "{live:#?}");
    let verdicts = evaluator.finish(&stats, T0 + 3.0);
    assert_eq!(verdicts[0].outcome, Outcome::Passed);
    // The window judged the slow second before the reset.
    assert_eq!(verdicts[1].outcome, Outcome::Failed);
}

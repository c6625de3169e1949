//! The threshold grammar: every metric, scope, unit and clause parses to
//! what it says; bad input gets an error naming the bad part, where it is,
//! and what was expected.

use std::time::Duration;

use locusta_thresholds::{parse, Metric, Op, Scope};

#[test]
fn every_metric_and_unit_parses() {
    let cases: &[(&str, Metric, Op, f64)] = &[
        ("p95 < 300ms", Metric::Percentile(0.95), Op::Lt, 300.0),
        ("p99.9 <= 1s", Metric::Percentile(0.999), Op::Le, 1000.0),
        ("p50<250", Metric::Percentile(0.5), Op::Lt, 250.0),
        ("median < 800us", Metric::Percentile(0.5), Op::Lt, 0.8),
        ("p100 < 2 s", Metric::Percentile(1.0), Op::Lt, 2000.0),
        ("avg < 200ms", Metric::Avg, Op::Lt, 200.0),
        ("min >= 1ms", Metric::Min, Op::Ge, 1.0),
        ("max < 2s", Metric::Max, Op::Lt, 2000.0),
        ("fail_ratio < 1%", Metric::FailRatio, Op::Lt, 0.01),
        ("fail_ratio <= 0.05", Metric::FailRatio, Op::Le, 0.05),
        ("checks > 99%", Metric::Checks, Op::Gt, 0.99),
        ("failures/s < 2", Metric::FailuresPerSec, Op::Lt, 2.0),
        ("rps > 100", Metric::Rps, Op::Gt, 100.0),
        ("requests/s >= 12.5/s", Metric::Rps, Op::Ge, 12.5),
        ("requests > 1000", Metric::Requests, Op::Gt, 1000.0),
        ("failures <= 0", Metric::Failures, Op::Le, 0.0),
    ];
    for &(text, metric, op, limit) in cases {
        let t = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        // Percentiles compare by name: 99.9 / 100 is not exactly 0.999.
        assert_eq!((t.metric.name(), t.op), (metric.name(), op), "{text}");
        assert!((t.limit - limit).abs() < 1e-9, "{text}: {}", t.limit);
        assert_eq!(t.scope, Scope::default(), "{text}");
        assert_eq!((t.window, t.after, t.abort), (None, None, None), "{text}");
        assert_eq!(t.text, text.trim());
    }
}

#[test]
fn scopes_windows_and_clauses_parse() {
    let t = parse("p99.9{name:/cart} <= 1s over 30s after 10s abort after 5s").unwrap();
    assert_eq!(t.scope.name.as_deref(), Some("/cart"));
    assert_eq!(t.scope.method, None);
    assert_eq!(t.window, Some(Duration::from_secs(30)));
    assert_eq!(t.after, Some(Duration::from_secs(10)));
    assert_eq!(t.abort, Some(Duration::from_secs(5)));

    let t = parse("avg{method:GET,name:/x} < 200ms").unwrap();
    assert_eq!(
        t.scope,
        Scope {
            method: Some("GET".into()),
            name: Some("/x".into()),
            check: None,
        }
    );
    assert!(t.scope.matches("GET", "/x"));
    assert!(!t.scope.matches("POST", "/x"));

    // A custom request type's figures; a quoted name with a comma and brace.
    let t = parse(r#"p95{ method : xmlrpc , name: "add, {two}" } < 1s"#).unwrap();
    assert_eq!(t.scope.method.as_deref(), Some("xmlrpc"));
    assert_eq!(t.scope.name.as_deref(), Some("add, {two}"));
    assert_eq!(t.scope.to_string(), r#"{method:xmlrpc,name:"add, {two}"}"#);

    // A check's name, quoted with its spaces.
    let t = parse(r#"checks{check:"status is 200"} >= 0.95"#).unwrap();
    assert_eq!(t.scope.check.as_deref(), Some("status is 200"));
    assert_eq!(t.scope.to_string(), r#"{check:"status is 200"}"#);

    // `after` right after `abort` is its grace; before it, the ignored start.
    let t = parse("rps > 10 after 10s abort").unwrap();
    assert_eq!(
        (t.after, t.abort),
        (Some(Duration::from_secs(10)), Some(Duration::ZERO))
    );
    let t = parse("rps > 10 abort after 1m30s over 2m").unwrap();
    assert_eq!(t.abort, Some(Duration::from_secs(90)));
    assert_eq!(t.window, Some(Duration::from_secs(120)));
    assert_eq!(t.after, None);
    let t = parse("  fail_ratio < 1% over 45  ").unwrap();
    assert_eq!(t.window, Some(Duration::from_secs(45)));
    assert_eq!(t.text, "fail_ratio < 1% over 45");
    assert_eq!(t.limit_text(), "< 1.00%");
}

/// Each bad expression, the part its error must name (quoted, or "the end")
/// and a word of what it must say was expected.
#[test]
fn bad_expressions_name_the_bad_part() {
    let cases: &[(&str, &str, &str)] = &[
        ("", "the end", "a metric"),
        ("p95", "the end", "a comparison"),
        ("p95 <", "the end", "a time limit"),
        ("latency < 3s", "'latency'", "a metric"),
        ("p0 < 1s", "'p0'", "percentile above 0"),
        ("p101 < 1s", "'p101'", "percentile above 0"),
        ("pxx < 1s", "'pxx'", "a metric"),
        ("p95 < 300xs", "'xs'", "a time unit (us, ms or s) after 300"),
        ("p95 = 300ms", "'='", "a comparison: <, <=, > or >="),
        ("p95 300ms", "'300ms'", "a comparison"),
        ("p95 < fast", "'fast'", "a time limit"),
        ("fail_ratio < 5", "'5'", "a ratio from 0 to 1"),
        (
            "checks{name:/x} > 99%",
            "'name'",
            "the scope key of checks: check",
        ),
        (
            "p95{check:ok} < 1s",
            "'check'",
            "check is the scope key of the checks metric",
        ),
        ("fail_ratio < 150%", "'150%'", "percentage up to 100%"),
        ("fail_ratio < 1 percent", "'percent'", "'%' or nothing"),
        ("rps > 100 per minute", "'per'", "'/s' or nothing"),
        ("requests > 10.5", "'10.5'", "a whole number"),
        ("p95{name:/x < 1s", "'<'", "',' or '}'"),
        ("p95{url:/x} < 1s", "'url'", "a scope key: name or method"),
        (
            "p95{class:Shopper} < 1s",
            "'class'",
            "user class or tag is not available yet",
        ),
        ("p95{tag:checkout} < 1s", "'tag'", "not available yet"),
        ("p95{name:} < 1s", "'}'", "a value for the scope key name"),
        ("p95{name /x} < 1s", "'/x}'", "':' after the scope key name"),
        ("p95{name:/a,name:/b} < 1s", "'name'", "each scope key once"),
        ("p95{name:\"/x} < 1s", "the end", "closing '\"'"),
        ("p95 < 1s over", "the end", "a time span after 'over'"),
        ("p95 < 1s over soon", "'soon'", "a time span after 'over'"),
        ("p95 < 1s over 0s", "'0s'", "a window of at least 1s"),
        ("p95 < 1s after 10x", "'10x'", "a time span after 'after'"),
        (
            "p95 < 1s abort after",
            "the end",
            "a time span after 'abort after'",
        ),
        ("p95 < 1s over 10s over 20s", "'over'", "each clause once"),
        (
            "p95 < 1s during 10s",
            "'during'",
            "over 30s, after 10s, abort",
        ),
    ];
    for &(text, found, expected) in cases {
        let error = match parse(text) {
            Ok(t) => panic!("'{text}' parsed: {t:?}"),
            Err(error) => error,
        };
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("threshold '{}': {found} (column ", text.trim())),
            "{text}: {message}"
        );
        assert!(message.contains(expected), "{text}: {message}");
    }
    // The column points at the bad part.
    let error = parse("p95 < 300xs").unwrap_err();
    assert_eq!((error.column, error.found.as_str()), (10, "'xs'"));
}

/// Whatever is cut from or put into a good expression, the parser answers
/// with a threshold or an error, never a panic.
#[test]
fn mangled_expressions_never_panic() {
    let good = [
        "p99.9{name:/cart} <= 1s over 30s after 10s abort after 5s",
        r#"avg{method:GET,name:"a, \"b\" {c}"} < 200ms"#,
        "fail_ratio < 1% over 1m30s",
        "requests/s >= 12.5/s after 1h",
        "failures <= 0 abort",
    ];
    let inserts = [
        '{', '}', '"', '\\', ',', ':', '<', '=', '%', '.', 'µ', ' ', '9', 'é',
    ];
    let mut seen = 0;
    for text in good {
        let chars: Vec<char> = text.chars().collect();
        for cut in 0..=chars.len() {
            let prefix: String = chars[..cut].iter().collect();
            let without: String = chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != cut)
                .map(|(_, c)| c)
                .collect();
            let _ = parse(&prefix);
            let _ = parse(&without);
            for c in inserts {
                let mut with = chars.clone();
                with.insert(cut, c);
                let with: String = with.into_iter().collect();
                if let Err(error) = parse(&with) {
                    // The column points inside the expression (or just past it).
                    assert!(
                        error.column <= with.trim().chars().count() + 1,
                        "{with}: {error}"
                    );
                }
                seen += 1;
            }
        }
    }
    assert!(seen > 1000);
}

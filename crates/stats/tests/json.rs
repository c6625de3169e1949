//! `--json`: schema, key order and values from a fixed sample.

use locusta_stats::json::stats_json;
use locusta_stats::{RequestStats, PER_SECOND_WINDOW};

/// 2023-11-14T22:13:20Z.
const T0: f64 = 1_700_000_000.0;

fn sample() -> RequestStats {
    let mut stats = RequestStats::new(T0);
    stats.log_request("GET", "/", Some(1000), 100, T0 + 1.2);
    stats.log_request("POST", "/login", Some(150_000), 0, T0 + 2.0);
    stats.log_error("POST", "/login", "HTTPError('500')", T0 + 2.0);
    stats.log_request("GET", "/", Some(380), 100, T0 + 2.5);
    stats.log_request("GET", "/", Some(4000), 100, T0 + 3.5);
    stats.log_error("GET", "/", "boom", T0 + 3.5);
    stats.log_request("GET", "/none", None, 0, T0 + 5.0);
    stats.log_request("GET", "/", Some(3000), 200, T0 + 8.0);
    stats
}

const GOLDEN: &str = r#"[
    {
        "name": "/",
        "method": "GET",
        "last_request_timestamp": 1700000008.0,
        "start_time": 1700000001.2,
        "num_requests": 4,
        "num_none_requests": 0,
        "num_failures": 1,
        "total_response_time": 8.38,
        "max_response_time": 4.0,
        "min_response_time": 0.38,
        "total_content_length": 500,
        "response_times": {
            "0": 1,
            "1": 1,
            "3": 1,
            "4": 1
        },
        "num_reqs_per_sec": {
            "1700000001": 1,
            "1700000002": 1,
            "1700000003": 1,
            "1700000008": 1
        },
        "num_fail_per_sec": {
            "1700000003": 1
        }
    },
    {
        "name": "/login",
        "method": "POST",
        "last_request_timestamp": 1700000002.0,
        "start_time": 1700000002.0,
        "num_requests": 1,
        "num_none_requests": 0,
        "num_failures": 1,
        "total_response_time": 150.0,
        "max_response_time": 150.0,
        "min_response_time": 150.0,
        "total_content_length": 0,
        "response_times": {
            "150": 1
        },
        "num_reqs_per_sec": {
            "1700000002": 1
        },
        "num_fail_per_sec": {
            "1700000002": 1
        }
    },
    {
        "name": "/none",
        "method": "GET",
        "last_request_timestamp": 1700000005.0,
        "start_time": 1700000005.0,
        "num_requests": 1,
        "num_none_requests": 1,
        "num_failures": 0,
        "total_response_time": 0,
        "max_response_time": 0,
        "min_response_time": null,
        "total_content_length": 0,
        "response_times": {},
        "num_reqs_per_sec": {
            "1700000005": 1
        },
        "num_fail_per_sec": {}
    }
]"#;

#[test]
fn golden_output() {
    assert_eq!(stats_json(&sample()), GOLDEN);
}

#[test]
fn producing_it_resets_nothing() {
    let stats = sample();
    let before = stats.get("GET", "/").unwrap().num_requests;
    let _ = stats_json(&stats);
    assert_eq!(stats.get("GET", "/").unwrap().num_requests, before);
    assert_eq!(stats_json(&stats), GOLDEN);
}

#[test]
fn schema_and_key_order() {
    let value: serde_json::Value = serde_json::from_str(&stats_json(&sample())).unwrap();
    let rows = value.as_array().unwrap();
    // Aggregated is not included; neither are the failure groups.
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["name"] != "Aggregated"));
    let keys = [
        "name",
        "method",
        "last_request_timestamp",
        "start_time",
        "num_requests",
        "num_none_requests",
        "num_failures",
        "total_response_time",
        "max_response_time",
        "min_response_time",
        "total_content_length",
        "response_times",
        "num_reqs_per_sec",
        "num_fail_per_sec",
    ];
    // Key order in the text (serde_json::Value does not keep it).
    let text = stats_json(&sample());
    let first = &text[..text.find("},\n    {").unwrap()];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| first.find(&format!("\"{k}\": ")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    for row in rows {
        assert_eq!(row.as_object().unwrap().len(), keys.len());
    }
}

#[test]
fn empty_rows_are_left_out() {
    let mut stats = sample();
    stats.reset(T0 + 10.0);
    assert_eq!(stats_json(&stats), "[]");
    stats.log_error("GET", "/failed-only", "boom", T0 + 11.0);
    let value: serde_json::Value = serde_json::from_str(&stats_json(&stats)).unwrap();
    assert_eq!(value.as_array().unwrap().len(), 1);
    assert_eq!(value[0]["num_failures"], 1);
    assert_eq!(value[0]["num_requests"], 0);
}

#[test]
fn response_times_use_locusts_rounding_buckets() {
    let mut stats = RequestStats::new(T0);
    // 147 ms → 150; 3432 ms → 3400; 58760 ms → 59000 (within HDR's ≤ 1 %).
    for us in [147_000, 147_000, 3_432_000, 58_760_000] {
        stats.log_request("GET", "/", Some(us), 0, T0 + 1.0);
    }
    // An exact half goes to even, as Python's round: 2.5 ms → 2 (a single
    // sample is exact: min = max).
    stats.log_request("GET", "/tie", Some(2_500), 0, T0 + 1.0);
    let text = stats_json(&stats);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let buckets = |row: usize| -> Vec<(String, u64)> {
        let map = value[row]["response_times"].as_object().unwrap();
        map.iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .collect()
    };
    // serde_json::Value sorts keys as text.
    assert_eq!(
        buckets(0),
        [
            ("150".to_owned(), 2),
            ("3400".to_owned(), 1),
            ("59000".to_owned(), 1)
        ]
    );
    assert_eq!(buckets(1), [("2".to_owned(), 1)]);
    // In the text, buckets ascend numerically.
    let order: Vec<usize> = ["\"150\": 2", "\"3400\": 1", "\"59000\": 1"]
        .iter()
        .map(|k| text.find(k).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn per_second_counts_keep_the_last_window_only() {
    let mut stats = RequestStats::new(T0);
    let seconds = PER_SECOND_WINDOW as u64 + 6;
    for s in 0..seconds {
        stats.log_request("GET", "/", Some(1000), 0, T0 + s as f64);
    }
    let value: serde_json::Value = serde_json::from_str(&stats_json(&stats)).unwrap();
    let per_sec = value[0]["num_reqs_per_sec"].as_object().unwrap();
    assert_eq!(per_sec.len(), PER_SECOND_WINDOW);
    assert!(!per_sec.contains_key("1700000005"));
    assert!(per_sec.contains_key("1700000006"));
    assert_eq!(value[0]["num_requests"], seconds);
}

#[test]
fn non_ascii_is_escaped_like_pythons_json() {
    let mut stats = RequestStats::new(T0);
    stats.log_request("GET", "/café/😀\"\u{7f}", Some(1000), 0, T0 + 1.0);
    let text = stats_json(&stats);
    assert!(text.is_ascii());
    assert!(
        text.contains(r#""name": "/caf\u00e9/\ud83d\ude00\"\u007f","#),
        "{text}"
    );
}

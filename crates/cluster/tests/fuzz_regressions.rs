//! The fuzz targets' inputs as tests: every committed seed
//! (`fuzz/seeds/<target>/`) and every crash the fuzzers found (below, with
//! what it broke) go through all four entry points of
//! `locusta_cluster::fuzzing` on each `cargo test`.
//!
//! `LOCUSTA_WRITE_FUZZ_SEEDS=1 cargo test -p locusta-cluster --test
//! fuzz_regressions` writes the seeds again from real messages.

use std::path::{Path, PathBuf};
use std::time::Duration;

use locusta_cluster::fuzzing;
use locusta_cluster::message::map;
use locusta_cluster::zmtp::{self, SocketType};
use locusta_cluster::{wire, Message};
use locusta_stats::RequestStats;
use rmpv::Value;

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds")
}

fn all_targets(data: &[u8]) {
    fuzzing::zmtp_stream(data);
    fuzzing::envelope(data);
    fuzzing::stats_report(data);
    fuzzing::message_types(data);
}

/// Real messages of every type, as the master and the workers send them.
fn messages() -> Vec<(&'static str, Vec<u8>)> {
    let mut stats = RequestStats::new(1_000.0);
    for (i, ms) in [1.2, 5.0, 57.5, 230.0, 1234.0].into_iter().enumerate() {
        stats.log_request(
            "GET",
            "/a",
            Some((ms * 1000.0) as u64),
            10,
            1000.0 + i as f64,
        );
        stats.log_request("POST", "/b?id=1", Some(900), 0, 1001.0);
    }
    stats.log_error("GET", "/a", "HTTPError('500')", 1003.0);
    let mut report = wire::stats_fields(&stats);
    report.push((
        "user_classes_count",
        map(vec![("A", 2.into()), ("B", 1.into())]),
    ));
    let options = map(vec![
        ("tags", Value::Array(vec!["a".into()])),
        ("exclude_tags", Value::Array(vec!["b".into()])),
        ("my_text", "x".into()),
        ("my_int", 3.into()),
        ("my_float", Value::F64(0.5)),
        ("my_flag", true.into()),
    ]);
    let list = [
        (
            "client_ready",
            Message::new("client_ready", "2.47.0".into(), "w_1"),
        ),
        (
            "heartbeat",
            Message::new(
                "heartbeat",
                map(vec![
                    ("state", "running".into()),
                    ("current_cpu_usage", Value::F64(12.5)),
                    ("current_memory_usage", 123_456.into()),
                    ("locusta_iterations_done", Value::F64(1.0)),
                ]),
                "w_1",
            ),
        ),
        ("stats", Message::new("stats", map(report), "w_1")),
        (
            "spawn",
            Message::new(
                "spawn",
                map(vec![
                    ("timestamp", Value::F64(1000.5)),
                    ("user_classes_count", map(vec![("A", 2.into())])),
                    ("host", "http://127.0.0.1:8089".into()),
                    ("stop_timeout", Value::F64(3.0)),
                    ("parsed_options", options),
                    ("locusta_iterations", 10.into()),
                ]),
                "w_1",
            ),
        ),
        (
            "exception",
            Message::new(
                "exception",
                map(vec![
                    ("msg", "boom".into()),
                    ("traceback", "Traceback…".into()),
                    ("locusta_count", 2.into()),
                ]),
                "w_1",
            ),
        ),
        (
            "logs",
            Message::new(
                "logs",
                map(vec![
                    ("logs", Value::Array(vec!["a line".into()])),
                    ("worker_id", "w_1".into()),
                ]),
                "w_1",
            ),
        ),
        (
            "locustfile",
            Message::new(
                "locustfile",
                map(vec![(
                    "locustfiles",
                    Value::Array(vec![map(vec![
                        ("filename", "a.py".into()),
                        ("contents", "from locust import *".into()),
                    ])]),
                )]),
                "w_1",
            ),
        ),
        (
            "update_user_class",
            Message::new(
                "update_user_class",
                map(vec![
                    ("user_class_name", "A".into()),
                    ("host", "http://x".into()),
                    ("weight", 3.into()),
                ]),
                "w_1",
            ),
        ),
        ("quit", Message::new("quit", Value::Nil, "")),
    ];
    let mut encoded: Vec<(&'static str, Vec<u8>)> = list
        .into_iter()
        .map(|(name, m)| (name, m.encode()))
        .collect();
    encoded.push(("stats_extreme", extreme_report().encode()));
    encoded
}

/// A stats report whose times, seconds and counts are at the ends of their
/// types: the current rates' window of a report whose latest request was
/// at -1e30 overflowed (found while widening the fuzzing, 2026-12-04).
fn extreme_report() -> Message {
    let entry = |name: &str, t: f64| {
        map(vec![
            ("name", name.into()),
            ("method", "GET".into()),
            ("last_request_timestamp", Value::F64(t)),
            ("start_time", Value::F64(-t)),
            ("num_requests", u64::MAX.into()),
            ("num_none_requests", u64::MAX.into()),
            ("num_failures", u64::MAX.into()),
            ("total_response_time", Value::F64(f64::MAX)),
            ("max_response_time", Value::F64(1e300)),
            ("min_response_time", Value::F64(-1e300)),
            ("total_content_length", u64::MAX.into()),
            (
                "response_times",
                Value::Map(vec![
                    (Value::from(i64::MIN), u64::MAX.into()),
                    (Value::from(i64::MAX), u64::MAX.into()),
                ]),
            ),
            (
                "num_reqs_per_sec",
                Value::Map(vec![
                    (Value::from(i64::MIN + 1), u64::MAX.into()),
                    (Value::from(i64::MAX), 1.into()),
                ]),
            ),
            (
                "num_fail_per_sec",
                Value::Map(vec![(Value::from(i64::MIN), u64::MAX.into())]),
            ),
        ])
    };
    Message::new(
        "stats",
        map(vec![
            (
                "stats",
                Value::Array(vec![entry("/a", -1e30), entry("/b", f64::MIN)]),
            ),
            ("stats_total", entry("Aggregated", -1e30)),
            ("errors", Value::Map(vec![])),
        ]),
        "w_1",
    )
}

/// A ZMTP session carrying `payloads`, with a PING and a multi-frame message.
fn session(payloads: &[&[u8]]) -> Vec<u8> {
    let mut bytes = vec![7u8];
    bytes.extend_from_slice(&zmtp::greeting());
    bytes.extend(zmtp::ready(SocketType::Dealer, b"w_1"));
    let mut ping = vec![0x04, 11, 4];
    ping.extend_from_slice(b"PING\x00\x10ctx");
    bytes.extend(ping);
    for payload in payloads {
        bytes.extend(zmtp::encode_message(&[payload]));
    }
    bytes.extend(zmtp::encode_message(&[b"id", &[1u8; 300]]));
    bytes
}

#[test]
fn seeds_and_found_crashes_pass_every_target() {
    let messages = messages();
    if std::env::var_os("LOCUSTA_WRITE_FUZZ_SEEDS").is_some() {
        for target in ["envelope", "stats_report", "message_types"] {
            let dir = seeds_dir().join(target);
            std::fs::create_dir_all(&dir).unwrap();
            for (name, bytes) in &messages {
                if target != "envelope" || !name.ends_with("_extreme") {
                    std::fs::write(dir.join(name), bytes).unwrap();
                }
            }
        }
        let dir = seeds_dir().join("zmtp_stream");
        std::fs::create_dir_all(&dir).unwrap();
        let payloads: Vec<&[u8]> = messages.iter().map(|(_, b)| b.as_slice()).collect();
        std::fs::write(dir.join("session"), session(&payloads[..2])).unwrap();
        std::fs::write(dir.join("session_stats"), session(&payloads[2..3])).unwrap();
    }
    let mut seen = 0;
    for target in std::fs::read_dir(seeds_dir()).expect("fuzz/seeds exists") {
        for seed in std::fs::read_dir(target.unwrap().path()).unwrap() {
            let bytes = std::fs::read(seed.unwrap().path()).unwrap();
            all_targets(&bytes);
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} seeds");
    for (_, bytes) in &messages {
        all_targets(bytes);
    }
    // Each found input within 30 s (some were hangs).
    for (what, bytes) in found_crashes() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            all_targets(&bytes);
            let _ = done.send(());
        });
        assert!(
            finished.recv_timeout(Duration::from_secs(30)).is_ok(),
            "{what}: not done in 30 s"
        );
    }
}

/// Inputs the fuzzers found that broke something, with what they broke.
fn found_crashes() -> Vec<(&'static str, Vec<u8>)> {
    vec![(
        // message_types, 2026-12-04: map keys that are maps, 20 levels deep;
        // their JSON text escaped the JSON of their own keys at each level,
        // doubling the text each time: custom messages hung the master.
        "nested map keys (message_types timeout)",
        vec![
            0x93, 0xa5, 0x73, 0x74, 0x61, 0x74, 0x73, 0x84, 0xa5, 0x73, 0x74, 0x61, 0x74, 0x73,
            0xff, 0x92, 0x8f, 0x93, 0xb1, 0x75, 0x70, 0x64, 0x61, 0x74, 0x65, 0x5f, 0x75, 0x73,
            0x65, 0x72, 0x5f, 0x63, 0x6c, 0x61, 0x73, 0xf3, 0x83, 0xaf, 0x75, 0x73, 0x65, 0x72,
            0x5f, 0x63, 0x6c, 0x61, 0x73, 0x73, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0xa1, 0x41, 0xa4,
            0x68, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,
            0x84, 0x84, 0x84, 0x84, 0x84, 0x7b, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84,
            0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x84, 0x53, 0x53, 0x53, 0x53,
            0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0xca, 0xca, 0xca, 0xca,
            0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0xca,
            0xca, 0xca, 0xca, 0xca, 0xca, 0xca, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53,
            0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53,
            0x53, 0x53, 0x53, 0x53, 0x53, 0x00, 0x00, 0x00, 0xb2, 0x75, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x73, 0x65, 0x72, 0x5f,
            0x63, 0x6c, 0x61, 0x73, 0x73, 0x65, 0x73, 0x5f, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x81,
            0x6f, 0x73, 0xa1, 0x74, 0x02, 0xa4, 0x41, 0x68, 0xb5, 0x68, 0x74, 0x74, 0x70, 0x3a,
            0x2f, 0x2f, 0x32, 0x35, 0x34, 0x2e, 0x2e, 0x30, 0x30, 0x2e, 0x31, 0x3a, 0x38, 0x30,
            0x38, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19,
            0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19,
            0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19,
            0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19,
            0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19,
            0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19,
            0x19, 0x19, 0xb5, 0x19, 0x19, 0x19, 0x19, 0x39, 0xac, 0x73, 0x74, 0x6f, 0x6f, 0x6e,
            0x6e, 0x73, 0x65, 0x5f, 0x74, 0x69, 0x6d, 0x65, 0xcb, 0x65, 0x00, 0x3f, 0xf3, 0x33,
            0x33, 0x32, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
            0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
            0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
            0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0x74, 0x5f, 0x6c, 0x65,
            0x6e, 0xa6, 0x6d, 0x65, 0x74, 0x68, 0x6f, 0x64, 0x51, 0xa4, 0x50, 0x4f, 0x53, 0x54,
            0xb6, 0x6c, 0x61, 0x73, 0x74, 0x5f, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x5f,
            0x74, 0x69, 0x6d, 0x65, 0x73, 0x74, 0x61, 0x6d, 0x70, 0xcb, 0x40, 0x8f, 0x48, 0x00,
            0x5f, 0x31,
        ],
    )]
}

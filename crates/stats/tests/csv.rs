//! The `--csv` files: golden contents from a fixed sample with explicit times,
//! the number formats and [`CsvWriter`] on a temporary folder.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use locusta_stats::csv::{
    exceptions_csv, failures_csv, format_ms, history_rows, python_float, stats_csv, utc_timestamp,
    CsvWriter, EXCEPTIONS_HEADER, FAILURES_HEADER, HISTORY_HEADER, STATS_HEADER,
};
use locusta_stats::{readable_percentile, ExceptionEntry, RequestStats, PERCENTILES_TO_REPORT};

/// 2023-11-14T22:13:20Z.
const T0: f64 = 1_700_000_000.0;

/// Requests up to T0+3.5 s.
fn first_part(stats: &mut RequestStats) {
    stats.log_request("GET", "/", Some(1000), 100, T0 + 1.2);
    stats.log_request("POST", "/login", Some(150_000), 0, T0 + 2.0);
    stats.log_error(
        "POST",
        "/login",
        "HTTPError('500 Server Error: boom, again')",
        T0 + 2.0,
    );
    stats.log_request("GET", "/", Some(380), 100, T0 + 2.5);
    stats.log_request("GET", "/", Some(4000), 100, T0 + 3.5);
    stats.log_error("GET", "/", "He said \"hi\"", T0 + 3.5);
}

/// Requests after T0+3.5 s, the last one at T0+8.
fn second_part(stats: &mut RequestStats) {
    stats.log_request("GET", "/none", None, 0, T0 + 5.0);
    stats.log_request("GET", "/", Some(3000), 200, T0 + 8.0);
}

fn sample() -> RequestStats {
    let mut stats = RequestStats::new(T0);
    first_part(&mut stats);
    second_part(&mut stats);
    stats
}

fn exceptions() -> Vec<ExceptionEntry> {
    vec![
        ExceptionEntry {
            count: 2,
            msg: "division by zero".to_owned(),
            traceback: "Traceback (most recent call last):\n  File \"x.py\", line 1\nZeroDivisionError: division by zero\n".to_owned(),
            nodes: BTreeSet::from(["local".to_owned(), "worker-1".to_owned()]),
        },
        ExceptionEntry {
            count: 1,
            msg: "boom".to_owned(),
            traceback: "tasks::index".to_owned(),
            nodes: BTreeSet::from(["local".to_owned()]),
        },
    ]
}

/// The sample with a snapshot for current percentiles at T0+3.9 s.
fn sample_with_snapshot() -> RequestStats {
    let mut stats = RequestStats::new(T0);
    first_part(&mut stats);
    stats.snapshot_response_times(T0 + 3.9, true);
    second_part(&mut stats);
    stats
}

/// Joins lines with Python's `csv` line end.
fn crlf(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\r\n")).collect()
}

#[test]
fn headers_are_locusts() {
    let readable: Vec<String> = PERCENTILES_TO_REPORT.map(readable_percentile).to_vec();
    let percentiles = readable.join(",");
    assert_eq!(
        STATS_HEADER,
        format!(
            "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,\
             Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,{percentiles}"
        )
    );
    assert_eq!(
        HISTORY_HEADER,
        format!(
            "Timestamp,User Count,Type,Name,Requests/s,Failures/s,{percentiles},\
             Total Request Count,Total Failure Count,Total Median Response Time,\
             Total Average Response Time,Total Min Response Time,Total Max Response Time,\
             Total Average Content Size"
        )
    );
    assert_eq!(
        FAILURES_HEADER,
        "Method,Name,Error,Occurrences,First Seen,Last Seen"
    );
    assert_eq!(EXCEPTIONS_HEADER, "Count,Message,Traceback,Nodes");
}

#[test]
fn stats_file() {
    // GET /: 0.38, 1, 3, 4 ms; 4 requests in 8 s. Aggregated adds 150 ms (HDR
    // middle of 4 ms's bucket: 4.008) and a request without response time.
    assert_eq!(
        stats_csv(&sample()),
        crlf(&[
            STATS_HEADER,
            "GET,/,4,1,3,2.095,0.38,4.0,125.0,0.5,0.125,3,3,4,4,4,4,4,4,4,4,4",
            "POST,/login,1,1,150,150.0,150.0,150.0,0.0,0.125,0.125,150,150,150,150,150,150,150,150,150,150,150",
            "GET,/none,1,0,0,0.0,0,0,0.0,0.125,0.0,0,0,0,0,0,0,0,0,0,0,0",
            ",Aggregated,6,2,3,31.676,0.38,150.0,83.33333333333333,0.75,0.25,3,4.01,4.01,150,150,150,150,150,150,150,150",
        ])
    );
}

#[test]
fn stats_file_without_requests() {
    let mut stats = sample();
    stats.reset(T0 + 20.0);
    assert_eq!(
        stats_csv(&stats),
        crlf(&[
            STATS_HEADER,
            "GET,/,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
            "POST,/login,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
            "GET,/none,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
            ",Aggregated,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
        ])
    );
    assert_eq!(
        history_rows(&RequestStats::new(T0), 0, T0 + 1.0, false),
        crlf(&["1700000001,0,,Aggregated,0.000000,0.000000,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,0,0,0,0.0,0,0,0"])
    );
}

#[test]
fn history_rows_aggregated_only_are_cumulative() {
    // Current rates over [T0, T0+6): 5 requests and 2 failures in 6 s.
    assert_eq!(
        history_rows(&sample_with_snapshot(), 7, T0 + 13.2, false),
        crlf(&["1700000013,7,,Aggregated,0.833333,0.333333,3,4.01,4.01,150,150,150,150,150,150,150,150,6,2,3,31.676,0.38,150.0,83.33333333333333"])
    );
}

#[test]
fn full_history_rows_use_the_current_window() {
    // The window since the snapshot at T0+3 holds one sample, 3 ms of GET /;
    // /login has none since; /none started after the snapshot (its start counts
    // as an empty snapshot) and has no samples.
    assert_eq!(
        history_rows(&sample_with_snapshot(), 7, T0 + 13.2, true),
        crlf(&[
            "1700000013,7,GET,/,0.500000,0.166667,3,3,3,3,3,3,3,3,3,3,3,4,1,3,2.095,0.38,4.0,125.0",
            "1700000013,7,POST,/login,0.166667,0.166667,0,0,0,0,0,0,0,0,0,0,0,1,1,150,150.0,150.0,150.0,0.0",
            "1700000013,7,GET,/none,0.166667,0.000000,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0.0,0,0,0.0",
            "1700000013,7,,Aggregated,0.833333,0.333333,3,3,3,3,3,3,3,3,3,3,3,6,2,3,31.676,0.38,150.0,83.33333333333333",
        ])
    );
    // Without any snapshot in reach, current percentiles are written as 0 (the
    // current rates follow the last request, as Locust's).
    assert_eq!(
        history_rows(&sample(), 0, T0 + 100.0, true).lines().last(),
        Some("1700000100,0,,Aggregated,0.833333,0.333333,0,0,0,0,0,0,0,0,0,0,0,6,2,3,31.676,0.38,150.0,83.33333333333333")
    );
}

#[test]
fn failures_file_quotes_commas_and_quotes() {
    assert_eq!(
        failures_csv(&sample()),
        crlf(&[
            FAILURES_HEADER,
            "GET,/,\"He said \"\"hi\"\"\",1,2023-11-14T22:13:23Z,2023-11-14T22:13:23Z",
            "POST,/login,\"HTTPError('500 Server Error: boom, again')\",1,2023-11-14T22:13:22Z,2023-11-14T22:13:22Z",
        ])
    );
}

#[test]
fn exceptions_file_quotes_multiline_tracebacks() {
    assert_eq!(
        exceptions_csv(&exceptions()),
        "Count,Message,Traceback,Nodes\r\n\
         2,division by zero,\"Traceback (most recent call last):\n  File \"\"x.py\"\", line 1\n\
         ZeroDivisionError: division by zero\n\",\"local, worker-1\"\r\n\
         1,boom,tasks::index,local\r\n"
    );
    assert_eq!(exceptions_csv(&[]), "Count,Message,Traceback,Nodes\r\n");
}

#[test]
fn python_float_repr() {
    let cases = [
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (2.0, "2.0"),
        (150.0, "150.0"),
        (4.245111235297158, "4.245111235297158"),
        (83.33333333333333, "83.33333333333333"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1_700_000_001.2, "1700000001.2"),
        (-2.5, "-2.5"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (0.000015, "1.5e-05"),
        (1e16, "1e+16"),
        (1.5e16, "1.5e+16"),
        (9_999_999_999_999_998.0, "9999999999999998.0"),
        (1e22, "1e+22"),
        (1.5e-300, "1.5e-300"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (f64::NAN, "nan"),
    ];
    for (value, expected) in cases {
        assert_eq!(python_float(value), expected, "{value:e}");
    }
}

#[test]
fn milliseconds_keep_two_decimals_below_100() {
    let cases = [
        (0.0, "0"),
        (0.38, "0.38"),
        (0.381, "0.38"),
        (4.2, "4.2"),
        (4.008, "4.01"),
        (12.0, "12"),
        (99.994, "99.99"),
        (99.996, "100"),
        (187.4, "187"),
        (1500.5, "1500"),
        (1501.5, "1502"),
    ];
    for (ms, expected) in cases {
        assert_eq!(format_ms(ms), expected, "{ms}");
    }
}

#[test]
fn utc_timestamps() {
    assert_eq!(utc_timestamp(0.0), "1970-01-01T00:00:00Z");
    assert_eq!(utc_timestamp(T0 + 0.999), "2023-11-14T22:13:20Z");
    assert_eq!(utc_timestamp(951_782_400.0), "2000-02-29T00:00:00Z");
    assert_eq!(utc_timestamp(4_107_542_399.0), "2100-02-28T23:59:59Z");
    assert_eq!(utc_timestamp(-1.0), "1969-12-31T23:59:59Z");
}

/// A fresh folder under the system's temporary folder.
fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "locusta-csv-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn writer_creates_rewrites_appends_and_finishes() {
    let dir = temp_dir("writer");
    let prefix = dir.join("nested/folder/run");
    let prefix = prefix.to_str().unwrap();
    let file = |suffix: &str| PathBuf::from(format!("{prefix}{suffix}"));
    let mut writer = CsvWriter::create(prefix, true).unwrap();
    // Parent folders created, every file with its header only.
    assert_eq!(read(&file("_stats.csv")), crlf(&[STATS_HEADER]));
    assert_eq!(read(&file("_stats_history.csv")), crlf(&[HISTORY_HEADER]));
    assert_eq!(read(&file("_failures.csv")), crlf(&[FAILURES_HEADER]));
    assert_eq!(read(&file("_exceptions.csv")), crlf(&[EXCEPTIONS_HEADER]));

    let stats = sample_with_snapshot();
    writer.rewrite(&stats, &exceptions()).unwrap();
    assert_eq!(read(&file("_stats.csv")), stats_csv(&stats));
    assert_eq!(read(&file("_failures.csv")), failures_csv(&stats));
    assert_eq!(
        read(&file("_exceptions.csv")),
        exceptions_csv(&exceptions())
    );

    // A rewrite replaces the content, even when it gets shorter.
    let mut reset = stats.clone();
    reset.clear(T0 + 20.0);
    writer.rewrite(&reset, &[]).unwrap();
    assert_eq!(read(&file("_stats.csv")), stats_csv(&reset));
    assert_eq!(read(&file("_failures.csv")), crlf(&[FAILURES_HEADER]));
    assert_eq!(read(&file("_exceptions.csv")), crlf(&[EXCEPTIONS_HEADER]));

    // History rows are appended.
    writer.append_history(&stats, 7, T0 + 12.1).unwrap();
    writer.append_history(&stats, 7, T0 + 13.2).unwrap();
    let history = format!(
        "{HISTORY_HEADER}\r\n{}{}",
        history_rows(&stats, 7, T0 + 12.1, true),
        history_rows(&stats, 7, T0 + 13.2, true)
    );
    assert_eq!(read(&file("_stats_history.csv")), history);

    // finish writes everything; no second history row within the same second.
    writer.finish(&stats, &exceptions(), 7, T0 + 13.9).unwrap();
    assert_eq!(read(&file("_stats.csv")), stats_csv(&stats));
    assert_eq!(
        read(&file("_exceptions.csv")),
        exceptions_csv(&exceptions())
    );
    assert_eq!(read(&file("_stats_history.csv")), history);
    writer.finish(&stats, &exceptions(), 3, T0 + 14.0).unwrap();
    let history = format!("{history}{}", history_rows(&stats, 3, T0 + 14.0, true));
    assert_eq!(read(&file("_stats_history.csv")), history);
    drop(writer);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn writer_without_full_history_appends_aggregated_only() {
    let dir = temp_dir("aggregated");
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join("run");
    let prefix = prefix.to_str().unwrap();
    let mut writer = CsvWriter::create(prefix, false).unwrap();
    writer.append_history(&sample(), 2, T0 + 9.0).unwrap();
    assert_eq!(
        read(&PathBuf::from(format!("{prefix}_stats_history.csv"))),
        format!(
            "{HISTORY_HEADER}\r\n{}",
            history_rows(&sample(), 2, T0 + 9.0, false)
        )
    );
    drop(writer);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unwritable_paths_fail_naming_the_file() {
    let dir = temp_dir("unwritable");
    std::fs::create_dir_all(&dir).unwrap();
    // A file stands where a parent folder should be.
    std::fs::write(dir.join("blocker"), "x").unwrap();
    let prefix = dir.join("blocker/sub/run");
    let error = CsvWriter::create(prefix.to_str().unwrap(), false)
        .err()
        .expect("a file as parent folder cannot work")
        .to_string();
    assert!(error.contains("run_stats.csv"), "{error}");
    assert!(error.contains("blocker"), "{error}");
    // A folder stands where a CSV file should be.
    std::fs::create_dir_all(dir.join("run_failures.csv")).unwrap();
    let prefix = dir.join("run");
    let error = CsvWriter::create(prefix.to_str().unwrap(), false)
        .err()
        .expect("a folder cannot be opened as a file")
        .to_string();
    assert!(error.contains("run_failures.csv"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

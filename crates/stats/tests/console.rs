//! Golden tests of the console tables (layout from Locust's `stats.py`).

use locusta_stats::console::{
    error_report, error_report_with_width, format_ms, name_width_for_terminal, percentiles_table,
    stats_table, DEFAULT_NAME_WIDTH,
};
use locusta_stats::RequestStats;

const T0: f64 = 1_700_000_000.0;

/// 10 requests over 12.5 s: the current-rate window is [T0, T0+10).
fn sample() -> RequestStats {
    let mut s = RequestStats::new(T0);
    for (i, us) in [4000, 4000, 12_000, 4000, 150_000].into_iter().enumerate() {
        s.log_request("GET", "/", Some(us), 100, T0 + 1.0 + i as f64 * 0.1);
    }
    s.log_request("POST", "/login", Some(800), 20, T0 + 2.0);
    s.log_request("POST", "/login", Some(800), 20, T0 + 2.5);
    s.log_error("POST", "/login", "HTTPError('500 Server Error')", T0 + 2.5);
    let missing = "HTTPError('404 Client Error: File not found for url: /missing')";
    for t in [3.1, 3.2] {
        s.log_request("GET", "/missing", Some(2500), 0, T0 + t);
        s.log_error("GET", "/missing", missing, T0 + t);
    }
    s.log_request("xmlrpc", "get_time", None, 0, T0 + 12.5);
    s
}

#[test]
fn periodic_table_uses_current_rates() {
    let expected = concat!(
        "Type     Name              # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s\n",
        "--------|----------------|-------|-------------|-------|-------|-------|-------|--------|-----------\n",
        "GET      /                      5     0(0.00%) |   34.8    4.00     150   4.01 |    0.50        0.00\n",
        "POST     /login                 2    1(50.00%) |   0.80    0.80    0.80   0.80 |    0.20        0.10\n",
        "GET      /missing               2   2(100.00%) |   2.50    2.50    2.50   2.50 |    0.20        0.20\n",
        "xmlrpc   get_time               1     0(0.00%) |   0.00    0.00    0.00   0.00 |    0.00        0.00\n",
        "--------|----------------|-------|-------------|-------|-------|-------|-------|--------|-----------\n",
        "         Aggregated            10    3(30.00%) |   20.1    0.80     150   4.01 |    0.90        0.30\n",
        "\n",
    );
    assert_eq!(stats_table(&sample(), true, 20), expected);
}

#[test]
fn summary_table_uses_total_rates() {
    let expected = concat!(
        "Type     Name              # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s\n",
        "--------|----------------|-------|-------------|-------|-------|-------|-------|--------|-----------\n",
        "GET      /                      5     0(0.00%) |   34.8    4.00     150   4.01 |    0.40        0.00\n",
        "POST     /login                 2    1(50.00%) |   0.80    0.80    0.80   0.80 |    0.16        0.08\n",
        "GET      /missing               2   2(100.00%) |   2.50    2.50    2.50   2.50 |    0.16        0.16\n",
        "xmlrpc   get_time               1     0(0.00%) |   0.00    0.00    0.00   0.00 |    0.08        0.00\n",
        "--------|----------------|-------|-------------|-------|-------|-------|-------|--------|-----------\n",
        "         Aggregated            10    3(30.00%) |   20.1    0.80     150   4.01 |    0.80        0.24\n",
        "\n",
    );
    assert_eq!(stats_table(&sample(), false, 20), expected);
}

#[test]
fn percentile_table() {
    let expected = concat!(
        "Response time percentiles (exact)\n",
        "Type     Name                      50%    66%    75%    80%    90%    95%    98%    99%  99.9% 99.99%   100% # reqs\n",
        "--------|--------------------|--------|------|------|------|------|------|------|------|------|------|------|------\n",
        "GET      /                        4.01   12.0   12.0    150    150    150    150    150    150    150    150      5\n",
        "POST     /login                   0.80   0.80   0.80   0.80   0.80   0.80   0.80   0.80   0.80   0.80   0.80      2\n",
        "GET      /missing                 2.50   2.50   2.50   2.50   2.50   2.50   2.50   2.50   2.50   2.50   2.50      2\n",
        "--------|--------------------|--------|------|------|------|------|------|------|------|------|------|------|------\n",
        "         Aggregated               4.01   4.01   4.01   12.0    150    150    150    150    150    150    150     10\n",
        "\n",
    );
    assert_eq!(percentiles_table(&sample(), 20), expected);
}

#[test]
fn error_report_table() {
    let expected = concat!(
        "Error report\n",
        "# occurrences      Error                                                                                               \n",
        "------------------|---------------------------------------------------------------------------------\n",
        "1                  POST /login: HTTPError('500 Server Error')                                                          \n",
        "2                  GET /missing: HTTPError('404 Client Error: File not found for url: /missing')                       \n",
        "------------------|---------------------------------------------------------------------------------\n",
        "\n",
    );
    assert_eq!(error_report_with_width(&sample(), 20), expected);
    let default = error_report(&sample());
    let separator = format!("{}|{}", "-".repeat(18), "-".repeat(141));
    assert_eq!(default.lines().nth(2), Some(separator.as_str()));
    assert_eq!(error_report(&RequestStats::new(T0)), "");
}

#[test]
fn default_width_matches_locust_header() {
    // Header and separators as printed by Locust with STATS_NAME_WIDTH = 80.
    let table = stats_table(&sample(), true, DEFAULT_NAME_WIDTH);
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Type     Name                                                                          # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s"
    );
    assert_eq!(
        lines.next().unwrap(),
        "--------|----------------------------------------------------------------------------|-------|-------------|-------|-------|-------|-------|--------|-----------"
    );
    let table = percentiles_table(&sample(), DEFAULT_NAME_WIDTH);
    let mut lines = table.lines().skip(1);
    assert_eq!(
        lines.next().unwrap(),
        "Type     Name                                                                                  50%    66%    75%    80%    90%    95%    98%    99%  99.9% 99.99%   100% # reqs"
    );
    assert_eq!(
        lines.next().unwrap(),
        "--------|--------------------------------------------------------------------------------|--------|------|------|------|------|------|------|------|------|------|------|------"
    );
}

#[test]
fn empty_stats() {
    let stats = RequestStats::new(T0);
    let table = stats_table(&stats, true, 20);
    assert!(table.ends_with(
        "         Aggregated             0     0(0.00%) |   0.00    0.00    0.00   0.00 |    0.00        0.00\n\n"
    ));
    assert_eq!(table.lines().count(), 5);
    let table = percentiles_table(&stats, 20);
    assert_eq!(table.lines().count(), 5);
}

#[test]
fn number_formatting() {
    assert_eq!(format_ms(0.0), "0.00");
    assert_eq!(format_ms(0.114), "0.11");
    assert_eq!(format_ms(9.994), "9.99");
    assert_eq!(format_ms(9.996), "10.0");
    assert_eq!(format_ms(45.26), "45.3");
    assert_eq!(format_ms(99.96), "100");
    assert_eq!(format_ms(187.71), "188");
    assert_eq!(format_ms(123_456.4), "123456");
    assert_eq!(name_width_for_terminal(120), 40);
    assert_eq!(name_width_for_terminal(60), 0);
    assert_eq!(name_width_for_terminal(300), 80);
}

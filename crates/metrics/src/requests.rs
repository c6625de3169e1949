//! The request metrics, from the statistics rows of one scrape:
//!
//! * `locusta_requests_total{method,name}` and
//!   `locusta_request_failures_total{method,name}`: counters;
//! * `locusta_response_time_seconds{method,name}`: a histogram with fixed
//!   latency buckets ([`BUCKETS_US`]), counted from the row's HDR buckets;
//! * `locusta_response_time_percentile_seconds{method,name,quantile}`: a
//!   summary of the percentiles the console table reports, as it reports them;
//! * `locusta_aggregated_response_time_seconds{quantile}`: the same for the
//!   Aggregated row (percentiles of all requests, which no query over the
//!   per-name summaries can give).
//!
//! A histogram bucket counts a sample under `le` when the highest value of
//! the sample's HDR bucket is at most the bound: the statistics keep times
//! in buckets of at most 1 % of their value, so a time within 1 % above a
//! bound may be counted in the next bucket up — never in a lower one.

use locusta_stats::{StatsEntry, PERCENTILES_TO_REPORT};

use crate::text::{le_label, Kind, Labels, TextWriter};

/// The histogram's bucket bounds in microseconds: 100 µs to 60 s, in 1-2.5-5
/// steps, for latencies from a loopback service to a slow batch call.
pub const BUCKETS_US: [u64; 18] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000,
];

/// µs → seconds.
fn seconds(us: f64) -> f64 {
    us / 1_000_000.0
}

/// Cumulative counts at each bound of [`BUCKETS_US`] (then +Inf: all samples).
fn bucket_counts(entry: &StatsEntry) -> [u64; BUCKETS_US.len()] {
    let mut counts = [0u64; BUCKETS_US.len()];
    let mut bound = 0;
    let mut seen = 0u64;
    for (highest, count) in entry.histogram().buckets() {
        while bound < BUCKETS_US.len() && highest > BUCKETS_US[bound] {
            counts[bound] = seen;
            bound += 1;
        }
        if bound == BUCKETS_US.len() {
            break;
        }
        seen = seen.saturating_add(count);
    }
    for count in counts.iter_mut().skip(bound) {
        *count = seen;
    }
    counts
}

/// Writes every request metric for `rows` (kept rows, then folded ones) and
/// the Aggregated row `total`.
pub(crate) fn write(text: &mut TextWriter, rows: &[&StatsEntry], total: &StatsEntry) {
    let les: Vec<String> = BUCKETS_US
        .iter()
        .map(|&us| le_label(seconds(us as f64)))
        .collect();
    let quantiles: Vec<String> = PERCENTILES_TO_REPORT.iter().map(|&q| le_label(q)).collect();
    // Each row's labels, escaped once for its few dozen samples.
    let labels: Vec<Labels> = rows
        .iter()
        .map(|row| Labels::new(&[("method", &row.method), ("name", &row.name)]))
        .collect();

    text.header(
        "locusta_requests_total",
        Kind::Counter,
        "Requests made, failed ones included, by method and name.",
    );
    for (row, labels) in rows.iter().zip(&labels) {
        text.sample_of("locusta_requests_total", labels, None, row.num_requests);
    }
    text.header(
        "locusta_request_failures_total",
        Kind::Counter,
        "Requests that failed, by method and name.",
    );
    for (row, labels) in rows.iter().zip(&labels) {
        text.sample_of(
            "locusta_request_failures_total",
            labels,
            None,
            row.num_failures,
        );
    }

    text.header(
        "locusta_response_time_seconds",
        Kind::Histogram,
        "Response times, by method and name (requests without a measured time are not counted).",
    );
    for (row, labels) in rows.iter().zip(&labels) {
        let counts = bucket_counts(row);
        for (le, count) in les.iter().zip(counts) {
            text.sample_of(
                "locusta_response_time_seconds_bucket",
                labels,
                Some(("le", le)),
                count,
            );
        }
        text.sample_of(
            "locusta_response_time_seconds_bucket",
            labels,
            Some(("le", "+Inf")),
            row.num_samples(),
        );
        text.sample_of(
            "locusta_response_time_seconds_sum",
            labels,
            None,
            seconds(row.total_response_time_us as f64),
        );
        text.sample_of(
            "locusta_response_time_seconds_count",
            labels,
            None,
            row.num_samples(),
        );
    }

    text.header(
        "locusta_response_time_percentile_seconds",
        Kind::Summary,
        "Response-time percentiles since the start of the run, as the console table reports them (HDR histogram, within 1 %; quantile 1 is the exact maximum).",
    );
    for (row, labels) in rows.iter().zip(&labels) {
        write_summary(
            text,
            "locusta_response_time_percentile_seconds",
            labels,
            row,
            &quantiles,
        );
    }
    text.header(
        "locusta_aggregated_response_time_seconds",
        Kind::Summary,
        "Response-time percentiles of all requests (the Aggregated row).",
    );
    write_summary(
        text,
        "locusta_aggregated_response_time_seconds",
        &Labels::new(&[]),
        total,
        &quantiles,
    );
}

/// One row's percentiles, `_sum` and `_count`.
fn write_summary(
    text: &mut TextWriter,
    name: &str,
    labels: &Labels,
    row: &StatsEntry,
    quantiles: &[String],
) {
    let values = row.percentiles(PERCENTILES_TO_REPORT);
    for (ms, label) in values.iter().zip(quantiles) {
        // An empty row has no percentiles: NaN, as Prometheus's own summaries.
        // Through whole µs, so that 5.616 ms is written 0.005616.
        let value = if row.num_samples() == 0 {
            f64::NAN
        } else {
            seconds((ms * 1000.0).round())
        };
        text.sample_of(name, labels, Some(("quantile", label)), value);
    }
    text.sample_of(
        &format!("{name}_sum"),
        labels,
        None,
        seconds(row.total_response_time_us as f64),
    );
    text.sample_of(&format!("{name}_count"), labels, None, row.num_samples());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_count_times_up_to_each_bound() {
        let mut entry = StatsEntry::new("GET", "/", 0.0);
        for us in [50, 100, 101, 900, 1_000, 30_000, 70_000_000] {
            entry.log(Some(us), 0, 1.0);
        }
        entry.log(None, 0, 1.0);
        let counts = bucket_counts(&entry);
        // ≤ 100 µs: 50 and 100; 101 shares no bucket with 100 at 2 digits.
        assert_eq!(counts[0], 2);
        assert_eq!(counts[2], 3);
        // 1000 µs lies in the HDR bucket [1000, 1003]: counted under 2.5 ms.
        assert_eq!(counts[3], 4);
        assert_eq!(counts[4], 5);
        assert_eq!(counts[7], 5);
        assert_eq!(counts[8], 6);
        assert_eq!(counts[BUCKETS_US.len() - 1], 6);
        assert_eq!(entry.num_samples(), 7);
    }
}

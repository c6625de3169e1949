//! `--json` / `--json-file` output: Locust's `print_stats_json`.

use std::io;

use serde::ser::{SerializeMap, Serializer as _};
use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use crate::csv::python_float;
use crate::{RequestStats, StatsEntry};

/// A number as Locust has it: an int until the first float is added.
#[derive(Serialize)]
#[serde(untagged)]
enum PyNumber {
    Int(u64),
    Float(f64),
}

/// An {integer: count} dict; keys become strings, as in Python's `json`.
struct Counts(Vec<(i64, u64)>);

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, count) in &self.0 {
            map.serialize_entry(key, count)?;
        }
        map.end()
    }
}

/// One entry, fields in the order of Locust's `StatsEntryDict`.
#[derive(Serialize)]
struct EntryJson<'a> {
    name: &'a str,
    method: &'a str,
    last_request_timestamp: Option<f64>,
    start_time: f64,
    num_requests: u64,
    num_none_requests: u64,
    num_failures: u64,
    total_response_time: PyNumber,
    max_response_time: PyNumber,
    min_response_time: Option<f64>,
    total_content_length: u64,
    response_times: Counts,
    num_reqs_per_sec: Counts,
    num_fail_per_sec: Counts,
}

/// Locust's `bucket_response_time`: below 100 ms rounded to an integer, below
/// 1000 to tens, below 10000 to hundreds, else to thousands; exact halves to
/// even, as Python's `round`.
fn locust_bucket(ms: f64) -> i64 {
    let step = if ms < 100.0 {
        1.0
    } else if ms < 1000.0 {
        10.0
    } else if ms < 10_000.0 {
        100.0
    } else {
        1000.0
    };
    ((ms / step).round_ties_even() * step) as i64
}

/// The response-time histogram as Locust's `response_times` dict: each
/// histogram bucket's middle value (clamped to the exact min and max) put in
/// Locust's rounding bucket in ms, ascending.
fn response_time_buckets(entry: &StatsEntry) -> Vec<(i64, u64)> {
    let histogram = entry.histogram();
    let min = entry.min_response_time_us.unwrap_or(0);
    let max = entry.max_response_time_us.max(min);
    let mut out: Vec<(i64, u64)> = Vec::new();
    for (bucket, count) in histogram.buckets() {
        let us = crate::ResponseTimes::median_equivalent(bucket).clamp(min, max);
        let key = locust_bucket(us as f64 / 1000.0);
        match out.last_mut() {
            Some((last, total)) if *last == key => *total += count,
            _ => out.push((key, count)),
        }
    }
    out
}

fn entry_json(entry: &StatsEntry) -> EntryJson<'_> {
    let per_second = entry.per_second();
    let sampled = entry.min_response_time_us.is_some();
    let as_number = |ms: f64| {
        if sampled {
            PyNumber::Float(ms)
        } else {
            PyNumber::Int(0)
        }
    };
    EntryJson {
        name: &entry.name,
        method: &entry.method,
        last_request_timestamp: entry.last_request_timestamp,
        start_time: entry.start_time,
        num_requests: entry.num_requests,
        num_none_requests: entry.num_none_requests,
        num_failures: entry.num_failures,
        total_response_time: as_number(entry.total_response_time_us as f64 / 1000.0),
        max_response_time: as_number(entry.max_response_time()),
        min_response_time: sampled.then(|| entry.min_response_time()),
        total_content_length: entry.total_content_length,
        response_times: Counts(response_time_buckets(entry)),
        num_reqs_per_sec: Counts(
            per_second
                .iter()
                .filter(|s| s.1 > 0)
                .map(|s| (s.0, s.1))
                .collect(),
        ),
        num_fail_per_sec: Counts(
            per_second
                .iter()
                .filter(|s| s.2 > 0)
                .map(|s| (s.0, s.2))
                .collect(),
        ),
    }
}

/// Locust's `--json` output (`json.dumps(stats.serialize_stats(), indent=4)`),
/// without a trailing newline: an array with one object per row that has
/// requests or failures, sorted by name then method (Locust: first-use order);
/// the Aggregated row and the failure groups are not included.
///
/// Keys are in Locust's order: `name`, `method`, `last_request_timestamp`,
/// `start_time`, `num_requests`, `num_none_requests`, `num_failures`,
/// `total_response_time`, `max_response_time`, `min_response_time`,
/// `total_content_length`, `response_times`, `num_reqs_per_sec`,
/// `num_fail_per_sec`. Times are in ms and epoch seconds; floats print as
/// Python's (`2.0`), non-ASCII text is escaped (`\u00e9`) as Python's `json`
/// does by default.
///
/// * `response_times` maps Locust's rounding buckets (ms, as strings) to counts,
///   built from the histogram (≤ 1 % relative error before rounding).
/// * `num_reqs_per_sec` / `num_fail_per_sec` map epoch seconds (as strings) to
///   counts, for the last [`crate::PER_SECOND_WINDOW`] seconds only: older
///   seconds are not kept.
///
/// Unlike Locust, producing it resets nothing.
pub fn stats_json(stats: &RequestStats) -> String {
    let entries: Vec<EntryJson<'_>> = stats
        .entries()
        .into_iter()
        .filter(|e| !e.is_empty())
        .map(entry_json)
        .collect();
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter::new());
    serializer
        .collect_seq(&entries)
        .expect("serialising to memory does not fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Python's `json.dumps(…, indent=4)` layout: serde_json's pretty layout with
/// 4-space indents, floats as Python's `repr`, and only ASCII in strings.
struct PythonFormatter(PrettyFormatter<'static>);

impl PythonFormatter {
    fn new() -> Self {
        Self(PrettyFormatter::with_indent(b"    "))
    }
}

impl Formatter for PythonFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_float(value).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if fragment.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut units = [0u16; 2];
        for c in fragment.chars() {
            if (' '..='~').contains(&c) {
                writer.write_all(&[c as u8])?;
            } else {
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

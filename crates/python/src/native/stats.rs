//! The statistics functions: what `environment.stats`, `events.request`,
//! Locust's `RequestStats`/`StatsEntry` and its CSV, JSON and HTML outputs
//! read and write from Python, and the checks `locust.check` counts.
//!
//! They all go to [`super::state::stats`] (the runner's statistics, or a
//! script's own) and hand Python plain values (dicts, tuples, text), which
//! the `locust.stats` module wraps in Locust's classes. The texts (tables,
//! CSV, JSON, HTML) are rendered by [`locusta_stats`], the same code the
//! Rust runs use, so a Python run prints and writes what a Rust run does.

use std::time::Duration;

use locusta_engine::events::UserError;
use locusta_stats::RequestRecord;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::state::{recorder, script_stats, shared, stats, SCRIPT};

/// Records one request into the statistics (catch blocks, `events.request.fire`).
#[pyfunction]
#[pyo3(signature = (request_type, name, response_time, response_length, exception, start_time, url))]
fn record(
    request_type: &str,
    name: &str,
    response_time: Option<f64>,
    response_length: u64,
    exception: Option<&str>,
    start_time: f64,
    url: &str,
) -> PyResult<()> {
    let response_time = response_time
        .map(|ms| Duration::try_from_secs_f64(ms.max(0.0) / 1000.0))
        .transpose()
        .map_err(|_| PyValueError::new_err("invalid response_time"))?;
    recorder()?.record(&RequestRecord {
        request_type,
        name,
        response_time,
        response_length,
        error: exception,
        start_time,
        url,
        status: 0,
    });
    Ok(())
}

/// Counts one evaluation of a check (`locust.check`): a pass when `passed`.
#[pyfunction]
fn check(name: &str, passed: bool) -> PyResult<()> {
    recorder()?.check(name, passed);
    Ok(())
}

/// Adds an error in user code to the exceptions table and fires the engine's
/// `user_error` (its Rust listeners; the Python ones are fired by Python).
#[pyfunction]
#[pyo3(signature = (message, traceback, user_class=None, location=None))]
fn log_exception(
    message: &str,
    traceback: &str,
    user_class: Option<String>,
    location: Option<String>,
) -> PyResult<()> {
    if SCRIPT.get().is_some() && shared()?.runner.get().is_none() {
        script_stats().0.log_exception(message, traceback, "local");
    }
    if let Some(runner) = shared()?.runner.get() {
        let env = runner.environment();
        env.stats.log_exception(message, traceback, "local");
        if let Some(user_class) = user_class {
            env.events.user_error.fire(&UserError {
                user_class,
                location: location.unwrap_or_default(),
                message: message.to_string(),
            });
        }
    }
    Ok(())
}

/// One row of the statistics as a dict (Locust's `StatsEntry` attributes and
/// a few percentiles): the Aggregated row when `name` is None, else the row of
/// `(method, name)`, or None if it has no requests yet.
#[pyfunction]
#[pyo3(signature = (method=None, name=None, percentiles=Vec::new()))]
fn stats_entry<'py>(
    py: Python<'py>,
    method: Option<&str>,
    name: Option<&str>,
    percentiles: Vec<f64>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Some(stats) = stats()? else {
        return Ok(None);
    };
    let stats = stats.collect();
    let entry = match name {
        None => &stats.total,
        Some(name) => match stats.get(method.unwrap_or("GET"), name) {
            Some(entry) => entry,
            None => return Ok(None),
        },
    };
    let (total_rps, total_fail_per_sec) = stats.rates(entry, false);
    let (current_rps, current_fail_per_sec) = stats.rates(entry, true);
    let dict = PyDict::new(py);
    dict.set_item("name", &entry.name)?;
    dict.set_item("method", &entry.method)?;
    dict.set_item("num_requests", entry.num_requests)?;
    dict.set_item("num_none_requests", entry.num_none_requests)?;
    dict.set_item("num_failures", entry.num_failures)?;
    dict.set_item(
        "total_response_time",
        entry.total_response_time_us as f64 / 1000.0,
    )?;
    dict.set_item("avg_response_time", entry.avg_response_time())?;
    dict.set_item("min_response_time", entry.min_response_time())?;
    dict.set_item("max_response_time", entry.max_response_time())?;
    dict.set_item("median_response_time", entry.median_response_time())?;
    dict.set_item("total_content_length", entry.total_content_length)?;
    dict.set_item("avg_content_length", entry.avg_content_length())?;
    dict.set_item("fail_ratio", entry.fail_ratio())?;
    dict.set_item("total_rps", total_rps)?;
    dict.set_item("total_fail_per_sec", total_fail_per_sec)?;
    dict.set_item("current_rps", current_rps)?;
    dict.set_item("current_fail_per_sec", current_fail_per_sec)?;
    let quantiles = PyDict::new(py);
    for q in percentiles {
        quantiles.set_item(q, entry.percentile(q))?;
    }
    dict.set_item("percentiles", quantiles)?;
    dict.set_item("start_time", entry.start_time)?;
    dict.set_item("last_request_timestamp", entry.last_request_timestamp)?;
    let per_second = PyDict::new(py);
    for (second, requests, failures) in entry.per_second() {
        per_second.set_item(second, (requests, failures))?;
    }
    dict.set_item("per_second", per_second)?;
    Ok(Some(dict))
}

/// One failure group as Python receives it:
/// `(method, name, error, occurrences, first_seen, last_seen)`.
type ErrorGroup = (String, String, String, u64, f64, f64);

/// Every failure group.
#[pyfunction]
fn stats_errors() -> PyResult<Vec<ErrorGroup>> {
    let Some(stats) = stats()? else {
        return Ok(Vec::new());
    };
    let stats = stats.collect();
    Ok(stats
        .errors()
        .into_iter()
        .map(|e| {
            let (method, name, error) = (e.method.clone(), e.name.clone(), e.error.clone());
            (
                method,
                name,
                error,
                e.occurrences,
                e.first_seen,
                e.last_seen,
            )
        })
        .collect())
}

/// Every row's `(method, name)`.
#[pyfunction]
fn stats_names() -> PyResult<Vec<(String, String)>> {
    let Some(stats) = stats()? else {
        return Ok(Vec::new());
    };
    let stats = stats.collect();
    Ok(stats
        .entries()
        .iter()
        .map(|entry| (entry.method.clone(), entry.name.clone()))
        .collect())
}

/// The statistics tables as locusta prints them: `"stats"` (current rates
/// when `current`), `"percentiles"` or `"errors"`, `name_width` wide.
#[pyfunction]
#[pyo3(signature = (table, current=true, name_width=80))]
fn stats_text(table: &str, current: bool, name_width: usize) -> PyResult<String> {
    let Some(stats) = stats()? else {
        return Ok(String::new());
    };
    let stats = stats.collect();
    Ok(match table {
        "stats" => locusta_stats::console::stats_table(&stats, current, name_width),
        "percentiles" => locusta_stats::console::percentiles_table(&stats, name_width),
        "errors" => locusta_stats::console::error_report_with_width(&stats, name_width),
        other => return Err(PyValueError::new_err(format!("no table {other:?}"))),
    })
}

/// Every row (not the Aggregated one) in Locust's JSON schema (`--json`).
#[pyfunction]
fn stats_json() -> PyResult<String> {
    let Some(stats) = stats()? else {
        return Ok("[]".into());
    };
    Ok(locusta_stats::json::stats_json(&stats.collect()))
}

/// Resets the statistics: `clear` removes the rows (Locust's `clear_all`),
/// else they stay with zeros (`reset_all`).
#[pyfunction]
#[pyo3(signature = (clear=false))]
fn stats_reset(clear: bool) -> PyResult<()> {
    if let Some(stats) = stats()? {
        if clear {
            stats.clear();
        } else {
            stats.reset();
        }
        stats.clear_exceptions();
    }
    Ok(())
}

/// When the statistics started (epoch seconds), and the last request's time.
#[pyfunction]
fn stats_times() -> PyResult<(f64, Option<f64>)> {
    let Some(stats) = stats()? else {
        return Ok((locusta_stats::now_epoch(), None));
    };
    let collected = stats.collect();
    Ok((collected.start_time(), collected.last_request_timestamp()))
}

/// One row of the exceptions table: `(message, traceback, count, nodes)`.
type ExceptionRow = (String, String, u64, Vec<String>);

/// Every exception of the exceptions table.
#[pyfunction]
fn stats_exceptions() -> PyResult<Vec<ExceptionRow>> {
    let Some(stats) = stats()? else {
        return Ok(Vec::new());
    };
    Ok(stats
        .exceptions()
        .into_iter()
        .map(|e| (e.msg, e.traceback, e.count, e.nodes.into_iter().collect()))
        .collect())
}

/// Locust's CSV texts (header included): `"requests"`, `"failures"`,
/// `"exceptions"`, or `"history"` (the rows of now, `full_history` adding a
/// row per request name; `"history_header"` is its header).
#[pyfunction]
#[pyo3(signature = (kind, user_count=0, full_history=false))]
fn stats_csv(kind: &str, user_count: u64, full_history: bool) -> PyResult<String> {
    use locusta_stats::csv;
    if kind == "history_header" {
        return Ok(format!("{}\r\n", csv::HISTORY_HEADER));
    }
    let Some(stats) = stats()? else {
        return Ok(String::new());
    };
    Ok(match kind {
        "requests" => csv::stats_csv(&stats.collect()),
        "failures" => csv::failures_csv(&stats.collect()),
        "exceptions" => csv::exceptions_csv(&stats.exceptions()),
        "history" => csv::history_rows(
            &stats.collect(),
            user_count,
            locusta_stats::now_epoch(),
            full_history,
        ),
        other => return Err(PyValueError::new_err(format!("no CSV {other:?}"))),
    })
}

/// Takes the once-a-second snapshot current percentiles are computed from
/// (a script's runner calls it every second; the engine does it in a run).
#[pyfunction]
fn stats_tick() -> PyResult<()> {
    if let Some(stats) = stats()? {
        stats
            .collect()
            .snapshot_response_times(locusta_stats::now_epoch(), true);
    }
    Ok(())
}

/// Logs into the statistics directly (Locust's `RequestStats.log_request`
/// and `log_error`, which count a request and a failure separately): a
/// request when `response_time` is given or `error` is None, a failure when
/// `error` is given.
#[pyfunction]
#[pyo3(signature = (method, name, response_time=None, content_length=0, error=None, request=true))]
fn stats_log(
    method: &str,
    name: &str,
    response_time: Option<f64>,
    content_length: u64,
    error: Option<&str>,
    request: bool,
) -> PyResult<()> {
    let Some(stats) = stats()? else {
        return Err(PyRuntimeError::new_err("no statistics yet"));
    };
    let now = locusta_stats::now_epoch();
    let mut collected = stats.collect();
    if request {
        let micros = response_time.map(|ms| (ms.max(0.0) * 1000.0).round() as u64);
        collected.log_request(method, name, micros, content_length, now);
    }
    if let Some(error) = error {
        collected.log_error(method, name, error, now);
    }
    Ok(())
}

/// The HTML report of the statistics so far (what `--html` writes).
#[pyfunction]
#[pyo3(signature = (locustfile, host, start_time, end_time))]
fn html_report(
    locustfile: String,
    host: String,
    start_time: f64,
    end_time: f64,
) -> PyResult<String> {
    let Some(stats) = stats()? else {
        return Err(PyRuntimeError::new_err("no statistics yet"));
    };
    let meta = locusta_stats::html::ReportMeta {
        profile: None,
        start_time,
        end_time,
        host,
        locustfile,
        user_classes: Vec::new(),
        thresholds: Vec::new(),
        generator: None,
    };
    let exceptions = stats.exceptions();
    let history = locusta_stats::StatsHistory::default();
    Ok(locusta_stats::html::render_report(
        &stats.collect(),
        &exceptions,
        &history,
        &meta,
    ))
}

/// Registers this module's functions in `locusta._native`.
pub(super) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(record, module)?)?;
    module.add_function(wrap_pyfunction!(check, module)?)?;
    module.add_function(wrap_pyfunction!(log_exception, module)?)?;
    module.add_function(wrap_pyfunction!(stats_entry, module)?)?;
    module.add_function(wrap_pyfunction!(stats_names, module)?)?;
    module.add_function(wrap_pyfunction!(stats_errors, module)?)?;
    module.add_function(wrap_pyfunction!(stats_text, module)?)?;
    module.add_function(wrap_pyfunction!(stats_json, module)?)?;
    module.add_function(wrap_pyfunction!(stats_reset, module)?)?;
    module.add_function(wrap_pyfunction!(stats_times, module)?)?;
    module.add_function(wrap_pyfunction!(stats_exceptions, module)?)?;
    module.add_function(wrap_pyfunction!(html_report, module)?)?;
    module.add_function(wrap_pyfunction!(stats_csv, module)?)?;
    module.add_function(wrap_pyfunction!(stats_tick, module)?)?;
    module.add_function(wrap_pyfunction!(stats_log, module)?)?;
    Ok(())
}

//! The runner and events functions: what `environment.runner`,
//! `environment.host`, `process_exit_code`, custom messages and Locust's
//! logging do from Python.
//!
//! They read and drive the engine's [`Runner`](locusta_engine::runner::Runner) once [`crate::attach`] has
//! set it (before that, they answer as a runner that is ready and idle, or
//! raise when an action needs it). Actions that wait for the runner (a ramp,
//! new counts) run on the [`control_runtime`], never on the Python thread:
//! the runner fires events that the Python thread must be free to answer.

use std::sync::OnceLock;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use super::state::shared;

/// Counts an exception in a Python event listener (the exit code becomes 2).
#[pyfunction]
fn unhandled_error() {
    locusta_engine::events::record_unhandled_error();
}

/// Logs through locusta's logger (the `--loglevel`/`--logfile` settings).
#[pyfunction]
#[pyo3(name = "log")]
fn log_record(level: u32, target: &str, message: &str) {
    let level = match level {
        40.. => log::Level::Error,
        30..=39 => log::Level::Warn,
        20..=29 => log::Level::Info,
        _ => log::Level::Debug,
    };
    log::log!(target: target, level, "{message}");
}

/// Sends a custom message to the other processes of a distributed test
/// (`data` as JSON): a worker's to its master, a master's to `client_id` or to
/// every worker.
#[pyfunction]
#[pyo3(signature = (kind, data, client_id=None))]
fn send_message(kind: &str, data: &str, client_id: Option<&str>) -> PyResult<()> {
    let runner = shared()?
        .runner
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("the runner is not ready yet"))?;
    let data: serde_json::Value = serde_json::from_str(data)
        .map_err(|e| PyValueError::new_err(format!("message data: {e}")))?;
    runner
        .environment()
        .send_message(kind, data, client_id)
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// A master's workers: `(id, state, user_count)` each, ordered by id (none
/// elsewhere).
#[pyfunction]
fn workers() -> PyResult<Vec<(String, String, u64)>> {
    let workers = shared()?.runner.get().and_then(|runner| runner.workers());
    Ok(workers
        .unwrap_or_default()
        .into_iter()
        .map(|w| (w.id, w.state, w.user_count))
        .collect())
}

/// A worker's id, as its master knows it (`WorkerRunner.client_id`); None
/// elsewhere.
#[pyfunction]
fn node_id() -> PyResult<Option<String>> {
    Ok(shared()?
        .runner
        .get()
        .and_then(|runner| runner.environment().node_id.read().clone()))
}

/// The runner's numbers and state: `(state, user_count, target_user_count)`.
#[pyfunction]
fn runner_status() -> PyResult<(&'static str, u64, u64)> {
    Ok(match shared()?.runner.get() {
        Some(runner) => (
            runner.state().as_str(),
            runner.user_count(),
            runner.target_user_count(),
        ),
        None => ("ready", 0, 0),
    })
}

/// The test's base host now (`--host`, the web form's, or a distributed
/// worker's from its master), if any.
#[pyfunction]
fn environment_host() -> PyResult<Option<String>> {
    Ok(shared()?
        .runner
        .get()
        .and_then(|runner| runner.environment().host.read().clone()))
}

/// Users per class now.
#[pyfunction]
fn user_classes_count() -> PyResult<Vec<(String, u64)>> {
    Ok(shared()?
        .runner
        .get()
        .map(|runner| runner.user_classes_count().into_iter().collect())
        .unwrap_or_default())
}

/// A runtime for the runner's ramps started from Python (`runner.start()`):
/// the engine's ramp runs as a tokio task (and a script's master or worker
/// runs here).
static CONTROL: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// Starts (or changes) the test of a `locusta -f` run from Python: ramps to
/// `user_count` users at `spawn_rate` per second (only `user_classes`, if given).
#[pyfunction]
#[pyo3(signature = (user_count, spawn_rate, user_classes=None))]
fn runner_start(
    user_count: u64,
    spawn_rate: f64,
    user_classes: Option<Vec<String>>,
) -> PyResult<()> {
    let runner = shared()?
        .runner
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("the runner is not ready yet"))?
        .clone();
    if spawn_rate.is_nan() || spawn_rate <= 0.0 {
        return Err(PyValueError::new_err("spawn_rate must be above 0"));
    }
    control_runtime()?.spawn(async move { runner.start(user_count, spawn_rate, user_classes) });
    Ok(())
}

/// The runtime of [`CONTROL`], started on first use. Two threads: an event
/// fired to Python holds one until the hub answers, while the other keeps a
/// script's master or worker ([`crate::script_cluster`]) talking.
pub(crate) fn control_runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    if let Some(runtime) = CONTROL.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("locusta-python-control")
        .enable_all()
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a runtime: {e}")))?;
    Ok(CONTROL.get_or_init(|| runtime))
}

/// Sets the users of each class of a `locusta -f` run at once
/// (`runner.spawn_users` / `stop_users`): `{class name: users}`, classes
/// not named keep none.
#[pyfunction]
fn runner_apply_counts(counts: std::collections::BTreeMap<String, u64>) -> PyResult<()> {
    let runner = shared()?
        .runner
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("the runner is not ready yet"))?
        .clone();
    control_runtime()?.spawn(async move { runner.apply_counts(&counts) });
    Ok(())
}

/// Ends the test (as a user's `StopTest` or `runner.quit()`).
#[pyfunction]
fn quit(reason: String) -> PyResult<()> {
    if let Some(runner) = shared()?.runner.get() {
        runner.request_stop(reason);
    }
    Ok(())
}

/// Sets the process exit code (`environment.process_exit_code`).
#[pyfunction]
#[pyo3(signature = (code))]
fn set_exit_code(code: Option<i32>) -> PyResult<()> {
    if let Some(runner) = shared()?.runner.get() {
        *runner.environment().process_exit_code.lock() = code;
    }
    Ok(())
}

/// Declares a threshold (`environment.thresholds.append(…)`): checked now
/// (a malformed one raises ValueError naming the bad part), judged with the
/// run's own from the next test start on.
#[pyfunction]
fn add_threshold(expression: &str) -> PyResult<()> {
    locusta_thresholds::parse(expression)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    let Some(runner) = shared()?.runner.get() else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "environment.thresholds can be changed once the run exists (in an init or test_start listener)",
        ));
    };
    runner
        .environment()
        .thresholds
        .write()
        .push(expression.to_owned());
    Ok(())
}

/// The thresholds user code declared so far.
#[pyfunction]
fn thresholds() -> PyResult<Vec<String>> {
    Ok(shared()?
        .runner
        .get()
        .map(|runner| runner.environment().thresholds.read().clone())
        .unwrap_or_default())
}

/// The exit code set so far.
#[pyfunction]
fn exit_code() -> PyResult<Option<i32>> {
    Ok(shared()?
        .runner
        .get()
        .and_then(|runner| *runner.environment().process_exit_code.lock()))
}

/// Registers this module's functions in `locusta._native`.
pub(super) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(log_record, module)?)?;
    module.add_function(wrap_pyfunction!(unhandled_error, module)?)?;
    module.add_function(wrap_pyfunction!(runner_status, module)?)?;
    module.add_function(wrap_pyfunction!(send_message, module)?)?;
    module.add_function(wrap_pyfunction!(workers, module)?)?;
    module.add_function(wrap_pyfunction!(node_id, module)?)?;
    module.add_function(wrap_pyfunction!(user_classes_count, module)?)?;
    module.add_function(wrap_pyfunction!(quit, module)?)?;
    module.add_function(wrap_pyfunction!(set_exit_code, module)?)?;
    module.add_function(wrap_pyfunction!(add_threshold, module)?)?;
    module.add_function(wrap_pyfunction!(thresholds, module)?)?;
    module.add_function(wrap_pyfunction!(exit_code, module)?)?;
    module.add_function(wrap_pyfunction!(environment_host, module)?)?;
    module.add_function(wrap_pyfunction!(runner_start, module)?)?;
    module.add_function(wrap_pyfunction!(runner_apply_counts, module)?)?;
    Ok(())
}

//! What the native functions share: the mailbox and I/O thread of this
//! process, the runner once a test is set up, where Python-side records go,
//! and the Python classes and hooks the `locust` package registers.
//!
//! Every other module of [`crate::native`] reads these through the accessors
//! here ([`shared`], [`recorder`], [`stats`], [`classes`]), which turn "not
//! set up yet" into a Python exception instead of a panic: Python code may
//! call in before a test runs (a script, or a locustfile at import time).
//!
//! Statistics have two homes. In a run (`locusta -f`) they are the runner's;
//! a script (`locusta --python FILE`) that never creates a runner has
//! statistics of its own ([`script_mode`]), so that `environment.stats`
//! reads something there too.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use locusta_engine::runner::Runner;
use locusta_stats::{Recorder, SharedStats};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;

use crate::io::IoThread;
use crate::mailbox::Mailbox;

/// What the native module shares with the rest of the crate.
pub(crate) struct Shared {
    pub mailbox: Arc<Mailbox>,
    pub io: IoThread,
    /// The runner, once the test is set up.
    pub runner: OnceLock<Arc<Runner>>,
    /// Where Python-side records (catch_response, `events.request.fire`) go.
    pub recorder: OnceLock<Recorder>,
}

pub(crate) static SHARED: OnceLock<Shared> = OnceLock::new();

/// What the native module shares cannot be set up ([`share`]).
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The mailbox's eventfd cannot be created.
    #[error("cannot create an eventfd: {0}")]
    Eventfd(std::io::Error),
    /// The I/O thread cannot be started.
    #[error("cannot start the I/O thread: {0}")]
    IoThread(std::io::Error),
}

/// Creates the mailbox and the I/O thread the native module shares (once
/// per process: a second call keeps the first ones).
pub(crate) fn share() -> Result<Arc<Mailbox>, ShareError> {
    let mailbox = Arc::new(Mailbox::new().map_err(ShareError::Eventfd)?);
    let io = IoThread::start(mailbox.clone()).map_err(ShareError::IoThread)?;
    let _ = SHARED.set(Shared {
        mailbox: mailbox.clone(),
        io,
        runner: Default::default(),
        recorder: Default::default(),
    });
    Ok(mailbox)
}

/// The shared state, or a Python error before [`share`].
pub(super) fn shared() -> PyResult<&'static Shared> {
    SHARED
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("locusta is not running"))
}

/// Where a Python-side record goes: a script's statistics while no runner
/// exists, else the runner's.
pub(super) fn recorder() -> PyResult<&'static Recorder> {
    let shared = shared()?;
    if shared.runner.get().is_none() && SCRIPT.get().is_some() {
        return Ok(&script_stats().1);
    }
    shared
        .recorder
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("no test is running yet"))
}

/// Set once a script runs (`locusta --python FILE`): its requests and
/// `events.request.fire` are counted in statistics of its own, which
/// `environment.stats` reads.
pub(super) static SCRIPT: OnceLock<(SharedStats, Recorder)> = OnceLock::new();

/// A script's statistics, created on first use.
pub(super) fn script_stats() -> &'static (SharedStats, Recorder) {
    SCRIPT.get_or_init(|| {
        let stats = SharedStats::new();
        let recorder = stats.recorder();
        (stats, recorder)
    })
}

/// Marks this process as running a script: statistics of its own from now on.
#[pyfunction]
fn script_mode() {
    script_stats();
}

/// The statistics Python reads: the runner's, else a script's, else none.
pub(super) fn stats() -> PyResult<Option<&'static SharedStats>> {
    if let Some(runner) = shared()?.runner.get() {
        return Ok(Some(&runner.environment().stats));
    }
    Ok(SCRIPT.get().map(|(stats, _)| stats))
}

/// Python classes the native code raises or builds, registered by the
/// `locust` package at start-up.
pub(super) struct PyClasses {
    pub(super) http_error: PyObject,
    pub(super) locust_error: PyObject,
    pub(super) response_error: PyObject,
    /// Called after a catch_response block with `(response, name, failure)`,
    /// to fire the Python `request` listeners.
    pub(super) caught_hook: PyObject,
    /// `wait(request_id, first)`: waits in the hub for a completion (a read
    /// of a streamed body) and returns it.
    wait: Option<PyObject>,
    /// `stream_error(kind, message)`: the exception for a failed read of a
    /// streamed body (`kind`: "timeout", "decode" or "connection").
    stream_error: Option<PyObject>,
}

static CLASSES: GILOnceCell<PyClasses> = GILOnceCell::new();

/// The registered classes, or a Python error before `_register`.
pub(super) fn classes(py: Python<'_>) -> PyResult<&PyClasses> {
    CLASSES
        .get(py)
        .ok_or_else(|| PyRuntimeError::new_err("locusta._register was not called"))
}

/// Registers the exception classes and hooks the native code uses.
#[pyfunction]
#[pyo3(signature = (http_error, locust_error, response_error, caught_hook, wait=None, stream_error=None))]
fn _register(
    py: Python<'_>,
    http_error: PyObject,
    locust_error: PyObject,
    response_error: PyObject,
    caught_hook: PyObject,
    wait: Option<PyObject>,
    stream_error: Option<PyObject>,
) -> PyResult<()> {
    let _ = CLASSES.set(
        py,
        PyClasses {
            http_error,
            locust_error,
            response_error,
            caught_hook,
            wait,
            stream_error,
        },
    );
    Ok(())
}

/// Waits in the hub for the completion `id` (queued first of its batch when
/// `first`), through the registered `wait` hook.
pub(crate) fn wait(py: Python<'_>, id: u64, first: bool) -> PyResult<PyObject> {
    let wait = classes(py)?
        .wait
        .as_ref()
        .ok_or_else(|| PyRuntimeError::new_err("locusta._register was not given a wait hook"))?;
    Ok(wait.bind(py).call1((id, first))?.unbind())
}

/// The exception for a failed read of a streamed body, if a hook makes one.
pub(crate) fn stream_error<'py>(
    py: Python<'py>,
    kind: &str,
    message: &str,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match &classes(py)?.stream_error {
        Some(hook) => Ok(Some(hook.bind(py).call1((kind, message))?)),
        None => Ok(None),
    }
}

/// The I/O thread.
pub(crate) fn io() -> PyResult<&'static IoThread> {
    Ok(&shared()?.io)
}

static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// A new id for a request or read, as completions name them.
pub(crate) fn next_request_id() -> u64 {
    NEXT_REQUEST.fetch_add(1, Ordering::Relaxed)
}

/// Registers this module's functions in `locusta._native`.
pub(super) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(_register, module)?)?;
    module.add_function(wrap_pyfunction!(script_mode, module)?)?;
    Ok(())
}

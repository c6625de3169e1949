//! When the Python thread stops answering: how long the gevent hub has been
//! held, and by which user class and task.
//!
//! Users are greenlets, so one task that blocks without yielding (a
//! `time.sleep` without gevent's monkey-patching, a C extension, a CPU loop)
//! holds every user and every event listener. The Rust side never waits for
//! such a hub past the run's deadline ([`stop_waiting_at`]); when it gives up
//! it says which code held the hub, read from the Python thread's current
//! frame (`sys._current_frames`) by another thread, if the GIL can be had
//! within a second.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use pyo3::prelude::*;

/// The Python thread's identifier (`threading.get_ident()`), 0 until known.
static PYTHON_THREAD: AtomicU64 = AtomicU64::new(0);

/// After this instant, calls to the Python thread stop waiting for a hub
/// that has not drained its mailbox for [`HELD`].
static DEADLINE: Mutex<Option<Instant>> = Mutex::new(None);

/// How long without draining, though woken every 200 ms, makes a hub
/// "held": long enough that a hub merely starved of CPU on a loaded machine
/// is not taken for one.
pub(crate) const HELD: Duration = Duration::from_secs(3);

/// The Python thread's OS id (`gettid`), 0 until known.
static PYTHON_TID: AtomicI32 = AtomicI32::new(0);

/// The Python thread's OS id, once known (for its CPU time).
pub(crate) fn python_thread_id() -> Option<i32> {
    Some(PYTHON_TID.load(Ordering::Relaxed)).filter(|&tid| tid != 0)
}

/// Records the calling thread as the Python thread.
pub(crate) fn remember_python_thread(py: Python<'_>) {
    PYTHON_TID.store(
        locusta_engine::health::probe::current_thread_id(),
        Ordering::Relaxed,
    );
    let ident = py
        .import("threading")
        .and_then(|threading| threading.call_method0("get_ident"))
        .and_then(|ident| ident.extract::<u64>());
    if let Ok(ident) = ident {
        PYTHON_THREAD.store(ident, Ordering::Relaxed);
    }
}

/// Stops waiting for a held Python thread after `deadline` (the end of the
/// run time, or of the stop timeout once the run stops): the run then ends,
/// and writes its outputs, whatever the locustfile's code is doing.
pub fn stop_waiting_at(deadline: Instant) {
    *DEADLINE.lock() = Some(deadline);
}

/// Whether the deadline has passed.
pub(crate) fn past_deadline() -> bool {
    DEADLINE
        .lock()
        .is_some_and(|deadline| Instant::now() >= deadline)
}

/// Finds the user class and task on the Python thread's stack.
const WHERE: &std::ffi::CStr = c"
import sys
def _locusta_where(ident):
    frame = sys._current_frames().get(ident)
    innermost = None
    while frame is not None:
        code = frame.f_code
        if innermost is None and not code.co_filename.startswith('<'):
            innermost = f'{code.co_name} ({code.co_filename}:{frame.f_lineno})'
        owner = frame.f_locals.get('self')
        kinds = [k.__name__ for k in type(owner).__mro__] if owner is not None else []
        if 'User' in kinds or 'TaskSet' in kinds:
            return f'{type(owner).__name__}.{code.co_name} ({code.co_filename}:{frame.f_lineno})'
        frame = frame.f_back
    return innermost
";

/// Which user class and task hold the Python thread, when the GIL can be
/// had within a second (a C extension may keep it).
pub(crate) fn holder() -> String {
    let ident = PYTHON_THREAD.load(Ordering::Relaxed);
    let (sender, found) = sync_channel(1);
    let reader = std::thread::Builder::new()
        .name("locusta-stall".into())
        .spawn(move || {
            let place = Python::with_gil(|py| -> PyResult<Option<String>> {
                let scope = pyo3::types::PyDict::new(py);
                py.run(WHERE, Some(&scope), Some(&scope))?;
                let find = scope.get_item("_locusta_where")?;
                match find {
                    Some(find) => find.call1((ident,))?.extract(),
                    None => Ok(None),
                }
            });
            let _ = sender.send(place.ok().flatten());
        });
    if reader.is_err() {
        return "code that does not yield".into();
    }
    match found.recv_timeout(Duration::from_secs(1)) {
        Ok(Some(place)) => place,
        Ok(None) => "code that does not yield".into(),
        Err(_) => "code that keeps the GIL (a C extension?)".into(),
    }
}

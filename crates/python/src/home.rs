//! Where Python runs, and who started the interpreter.
//!
//! locusta reaches Python in two ways:
//!
//! * **The wheel** (`pip install locusta`): the user's interpreter imports
//!   the extension module `locusta._native` and calls its `main`. That
//!   thread is Python's main thread, so it should be the one that runs the
//!   locustfile (gevent's hub, `signal.signal`, `threading.main_thread()` all
//!   expect it). The extension calls [`serve_here`]: the engine runs on
//!   another thread and hands Python's work back to this one.
//! * **The `locusta` binary** of this workspace embeds CPython: nobody has
//!   started an interpreter, so [`ensure_interpreter`] does, and the
//!   locustfile runs on a thread of its own (a script, `--python`, on the
//!   calling thread, the process's main thread).
//!
//! [`run_on_python_thread`] is the one seam both share.

use std::sync::mpsc::{channel, Receiver, Sender};

use parking_lot::Mutex;

/// Work for the Python thread.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// The thread that serves Python's work, when one offered itself.
static HOME: Mutex<Option<Sender<Job>>> = Mutex::new(None);

/// Makes the calling thread the one Python's work runs on, and serves it
/// until the process ends (the engine ends the process when the run is
/// over: see [`exit`]). For the wheel's `locusta._native.main`, called on the
/// interpreter's main thread with the GIL released.
pub fn serve_here(start_engine: impl FnOnce() + Send + 'static) -> ! {
    let (jobs, queue): (Sender<Job>, Receiver<Job>) = channel();
    *HOME.lock() = Some(jobs);
    if let Err(error) = std::thread::Builder::new()
        .name("locusta-main".into())
        .spawn(start_engine)
    {
        eprintln!("locusta: cannot start the engine's thread: {error}");
        exit(1);
    }
    // Jobs return (a script) or serve for good (the gevent hub); either way
    // the engine's thread ends the process.
    for job in queue {
        job();
    }
    loop {
        std::thread::park();
    }
}

/// Whether Python's work goes to a thread that offered itself ([`serve_here`]).
pub(crate) fn hosted() -> bool {
    HOME.lock().is_some()
}

/// Python's work that cannot be handed to a thread ([`run_on_python_thread`]).
#[derive(Debug, thiserror::Error)]
pub enum PythonThreadError {
    /// The thread that offered itself ([`serve_here`]) no longer serves.
    #[error("the Python thread is gone")]
    Gone,
    /// A thread for Python cannot be started.
    #[error("cannot start the Python thread: {0}")]
    Spawn(std::io::Error),
}

/// Runs `job` on the Python thread: the one that called [`serve_here`], else
/// a new thread named `locusta-python`.
pub(crate) fn run_on_python_thread(job: Job) -> Result<(), PythonThreadError> {
    if let Some(home) = HOME.lock().as_ref() {
        return home.send(job).map_err(|_| PythonThreadError::Gone);
    }
    std::thread::Builder::new()
        .name("locusta-python".into())
        .spawn(job)
        .map(drop)
        .map_err(PythonThreadError::Spawn)
}

/// Starts the embedded interpreter unless one runs already (the wheel's).
pub(crate) fn ensure_interpreter() {
    // SAFETY: Py_IsInitialized may be called at any time, with or without the GIL.
    if unsafe { pyo3::ffi::Py_IsInitialized() } == 0 {
        pyo3::prepare_freethreaded_python();
    }
}

/// Ends the process with `code`, after flushing what Python and Rust have
/// buffered for standard output and error. The Python thread may be busy
/// in user code: its buffers are flushed only if the GIL comes within a
/// second, so a stuck locustfile never holds the exit. The C library's exit
/// handlers are skipped (`_exit`): those of extension modules a locustfile
/// loaded may wait forever for their own threads (gRPC's, which pymilvus
/// loads, do), and everything locusta writes is written by now.
pub fn exit(code: i32) -> ! {
    use std::io::Write;
    // SAFETY: as in ensure_interpreter.
    if unsafe { pyo3::ffi::Py_IsInitialized() } != 0 {
        let (done, flushed) = channel();
        let flusher = std::thread::Builder::new()
            .name("locusta-flush".into())
            .spawn(move || {
                pyo3::Python::with_gil(|py| {
                    let _ = py.run(
                        c"import sys\nfor s in (sys.stdout, sys.stderr):\n    try:\n        s.flush()\n    except Exception:\n        pass\n",
                        None,
                        None,
                    );
                });
                let _ = done.send(());
            });
        if flusher.is_ok() {
            let _ = flushed.recv_timeout(std::time::Duration::from_secs(1));
        }
    }
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // As `std::process::ExitCode` has it: a code past 255 is 1, a negative one 255.
    let code = match code {
        0..=255 => code,
        ..0 => 255,
        _ => 1,
    };
    // SAFETY: _exit ends the process at once; nothing runs after it.
    unsafe { libc::_exit(code) }
}

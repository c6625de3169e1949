//! The extension module `locusta._native`, as the wheel ships it.
//!
//! `pip install locusta` puts a small Python package (`python/locusta/`) and
//! this module into the user's environment. The `locusta` command is the
//! package's `__main__.main`, which calls [`main`] here on the interpreter's
//! main thread:
//!
//! 1. the engine (the same [`locusta::Locusta`] the `locusta` binary runs,
//!    with the Python loader) starts on a thread of its own;
//! 2. the calling thread releases the GIL and waits for Python's work
//!    ([`locusta_python::serve_here`]): importing the locustfile, then
//!    serving the gevent hub where the users run as greenlets;
//! 3. when the run is over the engine ends the process with the run's exit
//!    code, after flushing Python's and Rust's output.
//!
//! Because the interpreter is the user's, every package of their virtual
//! environment imports from a locustfile, whatever the Python version
//! (the module uses CPython's stable ABI from 3.9 on), and no libpython is
//! linked. The rest of the module (HTTP clients, responses, statistics, the
//! runner's controls) is what the `locust` compatibility package calls:
//! [`locusta_python::populate`].

use std::ffi::OsString;
use std::path::PathBuf;

use locusta::processes::Relaunch;
use pyo3::prelude::*;

/// Runs the `locusta` command with `argv` (program name first) and ends the
/// process with its exit code. `python` is the interpreter's executable:
/// `--processes` starts its copies as `python -m locusta`.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<OsString>, python: PathBuf) {
    py.allow_threads(move || {
        locusta_python::serve_here(move || {
            let code = locusta::Locusta::new()
                .loader(locusta::python::PythonLoader)
                .relaunch(Relaunch {
                    program: python,
                    prefix: vec!["-m".into(), "locusta".into()],
                })
                .run_with_args(argv);
            locusta_python::exit(code)
        })
    })
}

/// The module's initialisation (`import locusta._native`).
#[pymodule]
#[pyo3(name = "_native")]
fn native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    locusta_python::populate(module)?;
    module.add_function(wrap_pyfunction!(main, module)?)?;
    Ok(())
}

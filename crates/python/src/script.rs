//! Running a Python script (`locusta --python FILE ARGS…`): Locust's library
//! use, where the script builds its own `Environment` and runners instead
//! of being loaded as a locustfile.

use std::ffi::OsString;
use std::path::Path;
use std::sync::mpsc::sync_channel;

use pyo3::prelude::*;

use crate::native::state::{share, SHARED};
use crate::package::install_package;
use crate::{describe, home, loading};

/// Runs a Python script as `__main__` with the `locust` package installed, as
/// `python FILE ARGS…` would (`locusta --python FILE ARGS…`): `sys.argv` is
/// `[FILE, ARGS…]` and its directory comes first on `sys.path`. This is where
/// `run_single_user(UserClass)` works: its user's requests go through the
/// Rust client. Runs Python on the calling thread (the process's main thread,
/// so that Ctrl-C reaches Python as KeyboardInterrupt) and returns the exit
/// code: SystemExit's, 1 after an uncaught exception (its traceback printed),
/// 130 after an uncaught KeyboardInterrupt, 2 if the file cannot be read.
pub fn run_script(file: &Path, args: &[OsString]) -> i32 {
    if !file.is_file() {
        let why = if file.exists() {
            "not a file"
        } else {
            "no such file"
        };
        eprintln!("locusta: can't open file '{}': {why}", file.display());
        return 2;
    }
    if loading::is_started() || SHARED.get().is_some() {
        eprintln!("locusta: a Python script cannot run beside Python locustfiles");
        return 2;
    }
    if let Err(message) = share() {
        eprintln!("{message}");
        return 1;
    }
    let file = file.to_path_buf();
    let args = args.to_vec();
    if !home::hosted() {
        return script_on_this_thread(&file, &args);
    }
    let (done, code) = sync_channel(1);
    let job = Box::new(move || {
        let _ = done.send(script_on_this_thread(&file, &args));
    });
    if let Err(message) = home::run_on_python_thread(job) {
        eprintln!("{message}");
        return 1;
    }
    code.recv().unwrap_or(1)
}

/// [`run_script`]'s work, on the thread Python's main thread is.
fn script_on_this_thread(file: &Path, args: &[OsString]) -> i32 {
    home::ensure_interpreter();
    Python::with_gil(|py| {
        let main = match install_package(py) {
            Ok(main) => main,
            Err(message) => {
                eprintln!("{message}");
                return 1;
            }
        };
        let argv: Vec<String> = std::iter::once(file.as_os_str())
            .chain(args.iter().map(OsString::as_os_str))
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        match main
            .call_method1("run_script", (argv,))
            .and_then(|code| code.extract::<i32>())
        {
            Ok(code) => code,
            Err(error) => {
                eprintln!("{}", describe(py, &error));
                1
            }
        }
    })
}

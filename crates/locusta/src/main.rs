//! The `locusta` command: `locusta -f locustfile.py` runs a Locust-style Python
//! locustfile (feature `python`, on by default). Rust programs register their
//! users with `locusta::Locusta` and get this same command line (see the examples).

#[cfg(not(feature = "python"))]
fn main() -> std::process::ExitCode {
    locusta::Locusta::new().main()
}

/// With Python, the process ends as the wheel's `locusta` command ends it
/// ([`locusta::python::exit`]): the exit handlers of extension modules a
/// locustfile loaded never hold it.
#[cfg(feature = "python")]
fn main() {
    let code = locusta::Locusta::new()
        .loader(locusta::python::PythonLoader)
        .run_with_args(std::env::args_os());
    locusta::python::exit(code)
}

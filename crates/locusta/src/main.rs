//! The `locusta` command: `locusta -f locustfile.py` runs a Locust-style Python
//! locustfile (feature `python`, on by default). Rust programs register their
//! users with `locusta::Locusta` and get this same command line (see the examples).

use std::process::ExitCode;

fn main() -> ExitCode {
    let program = locusta::Locusta::new();
    #[cfg(feature = "python")]
    let program = program.loader(locusta::python::PythonLoader);
    program.main()
}

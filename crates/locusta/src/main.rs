//! The `locusta` command. Python locustfiles are not supported yet: a Rust
//! program registers its users with `locusta::Locusta` and gets this same command
//! line (see the examples).

use std::process::ExitCode;

fn main() -> ExitCode {
    locusta::Locusta::new().main()
}

//! The `config` fuzz target's inputs as tests: every committed seed
//! (`fuzz/seeds/config/`: a `locust.conf`, `pyproject.toml` files and
//! `--config-users` JSON as Locust's documentation writes them) and every
//! input the fuzzer found that broke something (below, with what it broke)
//! go through `locusta::fuzzing::config` on each `cargo test`.

use locusta::fuzzing;

#[path = "../../../fuzz/replay.rs"]
mod replay;

#[test]
fn seeds_and_found_crashes_pass_the_target() {
    replay::seeds_and_found("config", found_crashes(), fuzzing::config);
}

/// Inputs the fuzzer found that broke something, with what they broke.
fn found_crashes() -> Vec<(&'static str, Vec<u8>)> {
    vec![]
}

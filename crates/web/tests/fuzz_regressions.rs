//! The `web_forms` fuzz target's inputs as tests: every committed seed
//! (`fuzz/seeds/web_forms/`: the start form as the UI sends it, a `/user`
//! body, the query strings of the report, history and endpoint routes) and every
//! input the fuzzer found that broke something (below, with what it broke)
//! go through `locusta_web::fuzzing::web_forms` on each `cargo test`.

use locusta_web::fuzzing;

#[path = "../../../fuzz/replay.rs"]
mod replay;

#[test]
fn seeds_and_found_crashes_pass_the_target() {
    replay::seeds_and_found("web_forms", found_crashes(), fuzzing::web_forms);
}

/// Inputs the fuzzer found that broke something, with what they broke.
fn found_crashes() -> Vec<(&'static str, Vec<u8>)> {
    vec![]
}

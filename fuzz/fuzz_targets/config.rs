//! Fuzz target: A locust.conf, a pyproject.toml and --config-users JSON, resolved and checked as a run does.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    locusta::fuzzing::config(data);
});

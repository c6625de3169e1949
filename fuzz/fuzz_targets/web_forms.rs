//! Fuzz target: The web UI's /swarm form, /user JSON body and report, history and endpoint query strings.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    locusta_web::fuzzing::web_forms(data);
});

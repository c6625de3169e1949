//! Fuzz target: ZMTP as a socket reads it: greeting, frames in chunks, commands, messages.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    locusta_cluster::fuzzing::zmtp_stream(data);
});

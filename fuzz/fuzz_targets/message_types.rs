//! Fuzz target: Every message type's data, read as the master and the workers read it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    locusta_cluster::fuzzing::message_types(data);
});

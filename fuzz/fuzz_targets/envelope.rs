//! Fuzz target: The msgpack envelope [type, data, node_id]: shape check, decoding, re-encoding.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    locusta_cluster::fuzzing::envelope(data);
});

//! Fuzz target: A worker's statistics report merged as the master merges it, then every table.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    locusta_cluster::fuzzing::stats_report(data);
});

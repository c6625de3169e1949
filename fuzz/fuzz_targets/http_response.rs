//! Fuzz target: A server's response bytes as a user's connection reads them: head, framing, keep-alive, decoders.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    locusta_http::fuzzing::http_response(data);
});

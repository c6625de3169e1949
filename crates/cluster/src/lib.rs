//! locusta's distributed mode: a master that dispatches users to workers and
//! merges their statistics, and workers that run those users, speaking
//! Locust's protocol (ZeroMQ ROUTER/DEALER sockets carrying msgpack
//! `[type, data, node_id]` messages; see `docs/distributed.md`).
//!
//! * [`message`]: the envelope and helpers to read Locust's dicts;
//! * [`transport`]: the sockets, on [`zmtp`], locusta's own ZMTP 3 framing;
//! * [`wire`]: statistics in Locust's `StatsEntry`/`StatsError` shapes, plus
//!   the exact HDR histogram locusta adds;
//! * [`master`] and [`worker`]: the two roles;
//! * [`locustfiles`]: a master's locustfiles sent to workers (`-f -`);
//! * `fuzzing`: the fuzz targets' entry points (`fuzz/`).

#[doc(hidden)]
pub mod fuzzing;
pub mod locustfiles;
pub mod master;
pub mod message;
pub mod transport;
pub mod wire;
pub mod worker;
pub mod zmtp;

pub use message::Message;

/// The Locust version whose protocol locusta speaks: a worker announces it in
/// `client_ready`, and a master compares workers' versions with it.
pub const LOCUST_VERSION: &str = "2.47.0";

/// A node id as Locust makes them: `<hostname>_<32 hex digits>`.
pub fn new_node_id() -> String {
    let hex: String = (0..16)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect();
    format!("{}_{hex}", hostname())
}

/// This machine's host name ("localhost" if it cannot be read): the one
/// home of `gethostname` in the workspace (node ids here, log lines in
/// `locusta`).
pub fn hostname() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: gethostname writes at most `len` bytes into the buffer we own.
    let ok = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) } == 0;
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    match std::str::from_utf8(&buffer[..end]) {
        Ok(name) if ok && !name.is_empty() => name.to_string(),
        _ => "localhost".to_string(),
    }
}

//! What the integration tests of `crates/locusta` share, a module an idea:
//! the programs and files they run ([`programs`]), runs to their end with a
//! time limit ([`timed`]), programs running beside the test ([`process`]),
//! scratch folders ([`scratch`]), ports and HTTP requests ([`net`]), the
//! reports runs write ([`reports`]), checks of what the programs printed
//! ([`text`]), network namespaces ([`netns`]) and a real Prometheus
//! ([`prometheus`]).
//!
//! Every test binary includes this module (`mod common;`) and uses its own
//! part of it, hence the `allow(dead_code)`; every helper is used by some
//! test. `timed`, `net`, `reports` and `text` also serve `crates/wheel`'s tests.
#![allow(dead_code)]

pub mod net;
/// Network namespaces and faults between them (network-fault tests).
pub mod netns;
pub mod process;
pub mod programs;
/// A real Prometheus and promtool (the `/metrics` tests).
pub mod prometheus;
pub mod reports;
pub mod scratch;
pub mod text;
pub mod timed;

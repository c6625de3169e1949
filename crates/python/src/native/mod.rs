//! The native module `locusta._native`: what the Python side (the `locust`
//! compatibility package) calls into.
//!
//! Each submodule holds one idea and registers its own functions and
//! classes ([`populate`] calls them in turn):
//!
//! - [`state`]: what they all share (the mailbox and I/O thread, the
//!   runner, where statistics go, the Python classes the package registers);
//! - [`drain`]: the loop the Python thread runs: the eventfd the hub
//!   watches, and the batch of completions and commands it drains;
//! - [`client`]: a Python client call turned into a Rust request;
//! - [`response`] and [`headers`]: the requests-like `Response` and its
//!   `Headers` that Python code reads;
//! - [`stats`]: the statistics, as `environment.stats` reads them;
//! - [`runner`]: the runner's state and controls, events and messages.
//!
//! Streamed bodies ([`crate::streaming`]), the web UI's Flask app
//! ([`crate::wsgi`]) and a script's distributed runner
//! ([`crate::script_cluster`], [`crate::script_web`]) live beside this module and add theirs too.

mod client;
mod drain;
mod headers;
pub(crate) mod response;
pub(crate) mod runner;
pub(crate) mod state;
mod stats;

use pyo3::prelude::*;

/// Fills `locusta._native`: the wheel's extension module calls this from its
/// module initialisation, the embedding binary on a module it creates.
pub fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    state::populate(module)?;
    drain::populate(module)?;
    client::populate(module)?;
    response::populate(module)?;
    headers::populate(module)?;
    stats::populate(module)?;
    runner::populate(module)?;
    crate::streaming::populate(module)?;
    crate::wsgi::populate(module)?;
    crate::script_cluster::populate(module)?;
    crate::script_web::populate(module)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

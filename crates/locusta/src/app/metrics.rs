//! `--metrics-port`: the Prometheus `/metrics` server of a run, started with
//! the runner (`start.rs` calls [`serve`] once, for every mode), so that
//! headless, master and worker runs can be scraped without the web UI. The
//! web UI serves the same text at its own `/metrics` whatever this says.
//!
//! The server runs until the process ends. `--processes` children do not
//! start one (`processes::take_child_role`): their master's shows the
//! merged view of all of them.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use locusta_engine::runner::Runner;
use locusta_metrics::Exporter;

use super::program::Fatal;
use crate::cli::Options;

/// The address of `--metrics-host` (empty or `*`: every interface) and `--metrics-port`.
fn bind_address(options: &Options, port: u16) -> Result<SocketAddr, Fatal> {
    let host = match options.metrics_host.as_str() {
        "" | "*" => "0.0.0.0",
        host => host.trim_start_matches('[').trim_end_matches(']'),
    };
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| Fatal::startup(format!("--metrics-host: cannot resolve '{host}'")))
}

/// With `--metrics-port`: serves `runner`'s metrics until the process ends.
pub(super) async fn serve(options: &Options, runner: &Arc<Runner>) -> Result<(), Fatal> {
    let Some(port) = options.metrics_port else {
        return Ok(());
    };
    let addr = bind_address(options, port)?;
    let exporter = Arc::new(Exporter::new(runner.clone(), options.metrics_max_names));
    let server = locusta_metrics::serve(addr, exporter)
        .await
        .map_err(Fatal::startup)?;
    log::info!(
        "Serving Prometheus metrics at http://{}/metrics",
        server.local_addr()
    );
    Ok(())
}

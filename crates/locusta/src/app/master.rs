//! `--master` (and `--processes`, whose master starts its own workers): the
//! master listens for workers before its runner exists (`start`), serves the
//! locustfiles for `-f -` workers, and a headless or `--autostart` run waits
//! for `--expect-workers` before its test starts.
//!
//! The protocol itself is `locusta-cluster`'s; this is only where a run
//! binds it and waits for it.

use std::sync::Arc;
use std::time::Duration;

use locusta_cluster::master::Master;
use locusta_engine::Environment;

use super::program::Fatal;
use crate::cli::Options;

/// With `--master`: listens for workers on `--master-bind-host`/`--master-bind-port`.
pub(super) async fn bind_master(
    options: &Options,
    env: &Arc<Environment>,
) -> Result<Option<Master>, Fatal> {
    if !options.master {
        return Ok(None);
    }
    let master = Master::bind(
        env.clone(),
        &options.master_bind_host,
        options.master_bind_port,
        options.enable_rebalancing,
    )
    .await
    .map_err(Fatal::startup)?;
    log::info!(
        "Starting locusta master, listening for workers on port {}",
        master.port()
    );
    if let Some(locustfile) = &options.locustfile {
        master.serve_locustfiles(locusta_cluster::locustfiles::files_of(locustfile));
    }
    if let Some(count) = crate::processes::requested(options) {
        crate::processes::start_masters_workers(count, &options.master_bind_host, master.port())
            .map_err(Fatal::startup)?;
    }
    Ok(Some(master))
}

/// Waits for `--expect-workers` ready workers (at most
/// `--expect-workers-max-wait` seconds, when given).
pub(super) async fn wait_for_workers(options: &Options, master: &Master) -> Result<(), Fatal> {
    let max_wait = (options.expect_workers_max_wait > 0)
        .then(|| Duration::from_secs(options.expect_workers_max_wait));
    tokio::select! {
        waited = master.wait_for_workers(options.expect_workers, max_wait) => {
            waited.map_err(Fatal::startup)
        }
        _ = tokio::signal::ctrl_c() => {
            master.quit().await;
            Err(Fatal { message: "Got SIGINT signal while waiting for workers".into(), code: 0 })
        }
    }
}

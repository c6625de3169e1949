//! `--worker`: the runner runs the users its master dispatches, and the
//! master decides when the test starts, stops and the process quits
//! (`locusta-cluster`'s worker loop). Outputs and final tables are the
//! master's; a worker only fires `quitting` and `quit` and returns the code
//! the master gave it.

use std::sync::Arc;

use super::program::Fatal;
use super::start::{Run, Started};

/// `--worker`: runs the users a master dispatches until the master says quit.
pub(super) async fn run(run: Run) -> Result<i32, Fatal> {
    let Started {
        options,
        env,
        runner,
        judge,
        ..
    } = run.start().await?;
    if judge.is_active() {
        log::warn!("Thresholds are judged by the master: this worker ignores its own");
    }
    // The worker's own self-check; its verdict goes to the master in each report.
    let health = locusta_engine::health::monitor::HealthMonitor::start(env.clone());
    let code = locusta_cluster::worker::run(
        runner,
        locusta_cluster::worker::WorkerOptions {
            master_host: options.master_host.clone(),
            master_port: options.master_port,
            log_lines: Some(Arc::new(|| crate::logging::recent_lines().lines())),
            log_interval: locusta_cluster::worker::LOG_INTERVAL,
        },
    )
    .await;
    health.stop();
    env.events.quitting.fire_reversed(&env);
    env.events.quit.fire(&code);
    Ok(code)
}

//! The tasks that run beside every test: the generator's self-check (its
//! own OS thread, [`locusta_engine::health`]), and on the run's runtime the usage
//! monitor (the `usage_monitor` and `cpu_warning` events, and the warning
//! about a busy CPU), the periodic outputs (CSV files and the history, each
//! [`OUTPUT_INTERVAL`]) and, when asked for, the console table every
//! [`CONSOLE_STATS_INTERVAL`].
//!
//! A mode starts them once its runner is up and stops them at its end
//! (`finish::shut_down`), before the last outputs are written, so that
//! nothing writes over the final files.

use std::sync::Arc;
use std::time::Duration;

use locusta_engine::health::monitor::HealthMonitor;
use locusta_engine::runner::{Runner, RunnerState};
use locusta_engine::usage::UsageSampler;
use locusta_engine::Environment;
use locusta_stats::console;

use super::stderr::print_stderr;
use crate::outputs::Outputs;

/// Locust's periodic console interval.
const CONSOLE_STATS_INTERVAL: Duration = Duration::from_secs(2);
/// How often the CSV files and the history are written (Locust's `CSV_STATS_INTERVAL_SEC`).
const OUTPUT_INTERVAL: Duration = Duration::from_secs(1);
/// Locust's usage-monitor interval.
const USAGE_MONITOR_INTERVAL: Duration = Duration::from_secs(10);
/// CPU use (percent of one core per load thread) above which we warn.
const CPU_WARNING_THRESHOLD: f64 = 90.0;

/// The background tasks every run has: usage monitor, outputs, and the
/// periodic console table when asked for.
pub(super) struct Background {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    health: HealthMonitor,
}

impl Background {
    pub(super) fn start(
        env: &Arc<Environment>,
        runner: &Arc<Runner>,
        outputs: &Arc<parking_lot::Mutex<Outputs>>,
        threads: usize,
        console_table: Option<usize>,
        only_while_running: bool,
    ) -> Background {
        let mut tasks = Vec::new();
        if let Some(name_width) = console_table {
            let env = env.clone();
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(CONSOLE_STATS_INTERVAL);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let table = console::stats_table(&env.stats.collect(), true, name_width);
                    print_stderr(&table);
                }
            }));
        }
        {
            let env = env.clone();
            tasks.push(tokio::spawn(async move {
                let mut sampler = UsageSampler::default();
                let mut warned = false;
                let mut tick = tokio::time::interval(USAGE_MONITOR_INTERVAL);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let usage = sampler.sample();
                    env.events.usage_monitor.fire(&usage);
                    if usage.cpu_percent > CPU_WARNING_THRESHOLD * threads as f64 {
                        env.events.cpu_warning.fire(&usage);
                        if !warned {
                            warned = true;
                            log::warn!(
                                "CPU usage above {CPU_WARNING_THRESHOLD}%! This may constrain your throughput and may even give inconsistent response time measurements!"
                            );
                        }
                    }
                }
            }));
        }
        {
            let env = env.clone();
            let runner = runner.clone();
            let outputs = outputs.clone();
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(OUTPUT_INTERVAL);
                tick.tick().await;
                let mut was_running = false;
                loop {
                    tick.tick().await;
                    // In the web UI, the history and CSV files follow tests:
                    // nothing is recorded between them but the point at the end.
                    let running =
                        !matches!(runner.state(), RunnerState::Ready | RunnerState::Stopped);
                    if running || was_running || !only_while_running {
                        outputs.lock().tick(&env, runner.user_count());
                    }
                    was_running = running;
                }
            }));
        }
        Background {
            tasks,
            health: HealthMonitor::start(env.clone()),
        }
    }

    /// Ends the tasks (at the end of the run, before the final outputs).
    pub(super) fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
        self.health.stop();
    }
}

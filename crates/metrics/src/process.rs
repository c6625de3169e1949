//! The metrics of the runner and of the generator itself: the run's state,
//! users by class, a master's workers, and this process's health.
//!
//! * `locusta_up` (1 while the process answers), `locusta_info{version}`,
//!   `locusta_start_time_seconds` (when the statistics started: the run, or
//!   the latest reset);
//! * `locusta_state{state}`: 1 for the runner's state, 0 for the others;
//! * `locusta_users{class}` and `locusta_users_target`;
//! * on a master, `locusta_workers{state}` and per worker
//!   `locusta_worker_users`, `locusta_worker_cpu_percent`,
//!   `locusta_worker_memory_bytes` (`{worker}`: a worker's id);
//! * `locusta_exceptions_total`: errors raised by user code (not request
//!   failures);
//! * `locusta_process_cpu_seconds_total` and
//!   `locusta_process_resident_memory_bytes` of this process.

use std::collections::BTreeMap;

use locusta_engine::runner::{Runner, RunnerState};
use locusta_engine::usage::{process_cpu_seconds, resident_memory_bytes};

use crate::text::{Kind, TextWriter};

/// Every runner state, so that `locusta_state` always lists them all.
const STATES: [RunnerState; 5] = [
    RunnerState::Ready,
    RunnerState::Spawning,
    RunnerState::Running,
    RunnerState::Stopping,
    RunnerState::Stopped,
];

/// The states a master's worker reports.
const WORKER_STATES: [&str; 5] = ["ready", "spawning", "running", "stopped", "missing"];

/// Writes the runner's and the process's metrics.
pub(crate) fn write(text: &mut TextWriter, runner: &Runner, start_time: f64) {
    text.header("locusta_up", Kind::Gauge, "1: the load generator answers.");
    text.sample("locusta_up", &[], 1u64);
    text.header(
        "locusta_info",
        Kind::Gauge,
        "The version of locusta serving these metrics (always 1).",
    );
    text.sample(
        "locusta_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        1u64,
    );
    text.header(
        "locusta_start_time_seconds",
        Kind::Gauge,
        "When the statistics started (the run, or the latest reset), seconds since the Unix epoch.",
    );
    text.sample("locusta_start_time_seconds", &[], start_time);

    let state = runner.state();
    text.header(
        "locusta_state",
        Kind::Gauge,
        "The runner's state: 1 for the current one.",
    );
    for candidate in STATES {
        text.sample(
            "locusta_state",
            &[("state", candidate.as_str())],
            u64::from(candidate == state),
        );
    }

    text.header(
        "locusta_users",
        Kind::Gauge,
        "Users running now, by user class (on a master: as the workers report them).",
    );
    for (class, count) in runner.user_classes_count() {
        text.sample("locusta_users", &[("class", &class)], count);
    }
    text.header(
        "locusta_users_target",
        Kind::Gauge,
        "The user count the current ramp goes to.",
    );
    text.sample("locusta_users_target", &[], runner.target_user_count());

    if let Some(workers) = runner.workers() {
        let mut by_state: BTreeMap<&str, u64> = WORKER_STATES.iter().map(|s| (*s, 0)).collect();
        for worker in &workers {
            *by_state.entry(worker.state.as_str()).or_default() += 1;
        }
        text.header(
            "locusta_workers",
            Kind::Gauge,
            "The master's workers, by state.",
        );
        for (state, count) in by_state {
            text.sample("locusta_workers", &[("state", state)], count);
        }
        text.header(
            "locusta_worker_users",
            Kind::Gauge,
            "Users each worker reported.",
        );
        for worker in &workers {
            text.sample(
                "locusta_worker_users",
                &[("worker", &worker.id)],
                worker.user_count,
            );
        }
        text.header(
            "locusta_worker_cpu_percent",
            Kind::Gauge,
            "CPU use each worker reported, percent of one core.",
        );
        for worker in &workers {
            text.sample(
                "locusta_worker_cpu_percent",
                &[("worker", &worker.id)],
                worker.cpu_usage,
            );
        }
        text.header(
            "locusta_worker_memory_bytes",
            Kind::Gauge,
            "Resident memory each worker reported.",
        );
        for worker in &workers {
            text.sample(
                "locusta_worker_memory_bytes",
                &[("worker", &worker.id)],
                worker.memory_usage,
            );
        }
    }

    let exceptions: u64 = runner
        .environment()
        .stats
        .exceptions()
        .iter()
        .map(|e| e.count)
        .sum();
    text.header(
        "locusta_exceptions_total",
        Kind::Counter,
        "Errors raised by user code (tasks, on_start, on_stop), not request failures.",
    );
    text.sample("locusta_exceptions_total", &[], exceptions);
    text.header(
        "locusta_process_cpu_seconds_total",
        Kind::Counter,
        "CPU time this locusta process has used (user and system).",
    );
    text.sample(
        "locusta_process_cpu_seconds_total",
        &[],
        process_cpu_seconds(),
    );
    text.header(
        "locusta_process_resident_memory_bytes",
        Kind::Gauge,
        "Resident memory of this locusta process.",
    );
    text.sample(
        "locusta_process_resident_memory_bytes",
        &[],
        resident_memory_bytes(),
    );
}

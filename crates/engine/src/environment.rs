//! [`Environment`]: what every part of a test run shares.

use std::time::Duration;

use locusta_stats::SharedStats;
use parking_lot::Mutex;

use crate::events::Events;
use crate::task::TagFilter;

/// The settings, statistics and events of one test run (Locust's `Environment`).
pub struct Environment {
    /// Request statistics, failures and exceptions.
    pub stats: SharedStats,
    /// The event bus.
    pub events: Events,
    /// Base URL for every user class (`--host`); overrides the classes' own hosts.
    pub host: Option<String>,
    /// How long stopping users may finish their task (`--stop-timeout`).
    pub stop_timeout: Duration,
    /// `--tags` / `--exclude-tags`.
    pub tag_filter: TagFilter,
    /// Stop after this many tasks in total (`-i/--iterations`).
    pub iterations: Option<u64>,
    /// Reset statistics when a ramp completes (`--reset-stats`).
    pub reset_stats: bool,
    /// The exit code set by user code (Locust's `environment.process_exit_code`);
    /// wins over every other rule. Usually set from a `quitting` listener.
    pub process_exit_code: Mutex<Option<i32>>,
}

impl Default for Environment {
    fn default() -> Self {
        Environment {
            stats: SharedStats::new(),
            events: Events::default(),
            host: None,
            stop_timeout: Duration::ZERO,
            tag_filter: TagFilter::default(),
            iterations: None,
            reset_stats: false,
            process_exit_code: Mutex::new(None),
        }
    }
}

//! [`Environment`]: what every part of a test run shares.

use std::collections::BTreeMap;
use std::time::Duration;

use locusta_stats::SharedStats;
use parking_lot::{Mutex, RwLock};

use crate::events::Events;
use crate::options::{CustomOption, OptionValue};
use crate::task::TagFilter;

/// The settings, statistics and events of one test run (Locust's `Environment`).
pub struct Environment {
    /// Request statistics, failures and exceptions.
    pub stats: SharedStats,
    /// The event bus.
    pub events: Events,
    /// Base URL for every user class (`--host`); overrides the classes' own
    /// hosts. The web UI may change it between starts; users read it when
    /// they start (see [`Environment::host`]).
    pub host: RwLock<Option<String>>,
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
    /// The custom options the program declared.
    pub custom_options: Vec<CustomOption>,
    /// Their current values (unset options are absent); the web UI's start
    /// form may change them.
    pub parsed_options: RwLock<BTreeMap<String, OptionValue>>,
}

impl Environment {
    /// The host every user class uses, if one is set (`--host` or the web UI).
    pub fn host(&self) -> Option<String> {
        self.host.read().clone()
    }

    /// The current value of the custom option `name`, if it has one.
    pub fn option(&self, name: &str) -> Option<OptionValue> {
        self.parsed_options.read().get(name).cloned()
    }
}

impl Default for Environment {
    fn default() -> Self {
        Environment {
            stats: SharedStats::new(),
            events: Events::default(),
            host: RwLock::new(None),
            stop_timeout: Duration::ZERO,
            tag_filter: TagFilter::default(),
            iterations: None,
            reset_stats: false,
            process_exit_code: Mutex::new(None),
            custom_options: Vec::new(),
            parsed_options: RwLock::new(BTreeMap::new()),
        }
    }
}

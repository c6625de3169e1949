//! [`Environment`]: what every part of a test run shares.
//!
//! One `Arc<Environment>` is built by the program (the `locusta` crate, from
//! the command line) and handed to the [`Runner`](crate::runner::Runner),
//! every user ([`User::environment`](crate::user::User::environment)), the
//! web UI and distributed mode: the statistics, the event bus, `--host`,
//! `--stop-timeout`, `--tags`, `--iterations`, custom options and custom
//! messages. It sits below the runner and users and knows none of them.
//!
//! ```
//! use locusta_engine::prelude::*;
//!
//! let env = Environment::default();
//! env.events.test_start.add_listener(|env: &Environment| {
//!     println!("starting against {:?}", env.host());
//! });
//! assert_eq!(env.host(), None);
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use locusta_stats::SharedStats;
use parking_lot::{Mutex, RwLock};

use std::sync::Arc;

use crate::events::{CustomMessage, Events};
use crate::health::GeneratorHealth;
use crate::options::{CustomOption, OptionValue};
use crate::remote::{MessageError, Messenger};
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
    /// Where custom messages go in a distributed test (set by the master or
    /// worker); `None` in a local run.
    pub messenger: RwLock<Option<Arc<dyn Messenger>>>,
    /// A worker's id, as it names itself in its messages to the master
    /// (Locust's `WorkerRunner.client_id`); `None` elsewhere.
    pub node_id: RwLock<Option<String>>,
    /// Thresholds user code declared once the run exists (a locustfile's
    /// `environment.thresholds`), as written; the run judges them with its
    /// own from the next test start on (`docs/thresholds.md`).
    pub thresholds: RwLock<Vec<String>>,
    /// The generator's self-check: its probes and verdict
    /// ([`crate::health`]).
    pub health: GeneratorHealth,
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

    /// Sends a custom message (Locust's `runner.send_message`): from a worker
    /// to its master, from a master to worker `to` or to every worker; in a
    /// local run, to this process's own `custom_message` listeners at once
    /// (node id `local`), as Locust's local runner does.
    pub fn send_message(
        &self,
        kind: &str,
        data: serde_json::Value,
        to: Option<&str>,
    ) -> Result<(), MessageError> {
        let messenger = self.messenger.read().clone();
        match messenger {
            Some(messenger) => messenger.send(kind, data, to),
            None => {
                self.receive_message(CustomMessage {
                    kind: kind.to_string(),
                    data,
                    node_id: "local".to_string(),
                });
                Ok(())
            }
        }
    }

    /// Hands a custom message to the `custom_message` listeners (a warning
    /// when there are none).
    pub fn receive_message(&self, message: CustomMessage) {
        if self.events.custom_message.has_listeners() {
            self.events.custom_message.fire(&message);
        } else {
            log::warn!(
                "Unknown message type received from {}: {}",
                message.node_id,
                message.kind
            );
        }
    }
}

impl AsRef<GeneratorHealth> for Environment {
    fn as_ref(&self) -> &GeneratorHealth {
        &self.health
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
            messenger: RwLock::new(None),
            node_id: RwLock::new(None),
            thresholds: RwLock::new(Vec::new()),
            health: GeneratorHealth::default(),
        }
    }
}

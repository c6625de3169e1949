//! The master as the engine sees it: the runner's [`Workers`] (dispatch
//! steps become `spawn` messages, user counts come from what workers report)
//! and the environment's [`Messenger`] (custom messages to workers).
//!
//! Every call here only sends or reads the shared state; what workers answer
//! arrives through [`super::inbox`].

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Weak;

use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::dispatch::Dispatch;
use locusta_engine::options::OptionValue;
use locusta_engine::remote::{MessageError, Messenger, WorkerInfo, Workers};
use locusta_engine::Environment;
use rmpv::Value;

use super::nodes::{Node, Shared};
use super::Master;
use crate::message::map;

/// Custom messages from the master's process to its workers. Holds the
/// master weakly: the environment it is stored in is the master's own.
pub(super) struct MasterMessenger(pub(super) Weak<Shared>);

impl Messenger for MasterMessenger {
    fn send(
        &self,
        kind: &str,
        data: serde_json::Value,
        to: Option<&str>,
    ) -> Result<(), MessageError> {
        let shared = self.0.upgrade().ok_or(MessageError::MasterStopped)?;
        let data = crate::message::from_json(&data);
        match to {
            Some(id) if shared.nodes.lock().contains_key(id) => shared.send(id, kind, data),
            Some(id) => return Err(MessageError::NoSuchWorker(id.to_string())),
            None => {
                for id in shared.active_ids() {
                    shared.send(&id, kind, data.clone());
                }
            }
        }
        Ok(())
    }
}

impl Workers for Master {
    fn active_ids(&self) -> Vec<String> {
        self.shared.active_ids()
    }

    fn dispatch(&self, step: &Dispatch) {
        self.shared
            .stopping_without_workers
            .store(false, Ordering::Relaxed);
        let env = &self.shared.env;
        // Strictly increasing, so a worker can drop stale steps.
        let now = locusta_stats::now_epoch();
        let previous = f64::from_bits(self.shared.last_spawn.load(Ordering::Relaxed));
        let timestamp = if now > previous { now } else { previous + 1e-6 };
        self.shared
            .last_spawn
            .store(timestamp.to_bits(), Ordering::Relaxed);
        let host = env.host().map_or(Value::Nil, Value::from);
        let options = parsed_options(env);
        let shares = self.shared.iteration_shares.lock().clone();
        for (id, counts) in step {
            let counts = Value::Map(
                counts
                    .iter()
                    .map(|(class, n)| (Value::from(class.as_str()), Value::from(*n)))
                    .collect(),
            );
            let mut fields = vec![
                ("timestamp", timestamp.into()),
                ("user_classes_count", counts),
                ("host", host.clone()),
                ("stop_timeout", env.stop_timeout.as_secs_f64().into()),
                ("parsed_options", options.clone()),
            ];
            if let Some(shares) = &shares {
                let share = shares.get(id).copied().unwrap_or(0);
                fields.push(("locusta_iterations", share.into()));
            }
            if let Some(node) = self.shared.nodes.lock().get_mut(id) {
                node.last_spawn = timestamp;
                node.iterations_done = false;
            }
            self.shared.send(id, "spawn", map(fields));
        }
    }

    fn spawning_complete(&self, user_count: u64) {
        for id in self.shared.active_ids() {
            self.shared.send(
                &id,
                "spawning_complete",
                map(vec![("user_count", user_count.into())]),
            );
        }
    }

    fn stop(&self) {
        *self.shared.iteration_shares.lock() = None;
        for id in self.shared.active_ids() {
            self.shared.send(&id, "stop", Value::Nil);
        }
    }

    fn update_user_class(&self, settings: &UserClassSettings) {
        let Ok(json) = serde_json::to_value(settings) else {
            return;
        };
        let data = crate::message::from_json(&json);
        for id in self.shared.active_ids() {
            self.shared.send(&id, "update_user_class", data.clone());
        }
    }

    fn worker_logs(&self) -> BTreeMap<String, Vec<String>> {
        self.shared.worker_logs.lock().clone()
    }

    fn set_iteration_shares(&self, shares: BTreeMap<String, u64>) {
        *self.shared.iteration_shares.lock() = Some(shares);
    }

    fn iterations_done(&self) -> bool {
        let nodes = self.shared.nodes.lock();
        let mut active = nodes.values().filter(|node| node.state.active()).peekable();
        active.peek().is_some() && active.all(|node| node.iterations_done)
    }

    fn user_count(&self) -> u64 {
        self.shared
            .nodes
            .lock()
            .values()
            .filter(|node| node.state.active())
            .map(Node::user_count)
            .sum()
    }

    fn user_classes_count(&self) -> BTreeMap<String, u64> {
        let mut total: BTreeMap<String, u64> = BTreeMap::new();
        for node in self.shared.nodes.lock().values() {
            if node.state.active() {
                for (class, n) in &node.user_classes_count {
                    *total.entry(class.clone()).or_default() += n;
                }
            }
        }
        total
    }

    fn workers(&self) -> Vec<WorkerInfo> {
        self.shared
            .nodes
            .lock()
            .iter()
            .map(|(id, node)| WorkerInfo {
                id: id.clone(),
                state: node.state.as_str().to_string(),
                user_count: node.user_count(),
                cpu_usage: node.cpu_usage,
                memory_usage: node.memory_usage,
            })
            .collect()
    }
}

/// The custom options and the tag filter, as Locust's `parsed_options` dict.
fn parsed_options(env: &Environment) -> Value {
    let texts = |list: &Option<Vec<String>>| match list {
        Some(items) => Value::Array(items.iter().map(|t| Value::from(t.as_str())).collect()),
        None => Value::Nil,
    };
    // Workers without tags of their own take these (Locust's rule).
    let mut options = vec![
        (Value::from("tags"), texts(&env.tag_filter.tags)),
        (
            Value::from("exclude_tags"),
            texts(&env.tag_filter.exclude_tags),
        ),
    ];
    options.extend(env.parsed_options.read().iter().map(|(name, value)| {
        let value = match value {
            OptionValue::Text(text) => Value::from(text.as_str()),
            OptionValue::Integer(n) => Value::from(*n),
            OptionValue::Float(x) => Value::from(*x),
            OptionValue::Flag(b) => Value::from(*b),
            OptionValue::List(items) => {
                Value::Array(items.iter().map(|i| Value::from(i.as_str())).collect())
            }
        };
        // Locust's keys are argparse's: `my_setting` for `--my-setting`.
        (Value::from(name.replace('-', "_")), value)
    }));
    Value::Map(options)
}

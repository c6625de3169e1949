//! Messages from workers: what the master reads of each kind, and what it
//! does with it (registering a worker, refreshing its heartbeat budget,
//! merging its statistics and its generator's health, keeping its log lines, serving locustfiles, or
//! passing a custom message on to the environment).
//!
//! Reading is kept apart from acting ([`read_worker_message`] has no side
//! effects) so that the fuzz targets can run it on arbitrary input.

use std::collections::BTreeMap;
use std::sync::Arc;

use locusta_engine::events::{CustomMessage, WorkerReport};
use locusta_engine::health::{Change, WORKER_REPORT_KEY};
use rmpv::Value;

use super::nodes::{worker_lost, Node, NodeState, Shared};
use super::HEARTBEAT_LIVENESS;
use crate::message::{as_u64, map, MapExt};
use crate::{wire, Message};

/// Log lines kept per worker for the web UI (as many as the master's own).
const WORKER_LOG_LINES_KEPT: usize = 500;

/// Per-class counts from a `{class: n}` map.
fn class_counts(value: Option<&Value>) -> Option<BTreeMap<String, u64>> {
    Some(
        value?
            .as_map()?
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), as_u64(v)?)))
            .collect(),
    )
}

/// What the master reads of a worker's message, by type, before acting on
/// it (also run by the fuzz targets: no side effects).
#[derive(Debug)]
pub(crate) enum WorkerMessage<'a> {
    ClientReady {
        version: String,
    },
    Heartbeat {
        state: Option<NodeState>,
        cpu: Option<f64>,
        memory: Option<u64>,
        iterations_done: Option<f64>,
    },
    Counts(Option<BTreeMap<String, u64>>),
    Exception {
        msg: &'a str,
        traceback: &'a str,
        count: u64,
    },
    Logs {
        lines: Vec<String>,
        worker: Option<&'a str>,
    },
    Other,
}

/// Reads the fields of a worker's message of `kind`.
pub(crate) fn read_worker_message<'a>(kind: &str, data: &'a Value) -> WorkerMessage<'a> {
    match kind {
        "client_ready" => WorkerMessage::ClientReady {
            version: match data {
                Value::String(text) => text.as_str().unwrap_or("").to_string(),
                Value::Integer(n) => n.to_string(),
                _ => String::new(),
            },
        },
        "heartbeat" => WorkerMessage::Heartbeat {
            state: data.get_str("state").and_then(NodeState::from_heartbeat),
            cpu: data.get_f64("current_cpu_usage"),
            memory: data.get_u64("current_memory_usage"),
            iterations_done: data.get_f64("locusta_iterations_done"),
        },
        "stats" | "spawning_complete" => {
            WorkerMessage::Counts(class_counts(data.get("user_classes_count")))
        }
        "exception" => WorkerMessage::Exception {
            msg: data.get_str("msg").unwrap_or(""),
            traceback: data.get_str("traceback").unwrap_or(""),
            count: data.get_u64("locusta_count").unwrap_or(1).max(1),
        },
        "logs" => WorkerMessage::Logs {
            lines: data
                .get("logs")
                .and_then(Value::as_array)
                .map(|lines| {
                    lines
                        .iter()
                        .filter_map(|l| l.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            worker: data.get_str("worker_id"),
        },
        _ => WorkerMessage::Other,
    }
}

/// Acts on one message from worker `identity`.
pub(super) fn handle(shared: &Arc<Shared>, identity: &str, message: Message) {
    // Locust sends the sender's id in the envelope; the socket identity is
    // the same for well-behaved workers and is what replies go to.
    let id = identity;
    let data = &message.data;
    match message.kind.as_str() {
        "client_ready" => {
            let WorkerMessage::ClientReady { version } = read_worker_message("client_ready", data)
            else {
                return;
            };
            if version.is_empty() {
                log::error!("A worker ({id}) running a version of Locust older than 2.0 tried to connect; ignoring it");
                return;
            }
            if version != "-1" {
                let ours = crate::LOCUST_VERSION;
                if version.get(..4) != ours.get(..4) {
                    log::warn!("Worker {id} runs Locust {version}, the master speaks the protocol of Locust {ours}; this may not work");
                }
            }
            let index = {
                let mut indices = shared.indices.lock();
                let next = indices.len() as u64;
                *indices.entry(id.to_string()).or_insert(next)
            };
            shared.nodes.lock().insert(
                id.to_string(),
                Node {
                    state: NodeState::Ready,
                    budget: HEARTBEAT_LIVENESS,
                    user_classes_count: BTreeMap::new(),
                    cpu_usage: 0.0,
                    memory_usage: 0,
                    last_spawn: 0.0,
                    iterations_done: false,
                },
            );
            shared.send(id, "ack", map(vec![("index", index.into())]));
            let connected = shared.active_ids().len();
            log::info!("{id} (index {index}) reported as ready. {connected} workers connected.");
            if let Some(runner) = shared.runner() {
                runner.add_worker(id);
            }
        }
        "heartbeat" => {
            let healed = {
                let mut nodes = shared.nodes.lock();
                let Some(node) = nodes.get_mut(id) else {
                    log::debug!("heartbeat from unknown worker {id}");
                    return;
                };
                node.budget = HEARTBEAT_LIVENESS;
                let was_missing = node.state == NodeState::Missing;
                let WorkerMessage::Heartbeat {
                    state,
                    cpu,
                    memory,
                    iterations_done,
                } = read_worker_message("heartbeat", data)
                else {
                    return;
                };
                if let Some(state) = state {
                    node.state = state;
                }
                if let Some(cpu) = cpu {
                    node.cpu_usage = cpu;
                }
                if let Some(memory) = memory {
                    node.memory_usage = memory;
                }
                // locusta workers: the spawn after which their share was spent.
                if let Some(spawn) = iterations_done {
                    node.iterations_done = spawn >= node.last_spawn;
                }
                if node.cpu_usage > 90.0 && !shared.warned_cpu.lock().iter().any(|w| w == id) {
                    shared.warned_cpu.lock().push(id.to_string());
                    log::warn!(
                        "Worker {id} exceeded cpu threshold (will only log this once per worker)"
                    );
                }
                was_missing && node.state.active()
            };
            if healed {
                log::info!("Worker {id} self-healed with heartbeat, setting state to ready.");
                if let Some(runner) = shared.runner() {
                    runner.add_worker(id);
                }
            }
            shared.send(id, "heartbeat", Value::Nil);
        }
        "stats" => {
            {
                let mut stats = shared.env.stats.collect();
                for problem in wire::merge_report(&mut stats, data) {
                    log::warn!("bad statistics from worker {id}: {problem}");
                }
            }
            if let Some(health) = data
                .get(WORKER_REPORT_KEY)
                .and_then(|h| serde_json::from_value(crate::message::to_json(h)).ok())
            {
                for reason in shared.env.health.record_worker(id, health) {
                    locusta_engine::health::monitor::say(&Change::Began(reason));
                }
            }
            if let WorkerMessage::Counts(Some(counts)) = read_worker_message("stats", data) {
                if let Some(node) = shared.nodes.lock().get_mut(id) {
                    node.user_classes_count = counts;
                }
            }
            let events = &shared.env.events;
            if events.worker_report.has_listeners() {
                events.worker_report.fire(&WorkerReport {
                    client_id: id.to_string(),
                    data: crate::message::to_json(data),
                });
            }
        }
        "spawning" => {
            if let Some(node) = shared.nodes.lock().get_mut(id) {
                node.state = NodeState::Spawning;
            }
        }
        "spawning_complete" => {
            if let Some(node) = shared.nodes.lock().get_mut(id) {
                node.state = NodeState::Running;
                if let WorkerMessage::Counts(Some(counts)) =
                    read_worker_message("spawning_complete", data)
                {
                    node.user_classes_count = counts;
                }
            }
        }
        "client_stopped" => {
            if let Some(node) = shared.nodes.lock().get_mut(id) {
                node.state = NodeState::Stopped;
                node.user_classes_count.clear();
            }
            log::debug!("Worker {id} stopped its users");
        }
        "quit" => {
            let known = shared.nodes.lock().remove(id).is_some();
            shared.quitted.lock().push(id.to_string());
            if known {
                let left = shared.active_ids().len();
                log::info!("Worker {id} quit. Currently {left} workers connected.");
                worker_lost(shared, id, true);
            }
        }
        "exception" => {
            if let WorkerMessage::Exception {
                msg,
                traceback,
                count,
            } = read_worker_message("exception", data)
            {
                shared.env.stats.log_exceptions(msg, traceback, id, count);
            }
        }
        // A worker's recent log lines, for the web UI's Logs tab.
        "logs" => {
            let WorkerMessage::Logs { lines, worker } = read_worker_message("logs", data) else {
                return;
            };
            let worker = worker.unwrap_or(id).to_string();
            let mut logs = shared.worker_logs.lock();
            let kept = &mut logs.entry(worker).or_default();
            **kept = lines;
            let excess = kept.len().saturating_sub(WORKER_LOG_LINES_KEPT);
            kept.drain(..excess);
        }
        // A worker started with `-f -` asks for the master's locustfiles.
        "locustfile" => {
            let answer = crate::locustfiles::answer(&shared.locustfiles.lock());
            shared.send(id, "locustfile", answer);
        }
        // Anything else is a custom message (Locust's `send_message`).
        other => shared.env.receive_message(CustomMessage {
            kind: other.to_string(),
            data: crate::message::to_json(data),
            node_id: id.to_string(),
        }),
    }
}

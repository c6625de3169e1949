//! The master: accepts workers, tracks them through their heartbeats, sends
//! them the runner's dispatch steps and merges their statistics into the
//! environment's, where the console, the outputs and the web UI read them.
//!
//! The runner ([`Runner::with_workers`]) paces the ramp exactly as in a
//! local run; this module is its [`Workers`]: it turns each step into `spawn`
//! messages, and answers for the user counts with what workers report.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::dispatch::Dispatch;
use locusta_engine::events::{CustomMessage, WorkerReport};
use locusta_engine::options::OptionValue;
use locusta_engine::remote::{MessageError, Messenger, WorkerInfo, Workers};
use locusta_engine::runner::{Runner, RunnerState};
use locusta_engine::Environment;
use parking_lot::Mutex;
use rmpv::Value;
use tokio::sync::mpsc;

use crate::message::{as_u64, map, MapExt};
use crate::transport::{BindError, MasterSocket};
use crate::{wire, Message};

/// Log lines kept per worker for the web UI (as many as the master's own).
const WORKER_LOG_LINES_KEPT: usize = 500;

/// How often workers beat and the master checks (Locust's `HEARTBEAT_INTERVAL`).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);
/// Missed beats before a worker is marked missing (Locust's `HEARTBEAT_LIVENESS`).
pub const HEARTBEAT_LIVENESS: i64 = 3;
/// The budget at which a missing worker is forgotten (Locust's -60).
const HEARTBEAT_DEAD: i64 = -60;
/// How long [`Master::quit`] waits for workers' final reports.
const QUIT_WAIT: Duration = Duration::from_secs(5);

/// A worker's state as the master tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeState {
    Ready,
    Spawning,
    Running,
    Stopped,
    Missing,
}

impl NodeState {
    fn as_str(self) -> &'static str {
        match self {
            NodeState::Ready => "ready",
            NodeState::Spawning => "spawning",
            NodeState::Running => "running",
            NodeState::Stopped => "stopped",
            NodeState::Missing => "missing",
        }
    }

    /// The state a worker names in its heartbeat (Locust's worker calls
    /// its idle state `ready`, older ones `init`).
    fn from_heartbeat(name: &str) -> Option<NodeState> {
        match name {
            "ready" | "init" => Some(NodeState::Ready),
            "spawning" => Some(NodeState::Spawning),
            "running" => Some(NodeState::Running),
            "stopped" | "stopping" => Some(NodeState::Stopped),
            _ => None,
        }
    }

    /// Whether users may be dispatched to the worker.
    fn active(self) -> bool {
        matches!(
            self,
            NodeState::Ready | NodeState::Spawning | NodeState::Running
        )
    }
}

struct Node {
    state: NodeState,
    budget: i64,
    user_classes_count: BTreeMap<String, u64>,
    cpu_usage: f64,
    memory_usage: u64,
    /// The timestamp of the last `spawn` sent to this worker.
    last_spawn: f64,
    /// The worker said it spent its share of `--iterations` after that spawn.
    iterations_done: bool,
}

impl Node {
    fn user_count(&self) -> u64 {
        self.user_classes_count.values().sum()
    }
}

struct Shared {
    env: Arc<Environment>,
    nodes: Mutex<BTreeMap<String, Node>>,
    /// Stable 0-based indices, by first contact.
    indices: Mutex<BTreeMap<String, u64>>,
    /// Workers that said `quit` since [`Master::quit`] started.
    quitted: Mutex<Vec<String>>,
    runner: OnceLock<Weak<Runner>>,
    outbox: mpsc::UnboundedSender<(String, Message)>,
    warned_cpu: Mutex<Vec<String>>,
    last_spawn: AtomicU64,
    /// `--enable-rebalancing`: a missing worker's users go to the others.
    rebalance_missing: bool,
    /// Each worker's recent log lines, by worker id.
    worker_logs: Mutex<BTreeMap<String, Vec<String>>>,
    /// The locustfiles sent to workers started with `-f -`.
    locustfiles: Mutex<Vec<std::path::PathBuf>>,
    /// Each worker's share of `--iterations` in this test (see
    /// [`Workers::set_iteration_shares`]).
    iteration_shares: Mutex<Option<BTreeMap<String, u64>>>,
    /// The test is being stopped because its last worker left (said once;
    /// a new dispatch clears it).
    stopping_without_workers: AtomicBool,
}

impl Shared {
    fn send(&self, to: &str, kind: &str, data: Value) {
        let _ = self
            .outbox
            .send((to.to_string(), Message::new(kind, data, to)));
    }

    fn runner(&self) -> Option<Arc<Runner>> {
        self.runner.get()?.upgrade()
    }

    fn active_ids(&self) -> Vec<String> {
        self.nodes
            .lock()
            .iter()
            .filter(|(_, node)| node.state.active())
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// The master of a distributed run.
#[derive(Clone)]
pub struct Master {
    shared: Arc<Shared>,
    port: u16,
}

/// Too few workers were ready in time ([`Master::wait_for_workers`]);
/// reads as Locust's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Gave up waiting for workers to connect after {seconds} seconds")]
pub struct GaveUpWaiting {
    /// How long the master waited.
    pub seconds: u64,
}

impl Master {
    /// Listens for workers on `host:port` (port 0: any free port) and starts
    /// the tasks that receive messages and check heartbeats, on the current
    /// tokio runtime.
    ///
    /// With `rebalance_missing` (`--enable-rebalancing`) the users of a
    /// worker that goes missing are moved to the others at once, as Locust
    /// does with that option; a worker that quits is always rebalanced.
    pub async fn bind(
        env: Arc<Environment>,
        host: &str,
        port: u16,
        rebalance_missing: bool,
    ) -> Result<Master, BindError> {
        let (socket, mut inbox) = MasterSocket::bind(host, port).await?;
        let port = socket.port();
        let (outbox, mut outgoing) = mpsc::unbounded_channel::<(String, Message)>();
        let shared = Arc::new(Shared {
            env,
            nodes: Mutex::new(BTreeMap::new()),
            indices: Mutex::new(BTreeMap::new()),
            quitted: Mutex::new(Vec::new()),
            runner: OnceLock::new(),
            outbox,
            warned_cpu: Mutex::new(Vec::new()),
            last_spawn: AtomicU64::new(0),
            stopping_without_workers: AtomicBool::new(false),
            rebalance_missing,
            iteration_shares: Mutex::new(None),
            locustfiles: Mutex::new(Vec::new()),
            worker_logs: Mutex::new(BTreeMap::new()),
        });
        tokio::spawn(async move {
            while let Some((to, message)) = outgoing.recv().await {
                if let Err(error) = socket.send(&to, &message).await {
                    log::warn!("cannot send {} to worker {to}: {error}", message.kind);
                }
            }
        });
        {
            let shared = shared.clone();
            tokio::spawn(async move {
                while let Some((identity, message)) = inbox.recv().await {
                    handle(&shared, &identity, message);
                }
            });
        }
        {
            let shared = Arc::downgrade(&shared);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(HEARTBEAT_INTERVAL);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let Some(shared) = shared.upgrade() else {
                        return;
                    };
                    check_heartbeats(&shared);
                }
            });
        }
        *shared.env.messenger.write() = Some(Arc::new(MasterMessenger(Arc::downgrade(&shared))));
        Ok(Master { shared, port })
    }

    /// The port workers connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The locustfiles to send to workers started with `-f -` (see
    /// [`crate::locustfiles`]).
    pub fn serve_locustfiles(&self, files: Vec<std::path::PathBuf>) {
        *self.shared.locustfiles.lock() = files;
    }

    /// Lets the master tell `runner` about workers that come and go (the
    /// runner was built with this master as its [`Workers`]).
    pub fn attach(&self, runner: &Arc<Runner>) {
        let _ = self.shared.runner.set(Arc::downgrade(runner));
    }

    /// Waits until `count` workers are ready, logging progress every second;
    /// gives up after `max_wait` (if given) with Locust's message.
    pub async fn wait_for_workers(
        &self,
        count: u64,
        max_wait: Option<Duration>,
    ) -> Result<(), GaveUpWaiting> {
        let started = Instant::now();
        loop {
            let ready = self
                .shared
                .nodes
                .lock()
                .values()
                .filter(|node| node.state == NodeState::Ready)
                .count() as u64;
            if ready >= count {
                return Ok(());
            }
            if max_wait.is_some_and(|limit| started.elapsed() >= limit) {
                return Err(GaveUpWaiting {
                    seconds: max_wait.unwrap_or_default().as_secs(),
                });
            }
            log::info!("Waiting for workers to be ready, {ready} of {count} connected");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Sends `quit` to every worker and waits (a few seconds at most) for
    /// each to send its final statistics and `quit`.
    pub async fn quit(&self) {
        let ids: Vec<String> = self
            .shared
            .nodes
            .lock()
            .iter()
            .filter(|(_, node)| node.state != NodeState::Missing)
            .map(|(id, _)| id.clone())
            .collect();
        self.shared.quitted.lock().clear();
        for id in &ids {
            self.shared.send(id, "quit", Value::Nil);
        }
        let started = Instant::now();
        while started.elapsed() < QUIT_WAIT {
            let all_quit = {
                let quitted = self.shared.quitted.lock();
                ids.iter().all(|id| quitted.contains(id))
            };
            if all_quit {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Custom messages from the master's process to its workers. Holds the
/// master weakly: the environment it is stored in is the master's own.
struct MasterMessenger(Weak<Shared>);

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

/// Whether a test is under way on the master.
fn test_active(runner: &Runner) -> bool {
    matches!(runner.state(), RunnerState::Spawning | RunnerState::Running)
}

/// A worker left the set that takes users: rebalance, or stop the test if
/// it was the last one.
fn worker_lost(shared: &Shared, id: &str, redistribute: bool) {
    let Some(runner) = shared.runner() else {
        return;
    };
    if !test_active(&runner) {
        return;
    }
    if shared.active_ids().is_empty() {
        // A worker that quits and then misses its heartbeats is lost twice:
        // the stop begins (and is said) once.
        if !shared
            .stopping_without_workers
            .swap(true, Ordering::Relaxed)
        {
            log::info!("The last worker quit or went missing, stopping test.");
            tokio::spawn(async move { runner.stop().await });
        }
    } else {
        runner.remove_worker(id, redistribute);
    }
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

fn handle(shared: &Arc<Shared>, identity: &str, message: Message) {
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

/// Once a second: spend one beat of every worker's budget; a worker out of
/// budget is missing (its users no longer count, and its share goes to the
/// others), and forgotten once the budget reaches Locust's -60.
fn check_heartbeats(shared: &Arc<Shared>) {
    let mut lost = Vec::new();
    {
        let mut nodes = shared.nodes.lock();
        nodes.retain(|id, node| {
            node.budget -= 1;
            if node.budget < 0 && node.state != NodeState::Missing {
                log::info!("Worker {id} failed to send heartbeat, setting state to missing.");
                node.state = NodeState::Missing;
                node.user_classes_count.clear();
                lost.push(id.clone());
            }
            node.budget > HEARTBEAT_DEAD
        });
    }
    for id in lost {
        worker_lost(shared, &id, shared.rebalance_missing);
    }
}

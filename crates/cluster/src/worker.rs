//! The worker: connects to a master, runs the users it is told to run with
//! the engine's [`Runner`], and reports heartbeats, statistics and task
//! exceptions (`docs/distributed.md`, "Lifecycle").

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::events::CustomMessage;
use locusta_engine::health::WORKER_REPORT_KEY;
use locusta_engine::options::{OptionKind, OptionValue};
use locusta_engine::remote::{MessageError, Messenger};
use locusta_engine::runner::Runner;
use locusta_engine::task::TagFilter;
use locusta_engine::usage::UsageSampler;
use locusta_engine::Environment;
use parking_lot::Mutex;
use rmpv::Value;
use tokio::sync::Notify;

use crate::master::HEARTBEAT_INTERVAL;
use crate::message::{as_u64, map, MapExt};
use crate::transport::WorkerSocket;
use crate::{wire, Message};

/// How long one attempt to reach the master waits (Locust's `CONNECT_TIMEOUT`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts before giving up (Locust's `CONNECT_RETRY_COUNT`).
const CONNECT_RETRY_COUNT: u32 = 60;
/// How often statistics are sent (Locust's `WORKER_REPORT_INTERVAL`).
const REPORT_INTERVAL: Duration = Duration::from_secs(3);
/// How long a quitting worker lets its last messages leave.
const LINGER: Duration = Duration::from_millis(300);
/// Silence from the master after which the worker quits (Locust's `MASTER_HEARTBEAT_TIMEOUT`).
const MASTER_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the master is.
#[derive(Clone)]
pub struct WorkerOptions {
    /// `--master-host`.
    pub master_host: String,
    /// `--master-port`.
    pub master_port: u16,
    /// This process's recent log lines, sent to the master for its web UI's
    /// Logs tab (Locust's `logs` message); `None` sends none.
    pub log_lines: Option<LogLines>,
    /// How often new log lines are sent ([`LOG_INTERVAL`] as in Locust).
    pub log_interval: Duration,
}

/// Reads a process's recent log lines, oldest first.
pub type LogLines = Arc<dyn Fn() -> Vec<String> + Send + Sync>;

/// How often a worker sends its new log lines (Locust's `WORKER_LOG_REPORT_INTERVAL`).
pub const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// What the worker shares between its tasks.
struct Worker {
    id: String,
    socket: WorkerSocket,
    runner: Arc<Runner>,
    env: Arc<Environment>,
    state: Mutex<&'static str>,
    /// The timestamp of the last `spawn` taken (`f64` bits).
    last_spawn: AtomicU64,
    /// Exception occurrences already reported, by traceback.
    exceptions_sent: Mutex<HashMap<String, u64>>,
}

impl Worker {
    async fn send(&self, kind: &str, data: Value) {
        if let Err(error) = self.socket.send(&Message::new(kind, data, &self.id)).await {
            log::warn!("cannot send {kind} to the master: {error}");
        }
    }

    fn set_state(&self, state: &'static str) {
        *self.state.lock() = state;
    }

    /// Sends the statistics gathered since the last report (and resets them),
    /// then the exceptions not reported yet.
    async fn report(&self) {
        let mut fields = {
            let mut stats = self.env.stats.collect();
            let fields = wire::stats_fields(&stats);
            stats.reset(locusta_stats::now_epoch());
            fields
        };
        let counts = self.runner.user_classes_count();
        let user_count: u64 = counts.values().sum();
        fields.push(("user_classes_count", counts_value(&counts)));
        fields.push(("user_count", user_count.into()));
        // locusta's addition (a Locust master ignores the key): the
        // generator's self-check, so the master can mark the run suspect.
        if let Ok(health) = serde_json::to_value(self.env.health.worker_summary()) {
            fields.push((WORKER_REPORT_KEY, crate::message::from_json(&health)));
        }
        self.send("stats", map(fields)).await;
        let news: Vec<(String, String, u64)> = {
            let mut sent = self.exceptions_sent.lock();
            let exceptions = self.env.stats.exceptions();
            if exceptions.len() < sent.len() {
                // Cleared for a new test.
                sent.clear();
            }
            exceptions
                .into_iter()
                .filter_map(|e| {
                    let before = sent.insert(e.traceback.clone(), e.count).unwrap_or(0);
                    (e.count > before).then(|| (e.msg, e.traceback, e.count - before))
                })
                .collect()
        };
        for (msg, traceback, count) in news {
            let data = map(vec![
                ("msg", msg.into()),
                ("traceback", traceback.into()),
                ("locusta_count", count.into()),
            ]);
            self.send("exception", data).await;
        }
    }
}

fn counts_value(counts: &BTreeMap<String, u64>) -> Value {
    Value::Map(
        counts
            .iter()
            .map(|(class, n)| (Value::from(class.as_str()), Value::from(*n)))
            .collect(),
    )
}

/// Runs a worker until the master says `quit` (exit code 0), the master is
/// unreachable or silent (-1), or Ctrl-C/SIGTERM (0, after telling the
/// master). Must run on a tokio runtime with timers.
pub async fn run(runner: Arc<Runner>, options: WorkerOptions) -> i32 {
    // The id chosen before the locustfile ran (`environment.runner.client_id`), else a new one.
    let id = runner
        .environment()
        .node_id
        .write()
        .get_or_insert_with(crate::new_node_id)
        .clone();
    run_as(runner, options, id, Arc::new(Notify::new())).await
}

/// As [`run`], as the worker `id` (a [`crate::new_node_id`]), and also
/// quitting as on Ctrl-C (users stopped, last statistics and `quit` sent to
/// the master, exit code 0) once `quit` is notified: the worker of a Python
/// script, whose `runner.quit()` ends it.
pub async fn run_as(
    runner: Arc<Runner>,
    options: WorkerOptions,
    id: String,
    quit_requested: Arc<Notify>,
) -> i32 {
    let env = runner.environment().clone();
    *env.node_id.write() = Some(id.clone());
    let endpoint = format!("{}:{}", options.master_host, options.master_port);
    log::info!("Worker {id} connecting to master at {endpoint}");
    let connect_budget = CONNECT_TIMEOUT * CONNECT_RETRY_COUNT;
    let started = Instant::now();
    let (socket, mut inbox) = match WorkerSocket::connect(
        &options.master_host,
        options.master_port,
        &id,
        connect_budget,
    )
    .await
    {
        Ok(connected) => connected,
        Err(error) => {
            log::error!("Failed to connect to the master at {endpoint}: {error}");
            return -1;
        }
    };
    let worker = Arc::new(Worker {
        id: id.clone(),
        socket,
        runner,
        env,
        state: Mutex::new("ready"),
        last_spawn: AtomicU64::new(f64::NEG_INFINITY.to_bits()),
        exceptions_sent: Mutex::new(HashMap::new()),
    });

    // client_ready until ack, within what is left of Locust's budget.
    let mut attempts = 0;
    let index = loop {
        if attempts >= CONNECT_RETRY_COUNT || started.elapsed() >= connect_budget {
            log::error!(
                "Failed to connect to the master at {endpoint}: no answer after {} s",
                started.elapsed().as_secs()
            );
            return -1;
        }
        attempts += 1;
        worker
            .send("client_ready", crate::LOCUST_VERSION.into())
            .await;
        match tokio::time::timeout(CONNECT_TIMEOUT, wait_for_ack(&mut inbox)).await {
            Ok(Some(index)) => break index,
            Ok(None) => return -1,
            Err(_) => log::debug!("no ack from the master yet (attempt {attempts})"),
        }
    };
    log::info!("Connected to the master at {endpoint} as worker {id} (index {index})");

    let (outbox, mut outgoing) = tokio::sync::mpsc::unbounded_channel::<(String, Value)>();
    *worker.env.messenger.write() = Some(Arc::new(WorkerMessenger { outbox }));
    let mut background = start_background(&worker);
    if let Some(lines) = options.log_lines.clone() {
        let interval = options.log_interval.max(Duration::from_millis(10));
        background.push(tokio::spawn(send_logs(worker.clone(), lines, interval)));
    }
    let sender = worker.clone();
    background.push(tokio::spawn(async move {
        while let Some((kind, data)) = outgoing.recv().await {
            sender.send(&kind, data).await;
        }
    }));
    let code = serve(&worker, &mut inbox, &quit_requested).await;
    for task in background {
        task.abort();
    }
    *worker.env.messenger.write() = None;
    worker.runner.quit().await;
    code
}

/// The index in the master's `ack` (`None` if the socket closed).
async fn wait_for_ack(inbox: &mut tokio::sync::mpsc::UnboundedReceiver<Message>) -> Option<u64> {
    loop {
        let message = inbox.recv().await?;
        if message.kind == "ack" {
            return Some(message.data.get_u64("index").unwrap_or(0));
        }
        log::debug!("ignoring {} before the master's ack", message.kind);
    }
}

/// Takes the master's values of this program's custom options, as Locust's
/// workers take their master's custom arguments (keys match with `-` or `_`).
fn adopt_custom_options(env: &Environment, options: &Value) {
    let Some(pairs) = options.as_map() else {
        return;
    };
    let key = |name: &str| name.replace('-', "_");
    let mut parsed = env.parsed_options.write();
    for (name, value) in pairs {
        let Some(name) = name.as_str().map(key) else {
            continue;
        };
        let Some(option) = env.custom_options.iter().find(|o| key(&o.name) == name) else {
            continue;
        };
        if let Some(value) = option_value(&option.kind, value) {
            parsed.insert(option.name.clone(), value);
        }
    }
}

/// The user counts of a `spawn` message, by class.
pub(crate) fn spawn_counts(data: &Value) -> BTreeMap<String, u64> {
    data.get("user_classes_count")
        .and_then(Value::as_map)
        .map(|pairs| {
            pairs
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), as_u64(v)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The `tags` and `exclude_tags` of a master's `parsed_options`.
pub(crate) fn tag_filter(options: &Value) -> TagFilter {
    let texts = |key: &str| {
        let items = options.get(key)?.as_array()?;
        Some(
            items
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
        )
    };
    TagFilter {
        tags: texts("tags"),
        exclude_tags: texts("exclude_tags"),
    }
}

/// A msgpack value as the value of an option of `kind`, if it is one.
pub(crate) fn option_value(kind: &OptionKind, value: &Value) -> Option<OptionValue> {
    Some(match kind {
        OptionKind::Text | OptionKind::Choice(_) => OptionValue::Text(value.as_str()?.to_string()),
        OptionKind::Integer => OptionValue::Integer(value.as_i64()?),
        OptionKind::Float => OptionValue::Float(
            value
                .as_f64()
                .or_else(|| value.as_i64().map(|n| n as f64))?,
        ),
        OptionKind::Flag => OptionValue::Flag(value.as_bool()?),
        OptionKind::MultiChoice(_) => OptionValue::List(
            value
                .as_array()?
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect(),
        ),
    })
}

/// Custom messages from a worker's process to its master, sent in order by
/// a task of the worker's (the caller may be any thread).
struct WorkerMessenger {
    outbox: tokio::sync::mpsc::UnboundedSender<(String, Value)>,
}

impl Messenger for WorkerMessenger {
    fn send(
        &self,
        kind: &str,
        data: serde_json::Value,
        _to: Option<&str>,
    ) -> Result<(), MessageError> {
        self.outbox
            .send((kind.to_string(), crate::message::from_json(&data)))
            .map_err(|_| MessageError::MasterConnectionClosed)
    }
}

/// Heartbeats every second and statistics every three.
fn start_background(worker: &Arc<Worker>) -> Vec<tokio::task::JoinHandle<()>> {
    let beats = {
        let worker = worker.clone();
        tokio::spawn(async move {
            let mut sampler = UsageSampler::default();
            let mut tick = tokio::time::interval(HEARTBEAT_INTERVAL);
            loop {
                tick.tick().await;
                let usage = sampler.sample();
                let state = *worker.state.lock();
                let mut fields = vec![
                    ("state", state.into()),
                    ("current_cpu_usage", usage.cpu_percent.into()),
                    ("current_memory_usage", usage.memory_bytes.into()),
                ];
                // A locusta master ends the test once every worker has spent
                // its share of the iterations (the spawn says which test).
                if worker.runner.iterations_done() {
                    let spawn = f64::from_bits(worker.last_spawn.load(Ordering::Relaxed));
                    fields.push(("locusta_iterations_done", spawn.into()));
                }
                worker.send("heartbeat", map(fields)).await;
            }
        })
    };
    let reports = {
        let worker = worker.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REPORT_INTERVAL);
            tick.tick().await;
            loop {
                tick.tick().await;
                worker.report().await;
            }
        })
    };
    vec![beats, reports]
}

/// Handles the master's messages until the worker should exit.
async fn serve(
    worker: &Arc<Worker>,
    inbox: &mut tokio::sync::mpsc::UnboundedReceiver<Message>,
    quit_requested: &Notify,
) -> i32 {
    let mut last_spawn = f64::NEG_INFINITY;
    let mut last_heartbeat: Option<Instant> = None;
    let mut sigterm =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    loop {
        let silence = async {
            match last_heartbeat {
                Some(at) => tokio::time::sleep_until((at + MASTER_HEARTBEAT_TIMEOUT).into()).await,
                None => std::future::pending().await,
            }
        };
        let terminated = async {
            match sigterm.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        let message = tokio::select! {
            message = inbox.recv() => message,
            _ = silence => {
                log::error!("Didn't get heartbeat from master in over {} s, quitting", MASTER_HEARTBEAT_TIMEOUT.as_secs());
                quit(worker).await;
                return -1;
            }
            _ = tokio::signal::ctrl_c() => {
                log::info!("Got SIGINT signal, telling the master and quitting");
                quit(worker).await;
                return 0;
            }
            _ = terminated => {
                log::info!("Got SIGTERM signal, telling the master and quitting");
                quit(worker).await;
                return 0;
            }
            _ = quit_requested.notified() => {
                log::info!("Quitting, telling the master");
                quit(worker).await;
                return 0;
            }
        };
        let Some(message) = message else {
            log::error!("The connection to the master is gone");
            return -1;
        };
        match message.kind.as_str() {
            "spawn" => {
                let data = &message.data;
                let timestamp = data.get_f64("timestamp").unwrap_or(f64::INFINITY);
                if timestamp <= last_spawn {
                    log::debug!("dropping a stale spawn message");
                    continue;
                }
                last_spawn = timestamp;
                worker
                    .last_spawn
                    .store(timestamp.to_bits(), Ordering::Relaxed);
                let counts = spawn_counts(data);
                worker.set_state("spawning");
                worker.send("spawning", Value::Nil).await;
                if let Some(host) = data.get_str("host").filter(|h| !h.is_empty()) {
                    *worker.env.host.write() = Some(host.to_string());
                }
                if let Some(seconds) = data.get_f64("stop_timeout") {
                    if seconds.is_finite() && seconds >= 0.0 {
                        worker
                            .runner
                            .set_stop_timeout(Duration::from_secs_f64(seconds.min(1e9)));
                    }
                }
                if let Some(options) = data.get("parsed_options") {
                    adopt_custom_options(&worker.env, options);
                    worker.runner.adopt_tag_filter(&tag_filter(options));
                }
                // A locusta master's `--iterations` is a total: this worker
                // runs its share (under a Locust master, its own `-i`).
                if let Some(share) = data.get_u64("locusta_iterations") {
                    worker.runner.set_iteration_limit(share);
                }
                worker.runner.apply_counts(&counts);
                let total: u64 = counts.values().sum();
                let listed: Vec<String> = counts
                    .iter()
                    .map(|(c, n)| format!("\"{c}\": {n}"))
                    .collect();
                log::info!("Running {{{}}} ({total} total users)", listed.join(", "));
                worker.set_state("running");
                let reply = map(vec![
                    ("user_classes_count", counts_value(&counts)),
                    ("user_count", total.into()),
                ]);
                worker.send("spawning_complete", reply).await;
            }
            "stop" => {
                worker.set_state("stopped");
                worker.runner.stop().await;
                worker.report().await;
                worker.send("client_stopped", Value::Nil).await;
                worker.set_state("ready");
                worker
                    .send("client_ready", crate::LOCUST_VERSION.into())
                    .await;
            }
            "quit" => {
                log::info!("Got quit message from master, shutting down...");
                quit(worker).await;
                return 0;
            }
            "heartbeat" => last_heartbeat = Some(Instant::now()),
            "ack" => {}
            "spawning_complete" => {
                let count = message.data.get_u64("user_count").unwrap_or(0);
                worker.env.events.spawning_complete.fire(&count);
            }
            // The master's web UI changed a user class (`POST /user`).
            "update_user_class" => {
                let settings = serde_json::from_value::<UserClassSettings>(
                    crate::message::to_json(&message.data),
                );
                match settings.map_err(|e| e.to_string()).and_then(|settings| {
                    worker
                        .runner
                        .update_user_class(&settings)
                        .map_err(|e| e.to_string())
                }) {
                    Ok(()) => log::info!("User class settings updated by the master"),
                    Err(error) => {
                        log::error!("Cannot apply the master's user class settings: {error}")
                    }
                }
            }
            // Locust's worker recreates its socket; this DEALER reconnects by
            // itself and keeps its identity, so the connection is kept.
            "reconnect" => log::warn!(
                "Received reconnect message from master; the connection re-establishes itself"
            ),
            // Anything else is a custom message (Locust's `send_message`).
            other => worker.env.receive_message(CustomMessage {
                kind: other.to_string(),
                data: crate::message::to_json(&message.data),
                node_id: message.node_id.clone(),
            }),
        }
    }
}

/// Sends the process's log lines to the master whenever new ones appeared.
async fn send_logs(worker: Arc<Worker>, lines: LogLines, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    let mut sent: Option<String> = None;
    loop {
        tick.tick().await;
        let current = lines();
        if current.last() == sent.as_ref() {
            continue;
        }
        sent = current.last().cloned();
        let logs = Value::Array(current.iter().map(|l| Value::from(l.as_str())).collect());
        let data = map(vec![
            ("worker_id", worker.id.as_str().into()),
            ("logs", logs),
        ]);
        worker.send("logs", data).await;
    }
}

/// Stops the users, sends the last statistics and `quit`.
async fn quit(worker: &Arc<Worker>) {
    worker.set_state("stopped");
    worker.runner.stop().await;
    worker.report().await;
    worker.send("quit", Value::Nil).await;
    // A send only queues the message: leave the socket time to deliver it
    // before the process ends (ZeroMQ's linger).
    tokio::time::sleep(LINGER).await;
}

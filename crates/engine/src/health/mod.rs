//! Generator self-diagnosis: is locusta itself the bottleneck of this run?
//!
//! A load generator that runs out of CPU, or whose event loop user code
//! blocks, still reports numbers — wrong ones: a request's response time
//! then includes the time its response waited for the generator. So the
//! run watches its own health and marks itself **suspect** when that
//! happens, with the reasons.
//!
//! * `probe`: what is read (per-thread CPU time, CPU limit, timer lag of the
//!   load threads; the Python hub through [`HubProbe`]).
//! * `judge`: the rules that turn each second's [`Figures`] into changes of
//!   the verdict.
//! * `monitor`: the OS thread that samples once a second and warns.
//! * here: [`GeneratorHealth`], the one place (a field of the
//!   [`Environment`](crate::Environment), which it does not know) where probes register and where the
//!   outputs, the web UI and distributed mode read the verdict — a worker's
//!   own, or on a master every worker's.
//!
//! ```
//! use locusta_engine::health::GeneratorHealth;
//! let health = GeneratorHealth::default();
//! health.sample();
//! let report = health.report();
//! assert_eq!(report.verdict, "healthy");
//! ```

pub mod judge;
pub mod monitor;
pub mod probe;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::usage::process_cpu_seconds;
pub use judge::{Change, Figures, HubFigures, Reason, ThreadFigures};
pub use probe::{HubProbe, ThreadProbe};

/// The generator's health as the outputs show it (the JSON's `generator`
/// section, the web UI's `generator` key).
#[derive(Clone, Debug, Default, Serialize)]
pub struct HealthReport {
    /// `healthy` or `suspect`.
    pub verdict: &'static str,
    /// Why it is suspect: every rule that fired, here or on a worker.
    pub reasons: Vec<Reason>,
    /// The last second's figures of this process.
    pub current: Option<Figures>,
    /// The worst figures of this process during the run.
    pub peak: Peak,
    /// What the self-check's thread cost on average since the first
    /// sample, percent of one core.
    pub self_check_cpu_percent: f64,
    /// Each worker's own health (on a master).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub workers: BTreeMap<String, WorkerHealth>,
}

impl HealthReport {
    /// The reasons as lines for people, each naming its worker if any.
    pub fn reason_texts(&self) -> Vec<String> {
        self.reasons
            .iter()
            .map(|r| match &r.worker {
                Some(worker) => format!("worker {worker}: {}", r.message),
                None => r.message.clone(),
            })
            .collect()
    }
}

/// The worst figures seen.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Peak {
    /// The busiest load thread, percent of one core.
    pub load_thread_cpu_percent: f64,
    /// The Python thread, percent of one core.
    pub python_thread_cpu_percent: f64,
    /// The whole process, percent of one core.
    pub process_cpu_percent: f64,
    /// The latest a load thread's timer woke, ms.
    pub timer_lag_ms: f64,
    /// The longest the Python hub took to answer, ms.
    pub hub_lag_ms: f64,
}

impl Peak {
    fn add(&mut self, figures: &Figures) {
        let max = |a: &mut f64, b: f64| *a = a.max(b);
        for thread in &figures.load_threads {
            max(&mut self.load_thread_cpu_percent, thread.cpu_percent);
            max(&mut self.timer_lag_ms, thread.lag_ms);
        }
        if let Some(hub) = &figures.hub {
            max(&mut self.python_thread_cpu_percent, hub.cpu_percent);
            max(&mut self.hub_lag_ms, hub.lag_ms);
        }
        max(&mut self.process_cpu_percent, figures.process_cpu_percent);
    }
}

/// What a worker tells its master about itself, in each statistics report
/// (the key [`WORKER_REPORT_KEY`]; Locust's master ignores it).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct WorkerHealth {
    /// Whether any rule fired on the worker.
    pub suspect: bool,
    /// What fired, for people.
    pub reasons: Vec<String>,
    /// Its busiest generator thread in the last second, percent of one core.
    pub cpu_percent: f64,
    /// Its worst timer or hub lag in the last second, ms.
    pub lag_ms: f64,
    /// Its worst figures during the run.
    pub peak: Peak,
}

/// The key of a worker's health in its statistics report.
pub const WORKER_REPORT_KEY: &str = "locusta_generator";

/// CPU readings of the previous sample, to turn totals into rates.
struct Readings {
    at: Instant,
    process: f64,
    cpus: Option<(u64, u64)>,
    threads: HashMap<i32, f64>,
    monitor: f64,
}

#[derive(Default)]
struct State {
    judge: judge::Judge,
    readings: Option<Readings>,
    current: Option<Figures>,
    peak: Peak,
    self_check_cpu_percent: f64,
    /// The monitor thread's first reading: when, and its CPU seconds.
    monitor_start: Option<(Instant, f64)>,
    workers: BTreeMap<String, WorkerHealth>,
    worker_reasons: Vec<Reason>,
    hub_worst_lag: std::time::Duration,
}

/// The probes of this process and the verdict on it (and its workers).
#[derive(Default)]
pub struct GeneratorHealth {
    threads: Mutex<Vec<Arc<ThreadProbe>>>,
    hub: Mutex<Option<Arc<dyn HubProbe>>>,
    state: Mutex<State>,
}

impl GeneratorHealth {
    /// A probe for a new load thread named `name` (its ticker fills it).
    pub fn register_thread(&self, name: String) -> Arc<ThreadProbe> {
        let probe = Arc::new(ThreadProbe::new(name));
        let mut threads = self.threads.lock();
        // Probes of threads that ended (a previous runner's) are dropped here.
        threads.retain(|probe| Arc::strong_count(probe) > 1);
        threads.push(probe.clone());
        probe
    }

    /// The Python hub to watch (the class runtime's).
    pub fn set_hub(&self, hub: Arc<dyn HubProbe>) {
        *self.hub.lock() = Some(hub);
    }

    /// Reads every probe (about once a second, from the monitor), applies
    /// the rules and says what began or ended. The first call only sets the
    /// baseline.
    pub fn sample(&self) -> Vec<Change> {
        let threads: Vec<Arc<ThreadProbe>> = self.threads.lock().clone();
        let hub = self.hub.lock().clone();
        let now = Instant::now();
        let process = process_cpu_seconds();
        let cpus = probe::allowed_cpus_jiffies();
        let monitor = probe::thread_cpu_seconds(probe::current_thread_id()).unwrap_or(0.0);
        let mut thread_cpu = HashMap::new();
        let ids = threads
            .iter()
            .filter_map(|t| t.thread_id())
            .chain(hub.as_ref().and_then(|h| h.thread_id()));
        for tid in ids {
            if let Some(cpu) = probe::thread_cpu_seconds(tid) {
                thread_cpu.insert(tid, cpu);
            }
        }
        self.ping_hub();
        let mut state = self.state.lock();
        let hub_lag = std::mem::take(&mut state.hub_worst_lag);
        let Some(before) = state.readings.replace(Readings {
            at: now,
            process,
            cpus,
            threads: thread_cpu.clone(),
            monitor,
        }) else {
            return Vec::new();
        };
        let wall = now.duration_since(before.at).as_secs_f64().max(1e-3);
        let percent = |now: f64, then: f64| (100.0 * (now - then) / wall).max(0.0);
        let thread_percent = |tid: Option<i32>| {
            tid.and_then(|tid| Some(percent(*thread_cpu.get(&tid)?, *before.threads.get(&tid)?)))
                .unwrap_or(0.0)
        };
        let figures = Figures {
            process_cpu_percent: percent(process, before.process),
            cpu_limit_cores: probe::cpu_limit_cores(),
            allowed_cpus_busy_percent: match (cpus, before.cpus) {
                (Some((busy, total)), Some((busy_then, total_then))) if total > total_then => {
                    100.0 * busy.saturating_sub(busy_then) as f64 / (total - total_then) as f64
                }
                _ => 0.0,
            },
            load_threads: threads
                .iter()
                .filter(|t| t.thread_id().is_some())
                .map(|t| ThreadFigures {
                    name: t.name.clone(),
                    cpu_percent: thread_percent(t.thread_id()),
                    lag_ms: t.take_worst_lag().as_secs_f64() * 1000.0,
                })
                .collect(),
            hub: hub.as_ref().map(|h| HubFigures {
                cpu_percent: thread_percent(h.thread_id()),
                lag_ms: hub_lag.as_secs_f64() * 1000.0,
            }),
        };
        let (since, monitor_then) = *state
            .monitor_start
            .get_or_insert((before.at, before.monitor));
        let elapsed = now.duration_since(since).as_secs_f64().max(1e-3);
        state.self_check_cpu_percent = 100.0 * (monitor - monitor_then).max(0.0) / elapsed;
        state.peak.add(&figures);
        let holder = || hub.as_ref().map_or_else(String::new, |h| h.holder());
        log::debug!("generator figures: {figures:?}");
        let changes = state.judge.observe(&figures, holder);
        state.current = Some(figures);
        changes
    }

    /// Reads how long the hub took to answer the last ping (or has been
    /// waiting) and pings it again: every [`monitor::PING_INTERVAL`], so that
    /// a second's worst lag is seen, not one wake-up's.
    pub fn ping_hub(&self) {
        let Some(hub) = self.hub.lock().clone() else {
            return;
        };
        let lag = hub.lag();
        hub.ping();
        let mut state = self.state.lock();
        state.hub_worst_lag = state.hub_worst_lag.max(lag);
    }

    /// Whether any rule fired, here or on a worker.
    pub fn is_suspect(&self) -> bool {
        let state = self.state.lock();
        !state.judge.reasons().is_empty() || !state.worker_reasons.is_empty()
    }

    /// The verdict and figures, for the outputs.
    pub fn report(&self) -> HealthReport {
        let state = self.state.lock();
        let reasons: Vec<Reason> = state
            .judge
            .reasons()
            .iter()
            .chain(&state.worker_reasons)
            .cloned()
            .collect();
        HealthReport {
            verdict: if reasons.is_empty() {
                "healthy"
            } else {
                "suspect"
            },
            reasons,
            current: state.current.clone(),
            peak: state.peak.clone(),
            self_check_cpu_percent: state.self_check_cpu_percent,
            workers: state.workers.clone(),
        }
    }

    /// What a worker sends its master about itself.
    pub fn worker_summary(&self) -> WorkerHealth {
        let state = self.state.lock();
        let current = state.current.clone().unwrap_or_default();
        let busiest = current
            .load_threads
            .iter()
            .map(|t| t.cpu_percent)
            .chain(current.hub.iter().map(|h| h.cpu_percent))
            .fold(0.0, f64::max);
        WorkerHealth {
            suspect: !state.judge.reasons().is_empty(),
            reasons: state
                .judge
                .reasons()
                .iter()
                .map(|r| r.message.clone())
                .collect(),
            cpu_percent: busiest,
            lag_ms: current.worst_lag_ms(),
            peak: state.peak.clone(),
        }
    }

    /// Takes a worker's report (on a master); returns the reasons that are
    /// new, each naming the worker.
    pub fn record_worker(&self, worker: &str, health: WorkerHealth) -> Vec<Reason> {
        let mut state = self.state.lock();
        let mut new = Vec::new();
        for message in &health.reasons {
            let known = state
                .worker_reasons
                .iter()
                .any(|r| r.worker.as_deref() == Some(worker) && &r.message == message);
            if !known {
                let kind = if message.contains("Python thread has been held") {
                    "hub_held"
                } else {
                    "saturated"
                };
                new.push(Reason {
                    kind,
                    message: message.clone(),
                    worker: Some(worker.to_string()),
                });
            }
        }
        state.worker_reasons.extend(new.iter().cloned());
        state.workers.insert(worker.to_string(), health);
        new
    }

    /// Forgets the verdict and figures (a new test from the web UI).
    pub fn reset(&self) {
        let mut state = self.state.lock();
        let readings = state.readings.take();
        *state = State {
            readings,
            ..State::default()
        };
    }
}

//! The workers as the master tracks them: each one's state, user counts and
//! resource use, and the heartbeat budget that decides when it is missing.
//!
//! A worker starts with [`HEARTBEAT_LIVENESS`](super::HEARTBEAT_LIVENESS)
//! beats of budget; each heartbeat it sends refills it, and
//! [`check_heartbeats`] spends one beat a second. Out of budget, a worker is
//! missing: its users no longer count and the runner is told
//! ([`worker_lost`]), which rebalances them or, when no worker is left, stops
//! the test. At Locust's -60 it is forgotten.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use locusta_engine::runner::{Runner, RunnerState};
use locusta_engine::Environment;
use parking_lot::Mutex;
use rmpv::Value;
use tokio::sync::mpsc;

use crate::Message;

/// The budget at which a missing worker is forgotten (Locust's -60).
const HEARTBEAT_DEAD: i64 = -60;

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
    pub(super) fn as_str(self) -> &'static str {
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
    pub(super) fn from_heartbeat(name: &str) -> Option<NodeState> {
        match name {
            "ready" | "init" => Some(NodeState::Ready),
            "spawning" => Some(NodeState::Spawning),
            "running" => Some(NodeState::Running),
            "stopped" | "stopping" => Some(NodeState::Stopped),
            _ => None,
        }
    }

    /// Whether users may be dispatched to the worker.
    pub(super) fn active(self) -> bool {
        matches!(
            self,
            NodeState::Ready | NodeState::Spawning | NodeState::Running
        )
    }
}

/// A worker as the master tracks it.
pub(super) struct Node {
    pub(super) state: NodeState,
    pub(super) budget: i64,
    pub(super) user_classes_count: BTreeMap<String, u64>,
    pub(super) cpu_usage: f64,
    pub(super) memory_usage: u64,
    /// The timestamp of the last `spawn` sent to this worker.
    pub(super) last_spawn: f64,
    /// The worker said it spent its share of `--iterations` after that spawn.
    pub(super) iterations_done: bool,
}

impl Node {
    pub(super) fn user_count(&self) -> u64 {
        self.user_classes_count.values().sum()
    }
}

/// What the master's tasks and handles share: the workers as tracked, and
/// the way out to them.
pub(super) struct Shared {
    pub(super) env: Arc<Environment>,
    pub(super) nodes: Mutex<BTreeMap<String, Node>>,
    /// Stable 0-based indices, by first contact.
    pub(super) indices: Mutex<BTreeMap<String, u64>>,
    /// Workers that said `quit` since [`Master::quit`](super::Master::quit) started.
    pub(super) quitted: Mutex<Vec<String>>,
    pub(super) runner: OnceLock<Weak<Runner>>,
    pub(super) outbox: mpsc::UnboundedSender<(String, Message)>,
    pub(super) warned_cpu: Mutex<Vec<String>>,
    pub(super) last_spawn: AtomicU64,
    /// `--enable-rebalancing`: a missing worker's users go to the others.
    pub(super) rebalance_missing: bool,
    /// Each worker's recent log lines, by worker id.
    pub(super) worker_logs: Mutex<BTreeMap<String, Vec<String>>>,
    /// The locustfiles sent to workers started with `-f -`.
    pub(super) locustfiles: Mutex<Vec<std::path::PathBuf>>,
    /// Each worker's share of `--iterations` in this test (see
    /// [`Workers::set_iteration_shares`](locusta_engine::remote::Workers::set_iteration_shares)).
    pub(super) iteration_shares: Mutex<Option<BTreeMap<String, u64>>>,
    /// The test is being stopped because its last worker left (said once;
    /// a new dispatch clears it).
    pub(super) stopping_without_workers: AtomicBool,
}

impl Shared {
    pub(super) fn send(&self, to: &str, kind: &str, data: Value) {
        let _ = self
            .outbox
            .send((to.to_string(), Message::new(kind, data, to)));
    }

    pub(super) fn runner(&self) -> Option<Arc<Runner>> {
        self.runner.get()?.upgrade()
    }

    pub(super) fn active_ids(&self) -> Vec<String> {
        self.nodes
            .lock()
            .iter()
            .filter(|(_, node)| node.state.active())
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// Whether a test is under way on the master.
fn test_active(runner: &Runner) -> bool {
    matches!(runner.state(), RunnerState::Spawning | RunnerState::Running)
}

/// A worker left the set that takes users: rebalance, or stop the test if
/// it was the last one.
pub(super) fn worker_lost(shared: &Shared, id: &str, redistribute: bool) {
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

/// Once a second: spend one beat of every worker's budget; a worker out of
/// budget is missing (its users no longer count, and its share goes to the
/// others), and forgotten once the budget reaches Locust's -60.
pub(super) fn check_heartbeats(shared: &Arc<Shared>) {
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

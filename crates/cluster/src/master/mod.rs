//! The master: accepts workers, tracks them through their heartbeats, sends
//! them the runner's dispatch steps and merges their statistics into the
//! environment's, where the console, the outputs and the web UI read them.
//!
//! The runner ([`Runner::with_workers`]) paces the ramp exactly as in a
//! local run; this module is its
//! [`Workers`](locusta_engine::remote::Workers): it turns each step into
//! `spawn` messages, and answers for the user counts with what workers report.
//!
//! The pieces, one idea each:
//! - `nodes`: the workers as tracked, their heartbeats, and losing one;
//! - `inbox`: reading and acting on the messages workers send;
//! - `workers`: the runner's [`Workers`](locusta_engine::remote::Workers)
//!   and the environment's messenger.
//!
//! This file holds the public [`Master`]: binding, waiting for workers, and
//! quitting them.

mod inbox;
mod nodes;
mod workers;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use locusta_engine::runner::Runner;
use locusta_engine::Environment;
use parking_lot::Mutex;
use rmpv::Value;
use tokio::sync::mpsc;

use crate::transport::{BindError, MasterSocket};
use crate::Message;

use inbox::handle;
pub(crate) use inbox::read_worker_message;
use nodes::{check_heartbeats, NodeState, Shared};
use workers::MasterMessenger;

/// How often workers beat and the master checks (Locust's `HEARTBEAT_INTERVAL`).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);
/// Missed beats before a worker is marked missing (Locust's `HEARTBEAT_LIVENESS`).
pub const HEARTBEAT_LIVENESS: i64 = 3;
/// How long [`Master::quit`] waits for workers' final reports.
const QUIT_WAIT: Duration = Duration::from_secs(5);

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
    /// runner was built with this master as its [`Workers`](locusta_engine::remote::Workers)).
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

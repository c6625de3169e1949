//! Users on other processes: the seam between the runner and distributed
//! mode. A master's [`Runner`](crate::runner::Runner) paces the ramp with the
//! same dispatcher as a local run, over the connected workers, and hands each
//! step to a [`Workers`] implementation (the cluster crate's master) instead
//! of starting users itself.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dispatch::Dispatch;

/// One worker as the master sees it (a row of the web UI's Workers tab; the
/// field names are those of Locust's `/stats/requests` `workers` list).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerInfo {
    /// The worker's node id (`<hostname>_<hex>`).
    pub id: String,
    /// `ready`, `spawning`, `running`, `stopped` or `missing`.
    pub state: String,
    /// Users the worker reported.
    pub user_count: u64,
    /// CPU use the worker reported, percent of one core.
    pub cpu_usage: f64,
    /// Resident memory the worker reported, bytes.
    pub memory_usage: u64,
}

/// The workers a master drives. Every call must return quickly (queue the
/// messages): the runner calls them from its ramp.
pub trait Workers: Send + Sync {
    /// Ids of the workers that can take users now (ready, spawning or running).
    fn active_ids(&self) -> Vec<String>;
    /// Sends each worker its absolute per-class user counts for one ramp step.
    fn dispatch(&self, step: &Dispatch);
    /// Tells the workers the ramp is complete, with the total user count.
    fn spawning_complete(&self, user_count: u64);
    /// Asks every worker to stop its users.
    fn stop(&self);
    /// Users the workers report, in total.
    fn user_count(&self) -> u64;
    /// Users the workers report, per class.
    fn user_classes_count(&self) -> BTreeMap<String, u64>;
    /// Every known worker, ordered by id.
    fn workers(&self) -> Vec<WorkerInfo>;
}

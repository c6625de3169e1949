//! [`RequestStats`] and the process-wide, sharded [`SharedStats`].

use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard, RwLock};

use crate::{ErrorEntry, ExceptionEntry, Recorder, RequestListener, StatsEntry};

/// Statistics of one test: rows per (method, name), the Aggregated total, failures.
#[derive(Debug, Clone)]
pub struct RequestStats {
    /// The Aggregated row (method "", name "Aggregated"), logged alongside each request.
    pub total: StatsEntry,
}

impl RequestStats {
    /// Empty statistics starting at `now` (epoch seconds).
    pub fn new(now: f64) -> Self {
        let _ = now;
        todo!()
    }
    /// Logs one request into its row and into Aggregated. Allocates only the first
    /// time a (method, name) is seen.
    pub fn log_request(&mut self, method: &str, name: &str, response_time_us: Option<u64>, content_length: u64, now: f64) {
        let _ = (method, name, response_time_us, content_length, now);
        todo!()
    }
    /// Logs a failure of a request already logged with [`Self::log_request`].
    pub fn log_error(&mut self, method: &str, name: &str, error: &str, now: f64) {
        let _ = (method, name, error, now);
        todo!()
    }
    /// Adds `other` into `self` (rows, total and failures).
    pub fn merge(&mut self, other: &RequestStats) {
        let _ = other;
        todo!()
    }
    /// Empties everything, keeping allocations, with a new start time.
    pub fn reset(&mut self, now: f64) {
        let _ = now;
        todo!()
    }
    /// The rows, sorted by (name, method), Aggregated excluded.
    pub fn entries(&self) -> Vec<&StatsEntry> {
        todo!()
    }
    /// The failure groups, sorted by (name, method, error).
    pub fn errors(&self) -> Vec<&ErrorEntry> {
        todo!()
    }
    /// The row of (method, name), if any request was logged for it.
    pub fn get(&self, method: &str, name: &str) -> Option<&StatsEntry> {
        let _ = (method, name);
        todo!()
    }
}

/// Process-wide statistics: per-thread shards plus the merged view.
pub struct SharedStats {
    shards: Mutex<Vec<Arc<Mutex<RequestStats>>>>,
    merged: Mutex<RequestStats>,
    exceptions: Mutex<Vec<ExceptionEntry>>,
    listeners: Arc<RwLock<Vec<RequestListener>>>,
}

impl SharedStats {
    /// New, empty statistics.
    pub fn new() -> Self {
        todo!()
    }
    /// A recorder writing into a new shard. Call once per load thread and clone the
    /// recorder for each user on that thread.
    pub fn recorder(&self) -> Recorder {
        todo!()
    }
    /// Adds a listener called for every recorded request.
    pub fn add_request_listener(&self, listener: RequestListener) {
        let _ = listener;
        todo!()
    }
    /// Merges every shard into the merged view and returns it.
    pub fn collect(&self) -> MutexGuard<'_, RequestStats> {
        todo!()
    }
    /// Clears all statistics and failures (not exceptions) with a new start time.
    pub fn reset(&self) {
        todo!()
    }
    /// Records a task exception seen on `node`.
    pub fn log_exception(&self, msg: &str, traceback: &str, node: &str) {
        let _ = (msg, traceback, node);
        todo!()
    }
    /// The task exceptions so far.
    pub fn exceptions(&self) -> Vec<ExceptionEntry> {
        todo!()
    }
    /// Clears the task exceptions.
    pub fn clear_exceptions(&self) {
        todo!()
    }
}

//! [`RequestStats`] and the process-wide, sharded [`SharedStats`].

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use hashbrown::{DefaultHashBuilder, HashTable};
use parking_lot::{Mutex, MutexGuard, RwLock};

use crate::errors::normalize_error;
use crate::{now_epoch, Checks, ErrorEntry, ExceptionEntry, Recorder, RequestListener, StatsEntry};

/// Statistics of one test: rows per (method, name), the Aggregated total, failures.
#[derive(Debug, Clone)]
pub struct RequestStats {
    /// The Aggregated row (method "", name "Aggregated"), logged alongside each request.
    pub total: StatsEntry,
    /// Rows, found by hashing (method, name) so that lookups need no owned key.
    entries: HashTable<StatsEntry>,
    /// Failure groups, found by hashing (method, name, normalised error). Groups
    /// with zero occurrences are kept by shards between collections (see
    /// [`RequestStats::drain_into`]) and hidden from [`RequestStats::errors`].
    errors: HashTable<ErrorEntry>,
    /// Checks (named assertions), by name.
    pub checks: Checks,
    hasher: DefaultHashBuilder,
}

fn entry_hash(hasher: &DefaultHashBuilder, method: &str, name: &str) -> u64 {
    hasher.hash_one((method, name))
}

fn error_hash(hasher: &DefaultHashBuilder, method: &str, name: &str, error: &str) -> u64 {
    hasher.hash_one((method, name, error))
}

impl RequestStats {
    /// Empty statistics starting at `now` (epoch seconds).
    pub fn new(now: f64) -> Self {
        Self {
            total: StatsEntry::new("", "Aggregated", now),
            entries: HashTable::new(),
            errors: HashTable::new(),
            checks: Checks::default(),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// The row of (method, name), created (starting at `start_time`) if missing.
    fn entry_mut(&mut self, method: &str, name: &str, start_time: f64) -> &mut StatsEntry {
        let hasher = &self.hasher;
        self.entries
            .entry(
                entry_hash(hasher, method, name),
                |e| e.method == method && e.name == name,
                |e| entry_hash(hasher, &e.method, &e.name),
            )
            .or_insert_with(|| StatsEntry::new(method, name, start_time))
            .into_mut()
    }

    /// The failure group of (method, name, error), created if missing.
    fn error_mut(&mut self, method: &str, name: &str, error: &str, now: f64) -> &mut ErrorEntry {
        let hasher = &self.hasher;
        self.errors
            .entry(
                error_hash(hasher, method, name, error),
                |e| e.method == method && e.name == name && e.error == error,
                |e| error_hash(hasher, &e.method, &e.name, &e.error),
            )
            .or_insert_with(|| ErrorEntry {
                method: method.to_owned(),
                name: name.to_owned(),
                error: error.to_owned(),
                occurrences: 0,
                first_seen: now,
                last_seen: now,
            })
            .into_mut()
    }

    /// Logs one request into its row and into Aggregated. Allocates only the first
    /// time a (method, name) is seen.
    pub fn log_request(
        &mut self,
        method: &str,
        name: &str,
        response_time_us: Option<u64>,
        content_length: u64,
        now: f64,
    ) {
        self.total.log(response_time_us, content_length, now);
        self.entry_mut(method, name, now)
            .log(response_time_us, content_length, now);
    }

    /// Logs a failure of a request already logged with [`Self::log_request`]
    /// (creating its row if it was not). The error text is normalised with
    /// [`crate::normalize_error`] before grouping.
    pub fn log_error(&mut self, method: &str, name: &str, error: &str, now: f64) {
        self.total.log_failure(now);
        self.entry_mut(method, name, now).log_failure(now);
        let error = normalize_error(error);
        let group = self.error_mut(method, name, &error, now);
        add_occurrences(group, 1, now, now);
    }

    /// Counts one evaluation of check `name` (see [`Checks`]).
    pub fn log_check(&mut self, name: &str, passed: bool) {
        self.checks.log(name, passed);
    }

    /// Adds `other` into `self` (rows, total, failures and checks).
    pub fn merge(&mut self, other: &RequestStats) {
        self.checks.merge(&other.checks);
        for entry in other.entries.iter() {
            self.merge_entry(entry);
        }
        self.total.merge(&other.total);
        for error in other.errors.iter() {
            self.merge_error(error);
        }
    }

    /// Adds one entry's figures to the row of the same (method, name),
    /// creating it if needed (a worker's report, for instance).
    pub fn merge_entry(&mut self, entry: &StatsEntry) {
        self.entry_mut(&entry.method, &entry.name, entry.start_time)
            .merge(entry);
    }

    /// Adds a group of failures to the group of the same (method, name, error).
    pub fn merge_error(&mut self, error: &ErrorEntry) {
        if error.occurrences == 0 {
            return;
        }
        let group = self.error_mut(&error.method, &error.name, &error.error, error.first_seen);
        add_occurrences(group, error.occurrences, error.first_seen, error.last_seen);
    }

    /// Moves everything logged here into `dst` and zeroes this side in place:
    /// rows and failure groups stay allocated, so logging them again allocates
    /// nothing. Rows and groups untouched since the previous drain are
    /// dropped instead (a name seen once, an id in a URL, is not kept twice),
    /// and the tables shrink when they are mostly empty.
    pub(crate) fn drain_into(&mut self, dst: &mut RequestStats) {
        self.entries.retain(|e| !e.is_empty());
        self.errors.retain(|e| e.occurrences > 0);
        let hasher = &self.hasher;
        if self.entries.len() * 4 < self.entries.capacity() {
            self.entries
                .shrink_to_fit(|e| entry_hash(hasher, &e.method, &e.name));
        }
        if self.errors.len() * 4 < self.errors.capacity() {
            self.errors
                .shrink_to_fit(|e| error_hash(hasher, &e.method, &e.name, &e.error));
        }
        for entry in self.entries.iter_mut() {
            dst.merge_entry(entry);
            entry.reset(entry.start_time);
        }
        if !self.total.is_empty() {
            dst.total.merge(&self.total);
            self.total.reset(self.total.start_time);
        }
        for error in self.errors.iter_mut() {
            dst.merge_error(error);
            error.occurrences = 0;
        }
        self.checks.drain_into(&mut dst.checks);
    }

    /// Empties everything, keeping allocations, with a new start time. Rows stay
    /// (with zeros), as after Locust's `reset_all`; failure groups and checks
    /// are removed.
    pub fn reset(&mut self, now: f64) {
        self.total.reset(now);
        for entry in self.entries.iter_mut() {
            entry.reset(now);
        }
        self.errors.clear();
        self.checks.clear();
    }

    /// Removes every row and failure group and resets the total (Locust's
    /// `clear_all`, used when a new test starts).
    pub fn clear(&mut self, now: f64) {
        self.total.reset(now);
        self.entries.clear();
        self.errors.clear();
        self.checks.clear();
    }

    /// The rows, sorted by (name, method), Aggregated excluded.
    pub fn entries(&self) -> Vec<&StatsEntry> {
        let mut rows: Vec<&StatsEntry> = self.entries.iter().collect();
        rows.sort_unstable_by(|a, b| (&a.name, &a.method).cmp(&(&b.name, &b.method)));
        rows
    }

    /// The failure groups, sorted by (name, method, error).
    pub fn errors(&self) -> Vec<&ErrorEntry> {
        let mut groups: Vec<&ErrorEntry> =
            self.errors.iter().filter(|e| e.occurrences > 0).collect();
        groups.sort_unstable_by(|a, b| {
            (&a.name, &a.method, &a.error).cmp(&(&b.name, &b.method, &b.error))
        });
        groups
    }

    /// The row of (method, name), if any request was logged for it.
    pub fn get(&self, method: &str, name: &str) -> Option<&StatsEntry> {
        self.entries
            .find(entry_hash(&self.hasher, method, name), |e| {
                e.method == method && e.name == name
            })
    }

    /// The global start time (Aggregated's), epoch seconds.
    pub fn start_time(&self) -> f64 {
        self.total.start_time
    }

    /// The time of the latest request anywhere, epoch seconds.
    pub fn last_request_timestamp(&self) -> Option<f64> {
        self.total.last_request_timestamp
    }

    /// All requests (Aggregated's count).
    pub fn num_requests(&self) -> u64 {
        self.total.num_requests
    }

    /// All failures (Aggregated's count).
    pub fn num_failures(&self) -> u64 {
        self.total.num_failures
    }

    /// Takes this second's response-time snapshot for current-window percentiles
    /// (see [`StatsEntry::snapshot_response_times`]): always for Aggregated, and
    /// for every row when `all_rows` (`--csv-full-history`). Call about once a
    /// second on the merged view; at most one snapshot per whole second is kept,
    /// 20 in all per entry (Locust's `CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW + 10`).
    pub fn snapshot_response_times(&mut self, now: f64, all_rows: bool) {
        self.total.snapshot_response_times(now);
        if all_rows {
            for entry in self.entries.iter_mut() {
                entry.snapshot_response_times(now);
            }
        }
    }

    /// Takes this second's response-time snapshot of one row (see
    /// [`Self::snapshot_response_times`]), so that its current-window
    /// percentiles can be read: for a chart of that row alone.
    pub fn snapshot_entry(&mut self, method: &str, name: &str, now: f64) {
        let hash = entry_hash(&self.hasher, method, name);
        if let Some(entry) = self
            .entries
            .find_mut(hash, |e| e.method == method && e.name == name)
        {
            entry.snapshot_response_times(now);
        }
    }

    /// Locust's current response-time percentile `q` (ms) of `entry` over about
    /// the last 10 s at `now`; `None` when no snapshot is found. See
    /// [`StatsEntry::current_percentile`].
    pub fn current_percentile(&self, entry: &StatsEntry, q: f64, now: f64) -> Option<f64> {
        entry.current_percentile(q, now)
    }

    /// (requests/s, failures/s) of `entry` against these statistics' global
    /// timestamps: Locust's current rates if `current`, else its total rates.
    /// Both are 0 before the first request.
    pub fn rates(&self, entry: &StatsEntry, current: bool) -> (f64, f64) {
        let Some(last) = self.last_request_timestamp() else {
            return (0.0, 0.0);
        };
        let start = self.start_time();
        if current {
            (
                entry.current_rps(last, start),
                entry.current_fail_per_sec(last, start),
            )
        } else {
            (
                entry.total_rps(last, start),
                entry.total_fail_per_sec(last, start),
            )
        }
    }
}

fn add_occurrences(group: &mut ErrorEntry, count: u64, first_seen: f64, last_seen: f64) {
    if group.occurrences == 0 {
        group.first_seen = first_seen;
        group.last_seen = last_seen;
    } else {
        group.first_seen = group.first_seen.min(first_seen);
        group.last_seen = group.last_seen.max(last_seen);
    }
    group.occurrences = group.occurrences.saturating_add(count);
}

/// Process-wide statistics: per-thread shards plus the merged view.
pub struct SharedStats {
    shards: Mutex<Vec<Arc<Mutex<RequestStats>>>>,
    merged: Mutex<RequestStats>,
    exceptions: Mutex<Vec<ExceptionEntry>>,
    listeners: Arc<RwLock<Vec<RequestListener>>>,
    has_listeners: Arc<AtomicBool>,
}

impl Default for SharedStats {
    fn default() -> Self {
        Self::new()
    }
}

impl SharedStats {
    /// New, empty statistics.
    pub fn new() -> Self {
        Self {
            shards: Mutex::new(Vec::new()),
            merged: Mutex::new(RequestStats::new(now_epoch())),
            exceptions: Mutex::new(Vec::new()),
            listeners: Arc::new(RwLock::new(Vec::new())),
            has_listeners: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A recorder writing into a new shard. Call once per load thread and clone the
    /// recorder for each user on that thread.
    pub fn recorder(&self) -> Recorder {
        let shard = Arc::new(Mutex::new(RequestStats::new(now_epoch())));
        self.shards.lock().push(Arc::clone(&shard));
        Recorder {
            shard,
            listeners: Arc::clone(&self.listeners),
            has_listeners: Arc::clone(&self.has_listeners),
        }
    }

    /// Adds a listener called for every recorded request.
    pub fn add_request_listener(&self, listener: RequestListener) {
        self.listeners.write().push(listener);
        self.has_listeners.store(true, Ordering::Release);
    }

    /// Merges every shard into the merged view and returns it. Shards are zeroed in
    /// place; shards whose recorders are all gone are dropped once merged.
    pub fn collect(&self) -> MutexGuard<'_, RequestStats> {
        let mut merged = self.merged.lock();
        let mut shards = self.shards.lock();
        for shard in shards.iter() {
            shard.lock().drain_into(&mut merged);
        }
        shards.retain(|shard| Arc::strong_count(shard) > 1);
        drop(shards);
        crate::names::check(merged.entries.len(), || {
            merged.entries.iter().map(|e| e.name.as_str()).collect()
        });
        merged
    }

    /// The start time of the statistics, epoch seconds.
    pub fn start_time(&self) -> f64 {
        self.merged.lock().start_time()
    }

    /// Clears all statistics and failures (not exceptions) with a new start time.
    /// Rows stay, with zeros (Locust's `reset_all`).
    pub fn reset(&self) {
        let now = now_epoch();
        let mut merged = self.merged.lock();
        for shard in self.shards.lock().iter() {
            shard.lock().reset(now);
        }
        merged.reset(now);
    }

    /// Removes all rows and failures (not exceptions) with a new start time
    /// (Locust's `clear_all`, for a new test).
    pub fn clear(&self) {
        let now = now_epoch();
        let mut merged = self.merged.lock();
        for shard in self.shards.lock().iter() {
            shard.lock().clear(now);
        }
        merged.clear(now);
    }

    /// Records a task exception seen on `node`, grouped by traceback text.
    pub fn log_exception(&self, msg: &str, traceback: &str, node: &str) {
        self.log_exceptions(msg, traceback, node, 1);
    }

    /// Records `count` occurrences of a task exception seen on `node` (a
    /// worker's report).
    pub fn log_exceptions(&self, msg: &str, traceback: &str, node: &str, count: u64) {
        let mut exceptions = self.exceptions.lock();
        match exceptions.iter_mut().find(|e| e.traceback == traceback) {
            Some(group) => {
                group.count = group.count.saturating_add(count);
                if !group.nodes.contains(node) {
                    group.nodes.insert(node.to_owned());
                }
            }
            None => exceptions.push(ExceptionEntry {
                count,
                msg: msg.to_owned(),
                traceback: traceback.to_owned(),
                nodes: [node.to_owned()].into_iter().collect(),
            }),
        }
    }

    /// The task exceptions so far.
    pub fn exceptions(&self) -> Vec<ExceptionEntry> {
        self.exceptions.lock().clone()
    }

    /// Clears the task exceptions.
    pub fn clear_exceptions(&self) {
        self.exceptions.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drain_keeps_rows_and_groups_in_place() {
        let mut shard = RequestStats::new(10.0);
        let mut merged = RequestStats::new(10.0);
        shard.log_request("GET", "/", Some(5_000_000), 1, 11.0);
        shard.log_error("GET", "/", "boom", 11.0);
        shard.drain_into(&mut merged);
        assert_eq!(shard.entries.len(), 1);
        assert_eq!(shard.errors.len(), 1);
        assert!(shard.errors().is_empty());
        assert!(shard.total.is_empty());
        let entry = shard.get("GET", "/").unwrap();
        assert!(entry.is_empty());
        // The histogram kept its size (it was not reallocated small).
        let high = entry.histogram().high();
        assert!(high >= 5_000_000);
        shard.log_request("GET", "/", Some(1000), 1, 12.0);
        shard.log_error("GET", "/", "boom", 12.0);
        assert_eq!(shard.errors()[0].first_seen, 12.0);
        shard.drain_into(&mut merged);
        assert_eq!(shard.get("GET", "/").unwrap().histogram().high(), high);
        assert_eq!(merged.num_requests(), 2);
        let errors = merged.errors();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (
                errors[0].occurrences,
                errors[0].first_seen,
                errors[0].last_seen
            ),
            (2, 11.0, 12.0)
        );
        // Untouched rows are skipped by later drains, and dropped.
        shard.drain_into(&mut merged);
        assert_eq!(merged.num_requests(), 2);
        assert_eq!(shard.entries.len(), 0);
        assert_eq!(shard.errors.len(), 0);
        assert_eq!(merged.get("GET", "/").unwrap().num_requests, 2);
    }
}

//! The reporting side of statistics: what a client hands over for each request.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};

use crate::RequestStats;

/// One finished request, as Locust's `request` event describes it.
#[derive(Debug, Clone, Copy)]
pub struct RequestRecord<'a> {
    /// The method, or any protocol-specific verb ("GET", "xmlrpc", …).
    pub request_type: &'a str,
    /// The statistics name (the path, or what `name` set).
    pub name: &'a str,
    /// Time until the whole response was read; `None` for an unmeasured sample.
    pub response_time: Option<Duration>,
    /// Bytes of (decoded) response body.
    pub response_length: u64,
    /// `None` on success, else the failure message that groups failures.
    pub error: Option<&'a str>,
    /// When the request started, seconds since the epoch.
    pub start_time: f64,
    /// The URL requested (empty for non-URL protocols).
    pub url: &'a str,
    /// HTTP status code; 0 for connection-level errors and other protocols.
    pub status: u16,
}

/// A listener of every request (Locust's `events.request`).
pub type RequestListener = Arc<dyn Fn(&RequestRecord<'_>) + Send + Sync>;

/// Records requests into one shard of [`crate::SharedStats`] and notifies request
/// listeners. Cheap to clone: each simulated user's client holds one.
#[derive(Clone)]
pub struct Recorder {
    pub(crate) shard: Arc<Mutex<RequestStats>>,
    pub(crate) listeners: Arc<RwLock<Vec<RequestListener>>>,
    /// Set once a listener is added: lets [`Recorder::record`] skip the listeners'
    /// lock (a cache line shared by every thread) while there are none.
    pub(crate) has_listeners: Arc<AtomicBool>,
}

impl Recorder {
    /// Counts one evaluation of check `name`: a pass when `passed`. A check
    /// never touches the request rows (k6's `check`).
    pub fn check(&self, name: &str, passed: bool) {
        self.shard.lock().log_check(name, passed);
    }

    /// Records one request: into the statistics, and to every request listener.
    pub fn record(&self, record: &RequestRecord<'_>) {
        let now = record.start_time
            + record
                .response_time
                .map(|d| d.as_secs_f64())
                .unwrap_or_default();
        {
            let mut shard = self.shard.lock();
            let micros = record.response_time.map(|d| d.as_micros() as u64);
            shard.log_request(
                record.request_type,
                record.name,
                micros,
                record.response_length,
                now,
            );
            if let Some(error) = record.error {
                shard.log_error(record.request_type, record.name, error, now);
            }
        }
        if self.has_listeners.load(Ordering::Acquire) {
            for listener in self.listeners.read().iter() {
                listener(record);
            }
        }
    }
}

//! Request statistics for locusta.
//!
//! * [`StatsEntry`]: one row of the statistics table, per (method, name), plus
//!   the "Aggregated" row. Response times go into a [`ResponseTimes`]
//!   histogram in microseconds (the buckets of an HDR histogram, ≤ 1 % relative
//!   error; a short list until a row has many distinct times, so that a name
//!   costs little); count, min, max, sum and content size are exact.
//! * [`RequestStats`]: the entries, the Aggregated total and the failures.
//! * [`SharedStats`]: the process-wide statistics. Each load thread records into
//!   its own shard (a mutex only that thread and the collector ever take), so the
//!   request hot path has no global lock; [`SharedStats::collect`] merges shards.
//! * [`Checks`]: named assertions counted as passes and fails (k6's checks).
//! * [`Recorder`]: what an HTTP client (or any custom protocol) reports into.
//! * [`console`]: Locust's console tables; [`csv`], [`json`] and [`html`]: the
//!   files a run writes, with [`time_format`] for their dates and durations.
//! * [`task_ratio`]: the task-ratio tree every output that lists it renders.

mod checks;
pub mod console;
pub mod csv;
mod entry;
mod errors;
pub mod history;
pub mod html;
pub mod json;
pub mod names;
mod recorder;
mod shared;
pub mod task_ratio;
pub mod time_format;
mod times;

pub use checks::{CheckCounts, Checks};
pub use entry::{readable_percentile, StatsEntry, PERCENTILES_TO_REPORT, PER_SECOND_WINDOW};
pub use errors::{normalize_error, ErrorEntry, ExceptionEntry};
pub use history::{HistoryPoint, StatsHistory, PERCENTILES_RECORDED, PERCENTILES_TO_CHART};
pub use recorder::{Recorder, RequestListener, RequestRecord};
pub use shared::{RequestStats, SharedStats};
pub use times::{ResponseTimes, MAX_US, SIGNIFICANT_DIGITS, SPARSE_MAX, SPARSE_MAX_TIMES};

/// Seconds since the Unix epoch, as a float (Locust's `time.time()`).
pub fn now_epoch() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

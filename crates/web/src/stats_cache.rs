//! `GET /stats/requests` answered from a body built in the background.
//!
//! With 10,000 request names the body takes tens of milliseconds of CPU to
//! build, and far longer when the users keep every core busy. So while a page
//! polls, the body is rebuilt once a second on a blocking thread, and a
//! request gets the latest one at once (Locust also caches this answer, for
//! 2 s). A new test, a stop and a reset throw the cached body away, so the
//! page never shows the numbers of a test that has ended.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use parking_lot::Mutex;

use crate::api::Shared;
use crate::stats_json;
use locusta_stats::now_epoch;

/// How often the body is rebuilt while someone polls.
const REFRESH: Duration = Duration::from_secs(1);
/// A cached body older than this is rebuilt before answering.
const MAX_AGE: Duration = Duration::from_millis(2500);
/// Nobody has asked for this long: stop rebuilding.
const IDLE_AFTER: Duration = Duration::from_secs(10);

/// The latest `/stats/requests` body and when it was last asked for.
#[derive(Default)]
pub(crate) struct StatsCache {
    body: Mutex<Option<(Instant, Bytes)>>,
    asked: Mutex<Option<Instant>>,
}

impl StatsCache {
    /// Someone polls (or is about to: the page was just loaded).
    pub(crate) fn asked(&self) {
        *self.asked.lock() = Some(Instant::now());
    }

    /// Forgets the cached body (the next request builds a new one).
    pub(crate) fn invalidate(&self) {
        *self.body.lock() = None;
    }

    fn fresh(&self) -> Option<Bytes> {
        let body = self.body.lock();
        let (built, bytes) = body.as_ref()?;
        (built.elapsed() <= MAX_AGE).then(|| bytes.clone())
    }

    fn wanted(&self) -> bool {
        self.asked
            .lock()
            .is_some_and(|asked| asked.elapsed() < IDLE_AFTER)
    }
}

/// The body for a request: the cached one, or a new one when there is none.
pub(crate) async fn body(shared: &Arc<Shared>) -> Bytes {
    shared.stats_cache.asked();
    match shared.stats_cache.fresh() {
        Some(body) => body,
        None => rebuild(shared).await,
    }
}

/// Builds the body on a blocking thread and caches it.
async fn rebuild(shared: &Arc<Shared>) -> Bytes {
    let building = shared.clone();
    let built = tokio::task::spawn_blocking(move || build(&building)).await;
    // A build cannot fail short of a panic; then build here, once.
    let body = built.unwrap_or_else(|_| build(shared));
    *shared.stats_cache.body.lock() = Some((Instant::now(), body.clone()));
    body
}

fn build(shared: &Shared) -> Bytes {
    let runner = &shared.context.runner;
    let stats = runner.environment().stats.collect();
    Bytes::from(stats_json::stats_requests(
        &stats,
        runner.state(),
        runner.user_count(),
        now_epoch(),
    ))
}

/// Rebuilds the body once a second while a page polls.
pub(crate) fn spawn_refresher(shared: Arc<Shared>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if shared.stats_cache.wanted() {
                rebuild(&shared).await;
            }
        }
    })
}

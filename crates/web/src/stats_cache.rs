//! `GET /stats/requests` answered from a body built in the background.
//!
//! With 10,000 request names the body takes tens of milliseconds of CPU to
//! build, and far longer when the users keep every core busy. So once a build
//! has been slow, and while a page polls, the body is rebuilt once a second on
//! a blocking thread, and a request gets the latest one at once (Locust caches
//! this answer too, for 2 s). While builds are quick, every request gets a
//! body built for it. A new test, a stop and a reset throw the cached body
//! away, so the page never shows the numbers of a test that has ended.
//!
//! The cache knows only the runner it reads: the server's state holds it,
//! not the other way round.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use parking_lot::Mutex;

use locusta_engine::runner::Runner;
use locusta_stats::now_epoch;

use crate::stats_json;
use crate::ThresholdsSource;

/// How often the body is rebuilt while someone polls.
const REFRESH: Duration = Duration::from_secs(1);
/// A cached body older than this is rebuilt before answering.
const MAX_AGE: Duration = Duration::from_millis(2500);
/// Nobody has asked for this long: stop rebuilding.
const IDLE_AFTER: Duration = Duration::from_secs(10);
/// A build that takes this much CPU time makes requests use the cached body
/// (CPU time, not wall time: it depends on the statistics, not on how busy
/// the machine is; 10,000 names take about 30 ms).
const SLOW_BUILD: Duration = Duration::from_millis(10);

/// The latest `/stats/requests` body and when it was last asked for.
#[derive(Default)]
pub(crate) struct StatsCache {
    /// The thresholds' live state, added to the body.
    thresholds: Option<ThresholdsSource>,
    body: Mutex<Option<(Instant, Bytes)>>,
    asked: Mutex<Option<Instant>>,
    /// The CPU time the last build took.
    last_build: Mutex<Duration>,
}

impl StatsCache {
    /// A cache whose bodies carry the thresholds' state `thresholds` gives.
    pub(crate) fn new(thresholds: Option<ThresholdsSource>) -> Self {
        Self {
            thresholds,
            ..Self::default()
        }
    }

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

    /// Someone polls and builds are slow.
    fn wanted(&self) -> bool {
        self.slow()
            && self
                .asked
                .lock()
                .is_some_and(|asked| asked.elapsed() < IDLE_AFTER)
    }

    fn slow(&self) -> bool {
        *self.last_build.lock() >= SLOW_BUILD
    }

    /// The body for a request: the cached one when builds are slow and there
    /// is one, else a new one.
    pub(crate) async fn body(self: &Arc<Self>, runner: &Arc<Runner>) -> Bytes {
        self.asked();
        match self.fresh().filter(|_| self.slow()) {
            Some(body) => body,
            None => self.rebuild(runner).await,
        }
    }

    /// Builds the body on a blocking thread and caches it.
    async fn rebuild(&self, runner: &Arc<Runner>) -> Bytes {
        let building = runner.clone();
        let thresholds = self.thresholds.clone();
        let built =
            tokio::task::spawn_blocking(move || build(&building, thresholds.as_ref())).await;
        // A build cannot fail short of a panic; then build here, once.
        let (body, cpu) = built.unwrap_or_else(|_| build(runner, self.thresholds.as_ref()));
        *self.last_build.lock() = cpu;
        *self.body.lock() = Some((Instant::now(), body.clone()));
        body
    }

    /// Rebuilds the body once a second while a page polls.
    pub(crate) fn spawn_refresher(
        self: Arc<Self>,
        runner: Arc<Runner>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REFRESH);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if self.wanted() {
                    self.rebuild(&runner).await;
                }
            }
        })
    }
}

/// The body, and the CPU time its build took.
fn build(runner: &Runner, thresholds: Option<&ThresholdsSource>) -> (Bytes, Duration) {
    let started = thread_cpu_time();
    let workers = runner.workers();
    let thresholds = thresholds.map(|source| source()).unwrap_or_default();
    let stats = runner.environment().stats.collect();
    let body = Bytes::from(stats_json::stats_requests(
        &stats,
        runner.state(),
        runner.user_count(),
        workers.as_deref(),
        &thresholds,
        &runner.environment().health.report(),
        now_epoch(),
    ));
    (body, thread_cpu_time().saturating_sub(started))
}

/// CPU time used by the calling thread.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

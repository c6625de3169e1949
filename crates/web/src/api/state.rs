//! What every handler shares: the caller's [`WebConfig`] and [`WebContext`],
//! the [`TestSession`] that starts, times and stops its tests, and the little
//! the UI remembers between requests (when each run started, the choices of
//! the last start).
//!
//! One [`Shared`] is made per server by [`Shared::new`], which also listens
//! to the runner's `test_start` and `test_stop` events: the charts' run
//! markers, [`Shared::stopped_at`] and the statistics cache follow the tests
//! whoever starts them (the form, `--autostart`, a load shape).

use std::sync::Arc;
use std::time::Instant;

use locusta_engine::session::{Mode, TestSession};
use locusta_engine::Environment;
use locusta_metrics::Exporter;
use locusta_stats::now_epoch;
use parking_lot::Mutex;

use crate::endpoints::EndpointHistory;
use crate::stats_cache::StatsCache;
use crate::{SharedShape, WebConfig, WebContext};

/// What every handler shares (behind an `Arc`, the router's state).
pub(crate) struct Shared {
    pub(crate) config: WebConfig,
    pub(crate) context: WebContext,
    /// When each test started (epoch seconds), for the charts' markers.
    pub(crate) run_starts: Arc<Mutex<Vec<f64>>>,
    /// When the last test stopped, while none runs.
    pub(crate) stopped_at: Arc<Mutex<Option<Instant>>>,
    /// The tests' control: start (users or shape), run-time timer, stop.
    pub(crate) session: Arc<TestSession>,
    /// The user count and ramp-up of the latest start, for the form.
    pub(super) last_start: Mutex<(u64, f64)>,
    /// Charts per endpoint.
    pub(super) endpoints: Mutex<EndpointHistory>,
    /// The profile label of the current test (`--profile`, or the form's).
    pub(super) profile: Mutex<Option<String>>,
    /// The classes picked for the current test (`None`: all).
    pub(super) picked_classes: Mutex<Option<Vec<String>>>,
    /// The index of the shape in use in `context.shapes` (`None`: no shape).
    pub(super) shape_in_use: Mutex<Option<usize>>,
    /// The latest `/stats/requests` body.
    pub(crate) stats_cache: Arc<StatsCache>,
    /// `GET /metrics`.
    pub(super) metrics: Arc<Exporter>,
}

/// The router's state.
pub(crate) type AppState = Arc<Shared>;

impl Shared {
    /// The state of a new server, listening to the runner's test events.
    pub(crate) fn new(config: WebConfig, context: WebContext) -> Arc<Shared> {
        let run_starts = Arc::new(Mutex::new(Vec::new()));
        let stopped_at = Arc::new(Mutex::new(None));
        let env = context.runner.environment();
        {
            let run_starts = run_starts.clone();
            let stopped_at = stopped_at.clone();
            env.events.test_start.add_listener(move |_| {
                run_starts.lock().push(now_epoch());
                *stopped_at.lock() = None;
            });
        }
        {
            let stopped_at = stopped_at.clone();
            env.events.test_stop.add_listener(move |_| {
                *stopped_at.lock() = Some(Instant::now());
            });
        }
        let stats_cache = Arc::new(StatsCache::new(context.thresholds.clone()));
        // A new test, its end and a reset make the cached statistics wrong.
        {
            let cache = stats_cache.clone();
            env.events
                .test_start
                .add_listener(move |_| cache.invalidate());
            let cache = stats_cache.clone();
            env.events
                .test_stop
                .add_listener(move |_| cache.invalidate());
        }
        let last_start = (config.users, config.spawn_rate);
        let first_shape = (!context.shapes.is_empty()).then_some(0);
        let session = TestSession::new(context.runner.clone(), Mode::Tests);
        let metrics = Arc::new(Exporter::new(
            context.runner.clone(),
            config.metrics_max_names,
        ));
        Arc::new(Shared {
            session,
            metrics,
            profile: Mutex::new(config.profile.clone()),
            config,
            context,
            run_starts,
            stopped_at,
            last_start: Mutex::new(last_start),
            endpoints: Mutex::new(EndpointHistory::default()),
            picked_classes: Mutex::new(None),
            shape_in_use: Mutex::new(first_shape),
            stats_cache,
        })
    }

    /// The runner's environment (statistics, host, options, events).
    pub(super) fn env(&self) -> &Arc<Environment> {
        self.context.runner.environment()
    }

    /// The load shape in use, if any.
    pub(super) fn shape(&self) -> Option<&(String, SharedShape)> {
        self.context.shapes.get((*self.shape_in_use.lock())?)
    }
}

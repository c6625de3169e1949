//! locusta's live web UI: Locust's HTTP endpoints (same paths, methods,
//! parameters and JSON shapes) and a single-page UI written in plain HTML, CSS
//! and JavaScript, embedded in the binary. Served by axum on the caller's tokio
//! runtime.
//!
//! The caller (the `locusta` crate) builds a [`WebContext`] (the runner, the
//! shared history, where log lines and the report's description come from) and
//! a [`WebConfig`], then calls [`serve`]. Starting, editing and stopping tests
//! goes through the engine's [`TestSession`] (mode `Tests`) over the runner;
//! the statistics are read from the environment. `GET /metrics`
//! (Prometheus) is `locusta-metrics`'s text, behind the login like every
//! other route.

mod api;
mod assets;
mod endpoints;
mod extension;
#[doc(hidden)]
pub mod fuzzing;
mod stats_cache;
mod stats_json;
mod tasks;
mod tls;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use locusta_engine::runner::Runner;
use locusta_engine::session::TestSession;
use locusta_engine::shape::LoadShape;
use locusta_stats::html::ReportMeta;
use locusta_stats::StatsHistory;
use parking_lot::Mutex;

pub use api::{StartError, StartRequest};
pub use extension::{ExtensionRequest, ExtensionResponse, WebExtension, WebPage};
pub use tasks::task_ratio_json;
pub use tls::{TlsError, TlsFiles};

/// The default of [`WebConfig::metrics_max_names`].
pub use locusta_metrics::DEFAULT_MAX_NAMES as DEFAULT_METRICS_MAX_NAMES;

/// Log lines kept for the Logs tab (Locust keeps 500).
pub const LOG_LINES_KEPT: usize = 500;

/// The most recent log lines, shared between the logger and the web UI.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<VecDeque<String>>>);

impl LogBuffer {
    /// Adds a line (without its trailing newline), dropping the oldest past
    /// [`LOG_LINES_KEPT`].
    pub fn push(&self, line: &str) {
        let mut lines = self.0.lock();
        if lines.len() >= LOG_LINES_KEPT {
            lines.pop_front();
        }
        lines.push_back(line.trim_end_matches('\n').to_string());
    }

    /// The lines kept, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().iter().cloned().collect()
    }
}

/// A username and password that protect the UI with HTTP basic auth.
#[derive(Clone)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password (never logged).
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// How the UI is served and what its start form shows first.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The address to listen on (port 0 picks a free one).
    pub bind: SocketAddr,
    /// URL prefix (`--web-base-path`), empty or starting with `/`, no trailing `/`.
    pub base_path: String,
    /// Basic-auth protection (`--web-login`), if any.
    pub login: Option<Credentials>,
    /// The script or program name shown in the UI and report file names.
    pub locustfile: String,
    /// The user count the form proposes (`-u`).
    pub users: u64,
    /// The ramp-up the form proposes (`-r`).
    pub spawn_rate: f64,
    /// The run time the form proposes (`-t`).
    pub run_time: Option<Duration>,
    /// The `--profile` label.
    pub profile: Option<String>,
    /// The `--csv-full-history` file, served at `/stats/requests_full_history/csv`.
    pub full_history_csv: Option<std::path::PathBuf>,
    /// Serve HTTPS with these files (`--tls-cert`/`--tls-key`).
    pub tls: Option<TlsFiles>,
    /// Let the start form pick the user classes (`--class-picker`).
    pub class_picker: bool,
    /// User classes that need no host (e.g. Python users without an HTTP
    /// client): a start does not ask a host for them.
    pub hostless: Vec<String>,
    /// Request names with series of their own in `GET /metrics`
    /// (`--metrics-max-names`; see `locusta-metrics`).
    pub metrics_max_names: usize,
}

/// The program's load shape, shared so that every test from the UI can run it.
pub type SharedShape = Arc<Mutex<Box<dyn LoadShape>>>;

/// The live state of the run's thresholds, for `/stats/requests` and the
/// page's banner (`docs/thresholds.md`).
pub type ThresholdsSource = Arc<dyn Fn() -> Vec<locusta_thresholds::Live> + Send + Sync>;

/// Builds the HTML report's description of the current run.
pub type ReportMetaSource = Arc<dyn Fn(&Runner) -> ReportMeta + Send + Sync>;

/// What the UI reads and drives.
#[derive(Clone)]
pub struct WebContext {
    /// The runner tests are started on.
    pub runner: Arc<Runner>,
    /// The statistics history (one point a second while a test runs), shared
    /// with the outputs that record it.
    pub history: Arc<Mutex<StatsHistory>>,
    /// Recent log lines.
    pub logs: LogBuffer,
    /// The report's description of the run.
    pub report_meta: ReportMetaSource,
    /// The program's load shapes by name, the first one in use at first:
    /// while a shape is in use, a start runs it (the form's user count and
    /// ramp-up are not used) and it cannot be edited while it runs. With
    /// `--class-picker` the form picks one, or none ("Default").
    pub shapes: Vec<(String, SharedShape)>,
    /// Routes of the program's own, and rewriting of the built-in answers
    /// (a Python locustfile's Flask app).
    pub extension: Option<Arc<dyn WebExtension>>,
    /// The run's thresholds, if it has any: their live state goes into
    /// `/stats/requests` (key `thresholds`) and the page.
    pub thresholds: Option<ThresholdsSource>,
}

/// A running web UI.
pub struct WebServer {
    addr: SocketAddr,
    shared: Arc<api::Shared>,
    task: tokio::task::JoinHandle<()>,
    sampler: tokio::task::JoinHandle<()>,
    stats_refresher: tokio::task::JoinHandle<()>,
}

impl WebServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of the UI, for the log line and tests (`display_host` replaces
    /// the listening address, e.g. `localhost` for `0.0.0.0`).
    pub fn url(&self, display_host: &str) -> String {
        format!(
            "{}://{}:{}{}/",
            if self.shared.config.tls.is_some() {
                "https"
            } else {
                "http"
            },
            display_host,
            self.addr.port(),
            self.shared.config.base_path
        )
    }

    /// Starts (or changes) a test as `POST /swarm` does, e.g. for `--autostart`.
    pub fn start(&self, request: StartRequest) -> Result<(), StartError> {
        api::control::start_test(&self.shared, request)
    }

    /// Stops the current test (its run-time timer and shape too).
    pub async fn stop_test(&self) {
        self.shared.session.stop_test().await;
    }

    /// The session the UI's tests run in (mode [`Tests`](locusta_engine::session::Mode::Tests)): its
    /// [`wait_for_end`](TestSession::wait_for_end) stops each test the runner
    /// ends by itself and returns at a signal; its
    /// [`stop`](TestSession::stop) stops the running test for a reason.
    pub fn session(&self) -> &Arc<TestSession> {
        &self.shared.session
    }

    /// When the last test ended (stopped), if it has and none runs now.
    pub fn stopped_since(&self) -> Option<std::time::Instant> {
        *self.shared.stopped_at.lock()
    }

    /// Stops serving.
    pub fn shutdown(self) {
        self.task.abort();
        self.sampler.abort();
        self.stats_refresher.abort();
    }
}

/// The web UI cannot start ([`serve`]).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The TLS files cannot be used.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The address cannot be bound.
    #[error("cannot start the web UI on {addr}: {error}")]
    Bind {
        /// The address to listen on.
        addr: SocketAddr,
        /// Why it cannot be bound.
        error: std::io::Error,
    },
    /// The bound socket cannot be used (its address cannot be read).
    #[error("cannot start the web UI: {0}")]
    Listen(std::io::Error),
}

/// Binds the address and serves the UI on the current tokio runtime (over
/// HTTPS when [`WebConfig::tls`] is set). Logs a warning when the UI is
/// reachable from other machines without a login.
pub async fn serve(config: WebConfig, context: WebContext) -> Result<WebServer, ServeError> {
    let acceptor = config.tls.as_ref().map(tls::acceptor).transpose()?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|error| ServeError::Bind {
            addr: config.bind,
            error,
        })?;
    let addr = listener.local_addr().map_err(ServeError::Listen)?;
    if config.login.is_none() && !addr.ip().is_loopback() {
        log::warn!(
            "The web UI listens on {} with no login: anyone who can reach this machine can start tests. Use --web-host 127.0.0.1 or --web-login.",
            addr.ip()
        );
    }
    // The address really bound (port 0 picks one), for the extension's requests.
    let config = WebConfig {
        bind: addr,
        ..config
    };
    let shared = api::Shared::new(config, context);
    if let Some(extension) = &shared.context.extension {
        extension.attach(extension::page_for(&shared));
    }
    let router =
        api::router(shared.clone()).into_make_service_with_connect_info::<extension::RemoteAddr>();
    let sampler = api::stats::spawn_endpoint_sampler(shared.clone());
    let stats_refresher = shared
        .stats_cache
        .clone()
        .spawn_refresher(shared.context.runner.clone());
    let task = match acceptor {
        Some(acceptor) => {
            let listener = tls::TlsListener::new(listener, acceptor).map_err(ServeError::Listen)?;
            tokio::spawn(async move {
                if let Err(error) = axum::serve(listener, router).await {
                    log::error!("web UI server stopped: {error}");
                }
            })
        }
        None => tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                log::error!("web UI server stopped: {error}");
            }
        }),
    };
    Ok(WebServer {
        addr,
        shared,
        task,
        sampler,
        stats_refresher,
    })
}

//! A script's web UI: Locust's library use with a web UI
//! (`environment.create_web_ui(host, port)` under `locusta --python
//! script.py`).
//!
//! The server is locusta's own ([`locusta_web::serve`], the one a
//! `locusta -f` run starts), run on the native module's control runtime
//! ([`control_runtime`]) in the script's process. It needs a [`Runner`] to read
//! and drive:
//!
//! * A script with a master or worker runner ([`crate::script_cluster`])
//!   already has one: the UI reads and drives it as in a `--master` run.
//! * A script with a local runner has none: its users are greenlets that the
//!   Python `LocalRunner` starts and paces itself. The UI then gets a
//!   *stand-in* runner: a master's runner ([`Runner::with_workers`]) whose
//!   only "worker" is the Python runner ([`ScriptSide`], a [`Workers`] that
//!   says it stands in, so the UI shows a local test). It becomes the
//!   process's runner, so the script's requests are counted in its
//!   statistics, the ones the UI shows and `environment.stats` reads.
//!
//! The stand-in follows the Python runner, and the UI's buttons drive it,
//! through one call the Python side makes a few times a second
//! ([`script_web_sync`], from a greenlet of `locust.web`):
//!
//! ```text
//! Python LocalRunner ──(state, users, target, users per class)──► ScriptSide ──► Runner::mirror_state
//! UI Start ──► Runner::start ──► ramp ──► ScriptSide::dispatch ──► start {n, rate, host, classes}
//!                                          ──► env.host = host; runner.start(n, rate, user_classes=classes)
//! UI Stop  ──► Runner::stop ──► ScriptSide::stop ──► stop ──► runner.stop()
//! UI per-class settings (POST /user) ──► Runner::update_user_class ──► ScriptSide ──► user {settings}
//!                                          ──► env.update_user_class(settings)
//! ```
//!
//! Nothing here waits for Python: a command waits in [`ScriptSide`] until the
//! next sync takes it. The page's Logs tab shows the script's log lines:
//! `locust.log`'s `LogReader` hands each line it keeps to [`script_web_log`].

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, OnceLock, Weak};

use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::dispatch::Dispatch;
use locusta_engine::remote::{WorkerInfo, Workers};
use locusta_engine::runner::{Runner, RunnerState};
use locusta_stats::html::ReportMeta;
use locusta_stats::StatsHistory;
use locusta_web::{Credentials, LogBuffer, TlsFiles, WebConfig, WebContext, WebServer};
use parking_lot::Mutex;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use serde::Serialize;

use crate::native::runner::control_runtime;
use crate::native::state::SHARED;
use crate::script_cluster::{environment, remote_classes, ClassWeights};

/// A start the UI asks of the script's runner: the form's user count and
/// ramp-up, the host the form set (the environment's) and the classes it
/// picked (None: every class).
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Start {
    user_count: u64,
    spawn_rate: f64,
    host: Option<String>,
    user_classes: Option<Vec<String>>,
}

/// A command of the UI for the script's runner, taken by the next sync.
#[derive(Debug, Clone, PartialEq)]
enum Command {
    /// `environment.host = host`, then `runner.start(user_count, spawn_rate, user_classes=…)`.
    Start(Start),
    /// `runner.stop()`.
    Stop,
    /// `environment.update_user_class(settings)`.
    UpdateClass(UserClassSettings),
}

impl Command {
    /// The command as the Python side takes it: a kind and its JSON.
    fn for_python(self) -> (&'static str, String) {
        // Plain data: serializing it cannot fail.
        let (kind, json) = match self {
            Command::Start(start) => ("start", serde_json::to_string(&start)),
            Command::Stop => ("stop", Ok("{}".to_string())),
            Command::UpdateClass(settings) => ("user", serde_json::to_string(&settings)),
        };
        (kind, json.unwrap_or_else(|_| "{}".to_string()))
    }
}

/// What the stand-in runner knows of the Python runner.
#[derive(Default)]
struct Mirror {
    /// The state Python last told (a new one is applied to the runner).
    state: Option<String>,
    user_count: u64,
    per_class: BTreeMap<String, u64>,
    /// Commands Python has not taken yet.
    commands: Vec<Command>,
    /// The last start handed on (a ramp's steps ask for the same one).
    last_start: Option<Start>,
}

/// The Python runner, as the one "worker" of the stand-in runner.
struct ScriptSide {
    mirror: Mutex<Mirror>,
    /// The stand-in runner (set once it is built), for the start it paces.
    runner: OnceLock<Weak<Runner>>,
}

/// The id of the one pseudo-worker (Locust's local runner's node).
const LOCAL: &str = "local";

impl Workers for ScriptSide {
    fn active_ids(&self) -> Vec<String> {
        vec![LOCAL.to_string()]
    }

    /// A step of a ramp the UI started: the Python runner is asked once for
    /// the ramp's whole target at its rate, with the host and classes of the
    /// start, and paces it itself.
    fn dispatch(&self, _step: &Dispatch) {
        let Some(runner) = self.runner.get().and_then(Weak::upgrade) else {
            return;
        };
        let start = Start {
            user_count: runner.target_user_count(),
            spawn_rate: runner.spawn_rate(),
            host: runner.environment().host(),
            user_classes: runner.picked_classes(),
        };
        let mut mirror = self.mirror.lock();
        if mirror.last_start.as_ref() != Some(&start) {
            mirror.last_start = Some(start.clone());
            mirror.commands.push(Command::Start(start));
        }
    }

    fn spawning_complete(&self, _user_count: u64) {}

    fn stop(&self) {
        let mut mirror = self.mirror.lock();
        mirror.last_start = None;
        mirror.commands.push(Command::Stop);
    }

    fn user_count(&self) -> u64 {
        self.mirror.lock().user_count
    }

    fn user_classes_count(&self) -> BTreeMap<String, u64> {
        self.mirror.lock().per_class.clone()
    }

    fn workers(&self) -> Vec<WorkerInfo> {
        Vec::new()
    }

    fn worker_logs(&self) -> BTreeMap<String, Vec<String>> {
        BTreeMap::new()
    }

    /// The UI's per-class settings: applied to the script's Python class.
    fn update_user_class(&self, settings: &UserClassSettings) {
        self.mirror
            .lock()
            .commands
            .push(Command::UpdateClass(settings.clone()));
    }

    fn set_iteration_shares(&self, _shares: BTreeMap<String, u64>) {}

    fn iterations_done(&self) -> bool {
        false
    }

    fn is_stand_in(&self) -> bool {
        true
    }
}

/// The script's web UI (one per process) and, with a local runner, the
/// stand-in's link to it.
struct ScriptWeb {
    server: Mutex<Option<WebServer>>,
    /// The lines the page's Logs tab shows.
    logs: LogBuffer,
    side: Option<Arc<ScriptSide>>,
    /// Records the charts' history (see [`record_history`]).
    recorder: tokio::task::JoinHandle<()>,
}

/// Once a second while a test runs (and once as it ends), a point of the
/// statistics history the page's charts and report draw, as a `-f` run's
/// outputs record it.
async fn record_history(runner: Arc<Runner>, history: Arc<Mutex<StatsHistory>>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.tick().await;
    let mut was_running = false;
    loop {
        tick.tick().await;
        let running = !matches!(runner.state(), RunnerState::Ready | RunnerState::Stopped);
        if running || was_running {
            let stats = runner.environment().stats.collect();
            history
                .lock()
                .record(&stats, runner.user_count(), locusta_stats::now_epoch());
        }
        was_running = running;
    }
}

static WEB: OnceLock<ScriptWeb> = OnceLock::new();

fn parse_state(state: &str) -> Option<RunnerState> {
    Some(match state {
        "ready" => RunnerState::Ready,
        "spawning" => RunnerState::Spawning,
        "running" => RunnerState::Running,
        "stopping" | "cleanup" => RunnerState::Stopping,
        "stopped" => RunnerState::Stopped,
        _ => return None,
    })
}

/// The address to listen on: `host` as Locust takes it (`""` or `*`: every
/// interface).
fn bind_address(host: &str, port: u16) -> PyResult<SocketAddr> {
    let host = match host {
        "" | "*" => "0.0.0.0",
        host => host.trim_start_matches('[').trim_end_matches(']'),
    };
    (host, port)
        .to_socket_addrs()
        .map_err(|e| PyOSError::new_err(format!("cannot start the web UI on {host}:{port}: {e}")))?
        .next()
        .ok_or_else(|| PyOSError::new_err(format!("{host} has no address")))
}

/// The runner the UI reads: the script's master's or worker's, else a new
/// stand-in for its local runner (made the process's runner).
fn runner_for_ui(
    classes: Vec<ClassWeights>,
    host: Option<String>,
    stop_timeout: f64,
) -> PyResult<(Arc<Runner>, Option<Arc<ScriptSide>>)> {
    let shared = SHARED
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("locusta is not running"))?;
    if let Some(runner) = shared.runner.get() {
        return Ok((runner.clone(), None));
    }
    let env = environment(host, stop_timeout)?;
    let side = Arc::new(ScriptSide {
        mirror: Mutex::new(Mirror::default()),
        runner: OnceLock::new(),
    });
    let runner = Runner::with_workers(env, remote_classes(classes), side.clone())
        .map_err(PyValueError::new_err)?;
    let _ = side.runner.set(Arc::downgrade(&runner));
    // From now on the script's requests count in the runner's statistics.
    let _ = shared.recorder.set(runner.environment().stats.recorder());
    shared
        .runner
        .set(runner.clone())
        .map_err(|_| PyRuntimeError::new_err("this process already has a runner"))?;
    Ok((runner, Some(side)))
}

/// Starts locusta's web UI on `host:port` (port 0: any free one) for the
/// script's test, and returns the port. `classes` are the script's user
/// classes, `login` is `user:password` for HTTP basic authentication.
#[pyfunction]
#[pyo3(signature = (classes, host, port, locustfile, web_base_path=None, login=None, tls_cert=None, tls_key=None, target_host=None, stop_timeout=0.0, class_picker=false))]
#[allow(clippy::too_many_arguments)]
fn script_web_ui(
    py: Python<'_>,
    classes: Vec<ClassWeights>,
    host: String,
    port: u16,
    locustfile: String,
    web_base_path: Option<String>,
    login: Option<String>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
    target_host: Option<String>,
    stop_timeout: f64,
    class_picker: bool,
) -> PyResult<u16> {
    if WEB.get().is_some() {
        return Err(PyRuntimeError::new_err(
            "this process already serves a web UI (one per script)",
        ));
    }
    let login = login
        .map(|login| match login.split_once(':') {
            Some((username, password)) => Ok(Credentials {
                username: username.to_string(),
                password: password.to_string(),
            }),
            None => Err(PyValueError::new_err(
                "web_login must be 'username:password'",
            )),
        })
        .transpose()?;
    let tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.into(),
            key: key.into(),
        }),
        (None, None) => None,
        _ => {
            return Err(PyValueError::new_err(
                "tls_cert and tls_key go together: give both or neither",
            ))
        }
    };
    let config = WebConfig {
        bind: bind_address(&host, port)?,
        base_path: web_base_path
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_string(),
        login,
        locustfile: locustfile.clone(),
        users: 1,
        spawn_rate: 1.0,
        run_time: None,
        profile: None,
        full_history_csv: None,
        tls,
        class_picker,
        hostless: Vec::new(),
        metrics_max_names: locusta_web::DEFAULT_METRICS_MAX_NAMES,
    };
    let (runner, side) = runner_for_ui(classes, target_host, stop_timeout)?;
    let history = Arc::new(Mutex::new(StatsHistory::default()));
    let logs = LogBuffer::default();
    let context = WebContext {
        runner: runner.clone(),
        history: history.clone(),
        logs: logs.clone(),
        report_meta: Arc::new(move |runner: &Runner| ReportMeta {
            profile: None,
            start_time: runner.environment().stats.start_time(),
            end_time: locusta_stats::now_epoch(),
            host: runner.environment().host().unwrap_or_default(),
            locustfile: locustfile.clone(),
            user_classes: Vec::new(),
            thresholds: Vec::new(),
            generator: Some(runner.environment().health.report().reason_texts()),
        }),
        shapes: Vec::new(),
        extension: Some(crate::wsgi::extension()),
        thresholds: None,
    };
    let runtime = control_runtime()?;
    let server = py
        .allow_threads(|| runtime.block_on(locusta_web::serve(config, context)))
        .map_err(|e| PyOSError::new_err(e.to_string()))?;
    let port = server.local_addr().port();
    let recorder = runtime.spawn(record_history(runner, history));
    let _ = WEB.set(ScriptWeb {
        server: Mutex::new(Some(server)),
        logs,
        side,
        recorder,
    });
    Ok(port)
}

/// Tells the stand-in runner where the script's local runner is (its state,
/// users, target and users per class) and returns the UI's commands for it
/// since the last call, each a kind and its JSON: `("start", {user_count,
/// spawn_rate, host, user_classes})`, `("stop", {})` or `("user", settings)`.
#[pyfunction]
fn script_web_sync(
    state: &str,
    user_count: u64,
    target_user_count: u64,
    per_class: BTreeMap<String, u64>,
) -> PyResult<Vec<(&'static str, String)>> {
    let Some(side) = WEB.get().and_then(|web| web.side.as_ref()) else {
        return Ok(Vec::new());
    };
    let mut mirror = side.mirror.lock();
    mirror.user_count = user_count;
    mirror.per_class = per_class;
    if mirror.state.as_deref() != Some(state) {
        // A new state of the Python runner's: the UI shows it from now on
        // (in between, the stand-in's own ramp or stop may say more).
        mirror.state = Some(state.to_string());
        if let (Some(state), Some(runner)) = (
            parse_state(state),
            side.runner.get().and_then(Weak::upgrade),
        ) {
            runner.mirror_state(state, target_user_count);
            if matches!(state, RunnerState::Stopped | RunnerState::Ready) {
                mirror.last_start = None;
            }
        }
    }
    Ok(mirror.commands.drain(..).map(Command::for_python).collect())
}

/// Adds a line to the page's Logs tab (a script's log record, formatted as
/// Locust formats them); nothing without a script's web UI.
#[pyfunction]
fn script_web_log(line: &str) {
    if let Some(web) = WEB.get() {
        web.logs.push(line);
    }
}

/// Stops serving the web UI (`web_ui.stop()`); the test goes on.
#[pyfunction]
fn script_web_stop() {
    let Some(web) = WEB.get() else { return };
    if let Some(server) = web.server.lock().take() {
        server.shutdown();
    }
    web.recorder.abort();
}

/// Adds these functions to `locusta._native`.
pub(crate) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(script_web_ui, module)?)?;
    module.add_function(wrap_pyfunction!(script_web_sync, module)?)?;
    module.add_function(wrap_pyfunction!(script_web_stop, module)?)?;
    module.add_function(wrap_pyfunction!(script_web_log, module)?)?;
    Ok(())
}

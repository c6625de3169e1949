//! The endpoints: Locust's paths, methods, parameters and answers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::options::{OptionKind, OptionValue};
use locusta_engine::runner::{Runner, RunnerState};
use locusta_engine::shape::{LoadShape, ShapeContext, ShapeTick};
use locusta_engine::timespan::parse_timespan;
use locusta_engine::Environment;
use locusta_stats::{csv, html, now_epoch, StatsHistory};
use parking_lot::Mutex;
use serde_json::{json, Value};

use crate::endpoints::{EndpointHistory, ENDPOINT_PERCENTILES};
use crate::stats_cache::{self, StatsCache};
use crate::{assets, extension, stats_json, SharedShape, WebConfig, WebContext};

/// What every handler shares.
pub(crate) struct Shared {
    pub(crate) config: WebConfig,
    pub(crate) context: WebContext,
    /// When each test started (epoch seconds), for the charts' markers.
    pub(crate) run_starts: Arc<Mutex<Vec<f64>>>,
    /// When the last test stopped, while none runs.
    pub(crate) stopped_at: Arc<Mutex<Option<Instant>>>,
    /// The `run_time` timer of the current test.
    run_timer: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The task driving the current test from the program's load shape.
    shape_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The user count and ramp-up of the latest start, for the form.
    last_start: Mutex<(u64, f64)>,
    /// Charts per endpoint.
    endpoints: Mutex<EndpointHistory>,
    /// The profile label of the current test (`--profile`, or the form's).
    profile: Mutex<Option<String>>,
    /// The classes picked for the current test (`None`: all).
    picked_classes: Mutex<Option<Vec<String>>>,
    /// The index of the shape in use in `context.shapes` (`None`: no shape).
    shape_in_use: Mutex<Option<usize>>,
    /// The latest `/stats/requests` body.
    pub(crate) stats_cache: Arc<StatsCache>,
}

impl Shared {
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
        let stats_cache = Arc::new(StatsCache::default());
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
        Arc::new(Shared {
            profile: Mutex::new(config.profile.clone()),
            config,
            context,
            run_starts,
            stopped_at,
            run_timer: Mutex::new(None),
            shape_task: Mutex::new(None),
            last_start: Mutex::new(last_start),
            endpoints: Mutex::new(EndpointHistory::default()),
            picked_classes: Mutex::new(None),
            shape_in_use: Mutex::new(first_shape),
            stats_cache,
        })
    }

    fn env(&self) -> &Arc<Environment> {
        self.context.runner.environment()
    }

    /// The load shape in use, if any.
    fn shape(&self) -> Option<&(String, SharedShape)> {
        self.context.shapes.get((*self.shape_in_use.lock())?)
    }
}

pub(crate) type AppState = Arc<Shared>;

/// Every route, under the base path, behind the login when one is set.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let routes = Router::new()
        .route("/", get(index))
        .route("/swarm", post(swarm))
        .route("/stop", get(stop).post(stop))
        .route("/stats/reset", get(reset_stats).post(reset_stats))
        .route("/stats/requests", get(stats_requests))
        .route("/stats/requests/csv", get(requests_csv))
        .route("/stats/requests_full_history/csv", get(full_history_csv))
        .route("/stats/failures/csv", get(failures_csv))
        .route("/stats/report", get(report))
        .route("/stats/history", get(history))
        .route("/stats/endpoint", get(endpoint_history))
        .route("/exceptions", get(exceptions))
        .route("/exceptions/csv", get(exceptions_csv))
        .route("/tasks", get(tasks))
        .route("/logs", get(logs))
        .route("/worker-count", get(worker_count_endpoint))
        .route("/user", post(update_user_class))
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript", assets::APP_JS) }),
        )
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css", assets::APP_CSS) }),
        )
        .route(
            "/assets/favicon.svg",
            get(|| async { asset("image/svg+xml", assets::FAVICON) }),
        );
    // An extension rewrites the built-in answers (when it has hooks) and
    // answers the other paths; both behind the login.
    let routes = match shared.context.extension {
        Some(_) => routes
            .layer(middleware::from_fn_with_state(
                shared.clone(),
                extension::after,
            ))
            .fallback(extension::route),
        None => routes,
    };
    let routes = routes
        .layer(middleware::from_fn_with_state(shared.clone(), login))
        .with_state(shared.clone());
    let base = shared.config.base_path.trim_end_matches('/').to_string();
    if base.is_empty() {
        routes
    } else {
        // "/base" and "/base/" both show the page.
        let index_shared = shared.clone();
        Router::new().nest(&base, routes).route(
            &format!("{base}/"),
            get(move |headers: HeaderMap| {
                let shared = index_shared.clone();
                async move {
                    match check_login(&shared, &headers) {
                        Some(denied) => denied,
                        None => index(State(shared)).await.into_response(),
                    }
                }
            }),
        )
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The answer to a request without valid credentials, if the login is on.
fn check_login(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let credentials = shared.config.login.as_ref()?;
    let expected = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", credentials.username, credentials.password));
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .map(str::trim);
    if given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
        return None;
    }
    Some(
        (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"locusta\", charset=\"UTF-8\""),
            )],
            "login required",
        )
            .into_response(),
    )
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn login(State(shared): State<AppState>, request: Request, next: Next) -> Response {
    match check_login(&shared, request.headers()) {
        Some(denied) => denied,
        None => next.run(request).await,
    }
}

fn error(status: StatusCode, message: impl Into<String>, host: Option<String>) -> Response {
    (
        status,
        Json(json!({"success": false, "message": message.into(), "host": host})),
    )
        .into_response()
}

async fn index(State(shared): State<AppState>) -> Response {
    // The page polls the statistics next: have them ready.
    shared.stats_cache.asked();
    let args = template_args(&shared);
    let text = serde_json::to_string(&args)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c");
    let page = page_with_base(&shared.config.base_path).replace("{{TEMPLATE_ARGS}}", &text);
    (
        [(header::CACHE_CONTROL, "no-cache")],
        axum::response::Html(page),
    )
        .into_response()
}

/// The page under `base_path`, its data still to fill in (`{{TEMPLATE_ARGS}}`).
pub(crate) fn page_with_base(base_path: &str) -> String {
    assets::INDEX_HTML.replace("{{BASE}}", &html_escape(base_path))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Locust's `window.templateArgs`, with the keys this UI uses.
pub(crate) fn template_args(shared: &Shared) -> Value {
    let runner = &shared.context.runner;
    let env = shared.env();
    let (users, spawn_rate) = *shared.last_start.lock();
    let user_classes = runner.user_classes();
    let infos = runner.user_class_infos();
    let classes: Vec<&str> = user_classes.iter().map(|c| c.name()).collect();
    let class_hosts: Vec<Option<&str>> = user_classes
        .iter()
        .filter(|c| !shared.config.hostless.iter().any(|h| h == c.name()))
        .map(|c| c.host())
        .collect();
    let host = env
        .host()
        .or_else(|| class_hosts.iter().flatten().next().map(|h| h.to_string()));
    let missing_host = env.host().is_none() && class_hosts.iter().any(Option::is_none);
    let options = env.parsed_options.read();
    let extra_options: serde_json::Map<String, Value> = env
        .custom_options
        .iter()
        .filter(|o| o.include_in_web_ui)
        .map(|o| {
            let value = options.get(&o.name).or(o.default.as_ref());
            let (kind, choices) = match &o.kind {
                OptionKind::Text => ("text", None),
                OptionKind::Integer => ("integer", None),
                OptionKind::Float => ("float", None),
                OptionKind::Flag => ("flag", None),
                OptionKind::Choice(c) => ("choice", Some(c.clone())),
                OptionKind::MultiChoice(c) => ("multi_choice", Some(c.clone())),
            };
            let default_value = match (value, o.secret) {
                (Some(_), true) => json!(""),
                (Some(OptionValue::Flag(b)), _) => json!(b),
                (Some(OptionValue::List(l)), _) => json!(l),
                (Some(v), _) => json!(v.to_string()),
                (None, _) => Value::Null,
            };
            (
                o.name.clone(),
                json!({
                    "default_value": default_value,
                    "is_secret": o.secret,
                    "has_value": value.is_some(),
                    "is_required": o.required,
                    "help_text": o.help,
                    "is_multiple": matches!(o.kind, OptionKind::MultiChoice(_)),
                    "choices": choices,
                    "kind": kind,
                }),
            )
        })
        .collect();
    let history = shared.context.history.lock();
    json!({
        "locustfile": shared.config.locustfile,
        "state": runner.state().as_str(),
        "is_distributed": runner.is_distributed(),
        "user_count": runner.user_count(),
        "version": env!("CARGO_PKG_VERSION"),
        "host": host,
        "missing_host_warning": missing_host,
        "num_users": users,
        "spawn_rate": spawn_rate,
        "worker_count": worker_count(runner),
        "stats_history_enabled": shared.config.full_history_csv.is_some(),
        "tasks": current_tasks(shared),
        "extra_options": extra_options,
        // JSON objects lose their order here: the declaration order.
        "extra_options_order": env
            .custom_options
            .iter()
            .filter(|o| o.include_in_web_ui)
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>(),
        "run_time": shared.config.run_time.map(|d| d.as_secs()),
        "show_userclass_picker": shared.config.class_picker,
        "has_shape": shared.shape().is_some(),
        "hide_common_options": shared.shape().is_some(),
        // Locust's shape choice of the class picker: "Default" runs no shape.
        "available_shape_classes": std::iter::once("Default")
            .chain(shared.context.shapes.iter().map(|(name, _)| name.as_str()))
            .collect::<Vec<_>>(),
        "shape_class": shared.shape().map_or("Default", |(name, _)| name.as_str()),
        "available_user_classes": classes,
        // Each class's settings (Locust's `User.json()`) and the tasks they may keep.
        "users": infos
            .iter()
            .map(|info| {
                (
                    info.name.clone(),
                    json!({
                        "host": info.host,
                        "weight": info.weight,
                        "fixed_count": info.fixed_count,
                        "tasks": info.tasks,
                    }),
                )
            })
            .collect::<serde_json::Map<_, _>>(),
        "available_user_tasks": infos
            .iter()
            .map(|info| (info.name.clone(), json!(info.available_tasks)))
            .collect::<serde_json::Map<_, _>>(),
        "percentiles_to_chart": locusta_stats::PERCENTILES_TO_CHART,
        // Each history row holds these, after time, users, rps and failures/s.
        "percentiles_recorded": locusta_stats::PERCENTILES_RECORDED,
        "percentiles_to_statistics": stats_json::PERCENTILES_TO_STATISTICS,
        "is_host_required": missing_host,
        "profile": shared.profile.lock().clone(),
        "base_path": shared.config.base_path,
        "history": history_json(&history, 0.0),
        "run_starts": *shared.run_starts.lock(),
    })
}

/// A start (or change) of the test, as `/swarm` receives it, validated.
#[derive(Debug, Clone, Default)]
pub struct StartRequest {
    /// Peak users.
    pub user_count: u64,
    /// Users started per second.
    pub spawn_rate: f64,
    /// A new host for every class; `None` keeps the current one.
    pub host: Option<String>,
    /// Stop the test after this long.
    pub run_time: Option<Duration>,
    /// Only these classes (`None`: all).
    pub user_classes: Option<Vec<String>>,
    /// New values of custom options.
    pub options: Vec<(String, OptionValue)>,
    /// A new profile label (for the report); `None` keeps the current one.
    pub profile: Option<String>,
    /// The shape to run, by index in the program's shapes (`Some(None)`: no
    /// shape); `None` keeps the current choice.
    pub shape: Option<Option<usize>>,
}

/// The most users `/swarm` accepts: a typo of a few zeros should not take
/// the machine's memory.
const MAX_USERS: i64 = 1_000_000;

/// Parses `/swarm`'s form into a [`StartRequest`]; the message says what is wrong.
pub(crate) fn parse_swarm(
    shared: &Shared,
    form: &[(String, String)],
) -> Result<StartRequest, String> {
    let get = |key: &str| {
        form.iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
    };
    // With the class picker the form picks the shape (or none).
    let shape = match get("shape_class").filter(|_| shared.config.class_picker) {
        None => None,
        Some("" | "Default") => Some(None),
        Some(name) => match shared.context.shapes.iter().position(|(n, _)| n == name) {
            Some(index) => Some(Some(index)),
            None => {
                let known: Vec<&str> = shared
                    .context
                    .shapes
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect();
                return Err(format!(
                    "unknown shape class '{name}' (available: Default{}{})",
                    if known.is_empty() { "" } else { ", " },
                    known.join(", ")
                ));
            }
        },
    };
    let has_shape = match shape {
        Some(choice) => choice.is_some(),
        None => shared.shape().is_some(),
    };
    let (users, rate) = match (get("user_count"), get("spawn_rate")) {
        (Some(users), Some(rate)) => (users, rate),
        // With a load shape, the shape gives the users.
        (None, None) if has_shape => ("0", "1"),
        _ => return Err("Missing user_count or spawn_rate from /swarm request".into()),
    };
    let user_count = match users.parse::<i64>() {
        Ok(n) if n > MAX_USERS => {
            return Err(format!("user_count must be at most {MAX_USERS}, got {n}"))
        }
        Ok(n) if n >= 0 => n as u64,
        Ok(n) => return Err(format!("user_count must be 0 or more, got {n}")),
        Err(_) => return Err(format!("user_count must be a whole number, got '{users}'")),
    };
    let spawn_rate = match rate.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => r,
        Ok(_) => {
            return Err(format!(
                "spawn_rate must be a number greater than 0, got {rate}"
            ))
        }
        Err(_) => return Err(format!("spawn_rate must be a number, got '{rate}'")),
    };
    let host = match get("host").filter(|h| !h.is_empty()) {
        Some(host) => match locusta_http::check_host(host) {
            Ok(()) => Some(host.trim_end_matches('/').to_string()),
            Err(error) => {
                return Err(format!(
                    "host must be a URL like http://127.0.0.1:8080: {error}"
                ))
            }
        },
        None => None,
    };
    if host.is_none() && shared.env().host().is_none() {
        if let Some(class) = shared
            .context
            .runner
            .user_classes()
            .iter()
            .filter(|c| !shared.config.hostless.iter().any(|h| h == c.name()))
            .find(|c| c.host().is_none())
        {
            return Err(format!(
                "host is required: the user class {} has no host of its own",
                class.name()
            ));
        }
    }
    let run_time = match get("run_time").filter(|t| !t.is_empty()) {
        Some(text) => Some(parse_timespan(text).map_err(|_| {
            format!("Valid run_time formats are : 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc. (got '{text}')")
        })?),
        None => None,
    };
    let user_classes = shared.context.runner.user_classes();
    let known: Vec<&str> = user_classes.iter().map(|c| c.name()).collect();
    let picked: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "user_classes")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if let Some(unknown) = picked.iter().find(|p| !known.contains(&p.as_str())) {
        return Err(format!(
            "unknown user class '{unknown}' (available: {})",
            known.join(", ")
        ));
    }
    let env = shared.env();
    let mut options = Vec::new();
    for option in &env.custom_options {
        let values: Vec<&str> = form
            .iter()
            .filter(|(k, _)| *k == option.name)
            .map(|(_, v)| v.as_str())
            .collect();
        let current = env.option(&option.name);
        if values.is_empty() || (option.secret && values.iter().all(|v| v.is_empty())) {
            // Not in the form (or a secret left blank): keep the current value.
            if option.required && current.is_none() {
                return Err(format!("{} is required", option.name));
            }
            continue;
        }
        let is_blank = values.iter().all(|v| v.trim().is_empty());
        if is_blank && !matches!(option.kind, OptionKind::Flag | OptionKind::MultiChoice(_)) {
            if option.required {
                return Err(format!("{} is required", option.name));
            }
            continue;
        }
        options.push((option.name.clone(), option.parse_values(&values)?));
    }
    Ok(StartRequest {
        user_count,
        spawn_rate,
        host,
        run_time,
        user_classes: (!picked.is_empty()).then_some(picked),
        options,
        profile: get("profile").filter(|p| !p.is_empty()).map(str::to_string),
        shape,
    })
}

/// Applies a validated start: host and options (only for a new test, or when
/// given), then the runner's start, and the run-time timer.
pub(crate) fn start_test(shared: &Arc<Shared>, request: StartRequest) -> Result<(), String> {
    let runner = &shared.context.runner;
    let env = shared.env();
    if let Some(classes) = &request.user_classes {
        for class in classes {
            if !runner.user_classes().iter().any(|c| c.name() == class) {
                return Err(format!("unknown user class '{class}'"));
            }
        }
    }
    if runner.state() == RunnerState::Stopping {
        return Err("the test is stopping: start again once it has stopped".into());
    }
    if shared.shape().is_none() {
        runner.check_user_count(request.user_count)?;
    }
    let new_test = matches!(runner.state(), RunnerState::Ready | RunnerState::Stopped);
    if !new_test && shared.shape().is_some() {
        return Err("the load shape sets the users of this test: stop it to start again".into());
    }
    if let Some(choice) = request.shape {
        if !new_test && choice != *shared.shape_in_use.lock() {
            return Err("the shape of a running test cannot change: stop it first".into());
        }
        *shared.shape_in_use.lock() = choice;
    }
    if let Some(host) = request.host {
        *env.host.write() = Some(host);
    }
    {
        let mut options = env.parsed_options.write();
        for (name, value) in request.options {
            options.insert(name, value);
        }
    }
    *shared.last_start.lock() = (request.user_count, request.spawn_rate);
    if request.profile.is_some() {
        *shared.profile.lock() = request.profile;
    }
    if new_test || request.run_time.is_some() {
        if let Some(timer) = shared.run_timer.lock().take() {
            timer.abort();
        }
    }
    match shared.shape() {
        Some((_, shape)) => {
            // The shape sets the users; a new start restarts it from zero.
            if let Some(task) = shared.shape_task.lock().take() {
                task.abort();
            }
            let runner = runner.clone();
            let shape = ShapeHandle(shape.clone());
            let stopper = shared.clone();
            *shared.shape_task.lock() = Some(tokio::spawn(async move {
                runner.run_shape(Box::new(shape)).await;
                log::info!("Shape test completed: stopping the test");
                stopper.shape_task.lock().take();
                stop_test(&stopper).await;
            }));
        }
        None => {
            // An edit without classes keeps the classes the test was started with.
            let classes = {
                let mut picked = shared.picked_classes.lock();
                if new_test || request.user_classes.is_some() {
                    picked.clone_from(&request.user_classes);
                }
                picked.clone()
            };
            runner.start(request.user_count, request.spawn_rate, classes);
        }
    }
    if let Some(limit) = request.run_time {
        log::info!("Run time limit set to {} seconds", limit.as_secs());
        let stopper = shared.clone();
        *shared.run_timer.lock() = Some(tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            log::info!("Time limit reached. Stopping the test.");
            stopper.run_timer.lock().take();
            stop_test(&stopper).await;
        }));
    }
    Ok(())
}

/// Drives the runner from the program's shared load shape.
struct ShapeHandle(crate::SharedShape);

impl LoadShape for ShapeHandle {
    fn tick(&mut self, context: &ShapeContext) -> Option<ShapeTick> {
        self.0.lock().tick(context)
    }
}

/// Stops the current test: its run-time timer, its shape, then its users.
pub(crate) async fn stop_test(shared: &Shared) {
    if let Some(timer) = shared.run_timer.lock().take() {
        timer.abort();
    }
    if let Some(task) = shared.shape_task.lock().take() {
        task.abort();
    }
    shared.context.runner.stop().await;
}

/// `POST /user`: new settings of one user class (Locust's per-class settings
/// dialog): a JSON object with `user_class_name` and the values to change.
pub(crate) async fn update_user_class(
    State(shared): State<AppState>,
    body: axum::body::Bytes,
) -> Response {
    let host = shared.env().host();
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value @ Value::Object(_)) => value,
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "the body must be a JSON object with a user_class_name",
                host,
            )
        }
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("malformed JSON: {e}"),
                host,
            )
        }
    };
    let settings = match UserClassSettings::from_json(value) {
        Ok(mut list) => list.remove(0),
        Err(message) => return error(StatusCode::BAD_REQUEST, message, host),
    };
    // A Python class is changed on the Python thread: wait for it off the runtime.
    let runner = shared.context.runner.clone();
    let applied = tokio::task::spawn_blocking(move || runner.update_user_class(&settings)).await;
    match applied {
        Ok(Ok(())) => (StatusCode::CREATED, Json(json!({}))).into_response(),
        Ok(Err(message)) => error(StatusCode::BAD_REQUEST, message, host),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), host),
    }
}

async fn swarm(State(shared): State<AppState>, body: axum::body::Bytes) -> Response {
    let host = shared.env().host();
    let form: Vec<(String, String)> = match serde_urlencoded::from_bytes(&body) {
        Ok(form) => form,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("malformed form: {e}"),
                host,
            )
        }
    };
    let request = match parse_swarm(&shared, &form) {
        Ok(request) => request,
        Err(message) => return error(StatusCode::BAD_REQUEST, message, host),
    };
    let run_time = request.run_time;
    let classes = request.user_classes.clone();
    if let Err(message) = start_test(&shared, request) {
        return error(StatusCode::BAD_REQUEST, message, host);
    }
    let message = if shared.shape().is_some() {
        "Swarming started using the load shape"
    } else {
        "Swarming started"
    };
    let mut answer = json!({
        "success": true,
        "message": message,
        "host": shared.env().host(),
    });
    if let Some(run_time) = run_time {
        answer["run_time"] = json!(run_time.as_secs());
    }
    if let Some(classes) = classes {
        answer["user_classes"] = json!(classes);
    }
    Json(answer).into_response()
}

async fn stop(State(shared): State<AppState>) -> Response {
    let runner = shared.context.runner.clone();
    let stopping = shared.clone();
    tokio::spawn(async move { stop_test(&stopping).await });
    // Answer once the stop has begun, so that a start sent after this answer
    // sees it (users finish stopping in the background).
    for _ in 0..200 {
        if !matches!(runner.state(), RunnerState::Spawning | RunnerState::Running) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Json(json!({"success": true, "message": "Test stopped"})).into_response()
}

async fn reset_stats(State(shared): State<AppState>) -> Response {
    let env = shared.env();
    env.events.reset_stats.fire(&());
    env.stats.reset();
    env.stats.clear_exceptions();
    shared.stats_cache.invalidate();
    "ok".into_response()
}

async fn stats_requests(State(shared): State<AppState>) -> Response {
    let body = stats_cache::body(&shared).await;
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A CSV (or HTML) download named `{stem}_{epoch seconds}.{ext}`.
fn attachment(content_type: &'static str, stem: &str, ext: &str, body: String) -> Response {
    let disposition = format!(
        "attachment;filename={stem}_{}.{ext}",
        now_epoch().floor() as i64
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

async fn requests_csv(State(shared): State<AppState>) -> Response {
    let body = csv::stats_csv(&shared.env().stats.collect());
    attachment("text/csv", "requests", "csv", body)
}

async fn failures_csv(State(shared): State<AppState>) -> Response {
    let body = csv::failures_csv(&shared.env().stats.collect());
    attachment("text/csv", "failures", "csv", body)
}

async fn exceptions_csv(State(shared): State<AppState>) -> Response {
    let body = csv::exceptions_csv(&shared.env().stats.exceptions());
    attachment("text/csv", "exceptions", "csv", body)
}

async fn full_history_csv(State(shared): State<AppState>) -> Response {
    let Some(path) = &shared.config.full_history_csv else {
        return (
            StatusCode::NOT_FOUND,
            "Error: Server was not started with option to generate full history.",
        )
            .into_response();
    };
    match std::fs::read_to_string(path) {
        Ok(body) => attachment("text/csv", "requests_full_history", "csv", body),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read {}: {e}", path.display()),
        )
            .into_response(),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct ReportQuery {
    download: Option<String>,
    theme: Option<String>,
}

/// The report in the UI's dark theme: its colours, overridden after its own
/// style sheet (`?theme=dark`).
const REPORT_DARK_CSS: &str = "<style>\
:root{--bg:#0e1318;--card:#161d25;--text:#e5e9ee;--muted:#97a3b3;--line:#29333f;--zebra:#1b232d;--accent:#22c55e;--bad:#f87171}\
th,tr.total td,.ratio .class-row td{background:#1b232d}\
tbody tr:hover{background:#1f2935}\
.legend{color:#cbd5e1}\
.plot .grid{stroke:#26303b}.plot .frame{fill:#131a21;stroke:#29333f}\
.plot .tick{fill:#97a3b3}.plot .axis-title{fill:#cbd5e1}.plot .marker{stroke:#161d25}\
.bar{background:#29333f}\
</style>\n</head>";

pub(crate) async fn report(
    State(shared): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Response {
    let runner = &shared.context.runner;
    let mut meta = (shared.context.report_meta)(runner);
    meta.profile = shared.profile.lock().clone();
    let run_start = shared.run_starts.lock().last().copied().unwrap_or(0.0);
    let history = StatsHistory {
        points: shared
            .context
            .history
            .lock()
            .points
            .iter()
            .filter(|p| p.time >= run_start)
            .cloned()
            .collect(),
    };
    let exceptions = shared.env().stats.exceptions();
    let mut page = html::render_report(&shared.env().stats.collect(), &exceptions, &history, &meta);
    if query.theme.as_deref() == Some("dark") {
        page = page.replacen("</head>", REPORT_DARK_CSS, 1);
    }
    if query.download.is_some_and(|d| !d.is_empty() && d != "0") {
        let name: String = format!("locusta_{}_{}", shared.config.locustfile, meta.host)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        return attachment("text/html; charset=utf-8", &name, "html", page);
    }
    axum::response::Html(page).into_response()
}

#[derive(serde::Deserialize)]
pub(crate) struct HistoryQuery {
    since: Option<f64>,
}

/// The history points as the charts read them: `[time, users, rps,
/// fail/s, then one value per recorded percentile]` rows, only those after
/// `since`.
fn history_json(history: &StatsHistory, since: f64) -> Value {
    let points: Vec<Value> = history
        .points
        .iter()
        .filter(|p| p.time > since)
        .map(|p| {
            let mut row = vec![
                json!(p.time),
                json!(p.user_count),
                json!(round2(p.current_rps)),
                json!(round2(p.current_fail_per_sec)),
            ];
            row.extend(
                p.response_time_percentiles
                    .iter()
                    .map(|(_, ms)| json!(round2(*ms))),
            );
            Value::Array(row)
        })
        .collect();
    Value::Array(points)
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Not in Locust: the history after `since` (epoch seconds) and where each
/// run started, so that the charts survive a reload and stay in step with
/// the server.
pub(crate) async fn history(
    State(shared): State<AppState>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    let points = history_json(&shared.context.history.lock(), query.since.unwrap_or(0.0));
    Json(json!({
        "points": points,
        "run_starts": *shared.run_starts.lock(),
    }))
    .into_response()
}

/// Records the watched endpoints once a second while a test runs.
pub(crate) fn spawn_endpoint_sampler(shared: Arc<Shared>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let runner = &shared.context.runner;
            if matches!(runner.state(), RunnerState::Ready | RunnerState::Stopped)
                || shared.endpoints.lock().is_empty()
            {
                continue;
            }
            let mut stats = shared.env().stats.collect();
            shared.endpoints.lock().sample(&mut stats);
        }
    })
}

#[derive(serde::Deserialize)]
pub(crate) struct EndpointQuery {
    method: String,
    name: String,
    since: Option<f64>,
}

/// Not in Locust: the history of one endpoint (recorded from the first call
/// on): `{"points": [[time, rps, failures/s, p50, p95, p99], …], "percentiles",
/// "run_starts"}`; 404 for a name the statistics do not have.
pub(crate) async fn endpoint_history(
    State(shared): State<AppState>,
    Query(query): Query<EndpointQuery>,
) -> Response {
    let points = {
        let stats = shared.env().stats.collect();
        shared.endpoints.lock().points(
            &stats,
            &query.method,
            &query.name,
            query.since.unwrap_or(0.0),
        )
    };
    match points {
        Some(points) => Json(json!({
            "method": query.method,
            "name": query.name,
            "percentiles": ENDPOINT_PERCENTILES,
            "points": points,
            "run_starts": *shared.run_starts.lock(),
        }))
        .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": format!("no statistics for {} {}", query.method, query.name)})),
        )
            .into_response(),
    }
}

async fn exceptions(State(shared): State<AppState>) -> Response {
    let list: Vec<Value> = shared
        .env()
        .stats
        .exceptions()
        .iter()
        .map(|e| {
            let nodes: Vec<&str> = e.nodes.iter().map(String::as_str).collect();
            json!({"count": e.count, "msg": e.msg, "traceback": e.traceback, "nodes": nodes.join(", ")})
        })
        .collect();
    Json(json!({ "exceptions": list })).into_response()
}

fn current_tasks(shared: &Shared) -> Value {
    let runner = &shared.context.runner;
    crate::task_ratio_json(&runner.user_classes(), &runner.user_classes_count())
}

async fn tasks(State(shared): State<AppState>) -> Response {
    Json(current_tasks(&shared)).into_response()
}

async fn logs(State(shared): State<AppState>) -> Response {
    let workers = shared.context.runner.worker_logs();
    Json(json!({"master": shared.context.logs.lines(), "workers": workers})).into_response()
}

/// Workers that can take users (0 when not a master).
fn worker_count(runner: &Runner) -> usize {
    runner
        .workers()
        .map_or(0, |workers| stats_json::active_worker_count(&workers))
}

async fn worker_count_endpoint(State(shared): State<AppState>) -> Response {
    Json(json!({"worker_count": worker_count(&shared.context.runner)})).into_response()
}

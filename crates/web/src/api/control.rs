//! The routes that drive the test: `POST /swarm` (start, or change the
//! running test), `/stop`, `/stats/reset` and `POST /user` (one user
//! class's settings).
//!
//! A start goes in two steps, so that nothing changes unless everything is
//! right: [`parse_swarm`] checks the whole form against the runner (user
//! count, ramp-up, host, run time, classes, shape, custom options) and gives
//! a [`StartRequest`] or one message saying what is wrong; [`start_test`]
//! then applies it (host and options, then the engine's
//! [`TestSession`](locusta_engine::session::TestSession): users or the
//! shape, and the run-time timer). `--autostart` and the `locusta` crate use
//! [`start_test`] too, through [`crate::WebServer::start`].
//!
//! Refusals answer status 400 with Locust's JSON (`success: false`, a
//! `message`, the `host`), see [`error`].

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use locusta_engine::budget::TooManyUsers;
use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::options::{OptionError, OptionKind, OptionValue};
use locusta_engine::runner::RunnerState;
use locusta_engine::session::Load;
use locusta_engine::shape::{LoadShape, ShapeContext, ShapeTick};
use locusta_engine::timespan::parse_timespan;
use serde_json::{json, Value};

use super::state::{AppState, Shared};

/// A refusal: `{"success": false, "message", "host"}` with `status`.
fn error(status: StatusCode, message: impl Into<String>, host: Option<String>) -> Response {
    (
        status,
        Json(json!({"success": false, "message": message.into(), "host": host})),
    )
        .into_response()
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

/// A `/swarm` form that cannot start a test ([`parse_swarm`]); the message
/// says what is wrong.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SwarmError {
    /// A shape class the program does not have.
    #[error("unknown shape class '{name}' (available: Default{})", others(.known))]
    UnknownShape {
        /// The class named.
        name: String,
        /// The program's shape classes.
        known: Vec<String>,
    },
    /// No user count or ramp-up, and no shape to give them.
    #[error("Missing user_count or spawn_rate from /swarm request")]
    MissingCounts,
    /// More users than [`MAX_USERS`].
    #[error("user_count must be at most {MAX_USERS}, got {0}")]
    TooManyUsers(i64),
    /// A negative user count.
    #[error("user_count must be 0 or more, got {0}")]
    NegativeUsers(i64),
    /// A user count that is not a whole number (the text given).
    #[error("user_count must be a whole number, got '{0}'")]
    UsersNotANumber(String),
    /// A ramp-up that is not a number greater than 0 (the text given).
    #[error("spawn_rate must be a number greater than 0, got {0}")]
    RateNotPositive(String),
    /// A ramp-up that is not a number (the text given).
    #[error("spawn_rate must be a number, got '{0}'")]
    RateNotANumber(String),
    /// A host that is not a URL.
    #[error("host must be a URL like http://127.0.0.1:8080: {0}")]
    BadHost(locusta_http::HttpError),
    /// No host given, and a user class that has none of its own (its name).
    #[error("host is required: the user class {0} has no host of its own")]
    HostRequired(String),
    /// A run time that is not a time span (the text given).
    #[error("Valid run_time formats are : 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc. (got '{0}')")]
    BadRunTime(String),
    /// A user class the runner does not have.
    #[error("unknown user class '{name}' (available: {})", .known.join(", "))]
    UnknownClass {
        /// The class named.
        name: String,
        /// The runner's user classes.
        known: Vec<String>,
    },
    /// A required custom option left out or blank (its name).
    #[error("{0} is required")]
    OptionRequired(String),
    /// A custom option whose value cannot be read.
    #[error(transparent)]
    Option(#[from] OptionError),
}

/// `, A, B` for shape classes A and B (after `Default`), nothing for none.
fn others(known: &[String]) -> String {
    known.iter().map(|name| format!(", {name}")).collect()
}

/// Parses `/swarm`'s form into a [`StartRequest`]; the message says what is wrong.
pub(crate) fn parse_swarm(
    shared: &Shared,
    form: &[(String, String)],
) -> Result<StartRequest, SwarmError> {
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
                return Err(SwarmError::UnknownShape {
                    name: name.to_string(),
                    known: shared
                        .context
                        .shapes
                        .iter()
                        .map(|(n, _)| n.clone())
                        .collect(),
                });
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
        _ => return Err(SwarmError::MissingCounts),
    };
    let user_count = match users.parse::<i64>() {
        Ok(n) if n > MAX_USERS => return Err(SwarmError::TooManyUsers(n)),
        Ok(n) if n >= 0 => n as u64,
        Ok(n) => return Err(SwarmError::NegativeUsers(n)),
        Err(_) => return Err(SwarmError::UsersNotANumber(users.to_string())),
    };
    let spawn_rate = match rate.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => r,
        Ok(_) => return Err(SwarmError::RateNotPositive(rate.to_string())),
        Err(_) => return Err(SwarmError::RateNotANumber(rate.to_string())),
    };
    let host = match get("host").filter(|h| !h.is_empty()) {
        Some(host) => match locusta_http::check_host(host) {
            Ok(()) => Some(host.trim_end_matches('/').to_string()),
            Err(error) => return Err(SwarmError::BadHost(error)),
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
            return Err(SwarmError::HostRequired(class.name().to_string()));
        }
    }
    let run_time = match get("run_time").filter(|t| !t.is_empty()) {
        Some(text) => {
            Some(parse_timespan(text).map_err(|_| SwarmError::BadRunTime(text.to_string()))?)
        }
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
        return Err(SwarmError::UnknownClass {
            name: unknown.clone(),
            known: known.iter().map(|name| name.to_string()).collect(),
        });
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
                return Err(SwarmError::OptionRequired(option.name.clone()));
            }
            continue;
        }
        let is_blank = values.iter().all(|v| v.trim().is_empty());
        if is_blank && !matches!(option.kind, OptionKind::Flag | OptionKind::MultiChoice(_)) {
            if option.required {
                return Err(SwarmError::OptionRequired(option.name.clone()));
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

/// A validated start that cannot be applied now ([`start_test`],
/// [`crate::WebServer::start`]).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A user class the runner does not have.
    #[error("unknown user class '{0}'")]
    UnknownClass(String),
    /// The previous test is still stopping.
    #[error("the test is stopping: start again once it has stopped")]
    Stopping,
    /// More users than this machine's memory allows.
    #[error(transparent)]
    TooManyUsers(#[from] TooManyUsers),
    /// A change of users while a load shape drives the test.
    #[error("the load shape sets the users of this test: stop it to start again")]
    ShapeSetsUsers,
    /// Another shape picked while a test runs.
    #[error("the shape of a running test cannot change: stop it first")]
    ShapeChange,
}

/// Applies a validated start: host and options (only for a new test, or when
/// given), then the test session's start (users or the shape, and the
/// run-time timer).
pub(crate) fn start_test(shared: &Arc<Shared>, request: StartRequest) -> Result<(), StartError> {
    let runner = &shared.context.runner;
    let env = shared.env();
    if let Some(classes) = &request.user_classes {
        for class in classes {
            if !runner.user_classes().iter().any(|c| c.name() == class) {
                return Err(StartError::UnknownClass(class.clone()));
            }
        }
    }
    if runner.state() == RunnerState::Stopping {
        return Err(StartError::Stopping);
    }
    if shared.shape().is_none() {
        runner.check_user_count(request.user_count)?;
    }
    let new_test = matches!(runner.state(), RunnerState::Ready | RunnerState::Stopped);
    if !new_test && shared.shape().is_some() {
        return Err(StartError::ShapeSetsUsers);
    }
    if let Some(choice) = request.shape {
        if !new_test && choice != *shared.shape_in_use.lock() {
            return Err(StartError::ShapeChange);
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
    let load = match shared.shape() {
        // The shape sets the users; a new start restarts it from zero.
        Some((_, shape)) => Load::Shape(Box::new(ShapeHandle(shape.clone()))),
        None => {
            // An edit without classes keeps the classes the test was started with.
            let classes = {
                let mut picked = shared.picked_classes.lock();
                if new_test || request.user_classes.is_some() {
                    picked.clone_from(&request.user_classes);
                }
                picked.clone()
            };
            Load::Users {
                count: request.user_count,
                spawn_rate: request.spawn_rate,
                classes,
            }
        }
    };
    shared.session.start(load, request.run_time);
    Ok(())
}

/// Drives the runner from the program's shared load shape.
struct ShapeHandle(crate::SharedShape);

impl LoadShape for ShapeHandle {
    fn tick(&mut self, context: &ShapeContext) -> Option<ShapeTick> {
        self.0.lock().tick(context)
    }
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
        Err(refusal) => return error(StatusCode::BAD_REQUEST, refusal.to_string(), host),
    };
    // A Python class is changed on the Python thread: wait for it off the runtime.
    let runner = shared.context.runner.clone();
    let applied = tokio::task::spawn_blocking(move || runner.update_user_class(&settings)).await;
    match applied {
        Ok(Ok(())) => (StatusCode::CREATED, Json(json!({}))).into_response(),
        Ok(Err(refusal)) => error(StatusCode::BAD_REQUEST, refusal.to_string(), host),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), host),
    }
}

/// `POST /swarm`: a form with `user_count`, `spawn_rate`, `host`,
/// `run_time`, `profile`, `user_classes`, `shape_class` and the custom
/// options; starts a test, or changes the running one.
pub(super) async fn swarm(State(shared): State<AppState>, body: axum::body::Bytes) -> Response {
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
        Err(refusal) => return error(StatusCode::BAD_REQUEST, refusal.to_string(), host),
    };
    let run_time = request.run_time;
    let classes = request.user_classes.clone();
    if let Err(refusal) = start_test(&shared, request) {
        return error(StatusCode::BAD_REQUEST, refusal.to_string(), host);
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

/// `GET`/`POST /stop`.
pub(super) async fn stop(State(shared): State<AppState>) -> Response {
    let runner = shared.context.runner.clone();
    let stopping = shared.clone();
    tokio::spawn(async move { stopping.session.stop_test().await });
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

/// `GET`/`POST /stats/reset`: the statistics and exceptions start again.
pub(super) async fn reset_stats(State(shared): State<AppState>) -> Response {
    let env = shared.env();
    env.events.reset_stats.fire(&());
    env.stats.reset();
    env.stats.clear_exceptions();
    shared.stats_cache.invalidate();
    "ok".into_response()
}

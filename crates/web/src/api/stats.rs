//! The routes the page polls: the statistics table, the charts' history
//! (all requests, and one request on demand), the exceptions, the task
//! ratio and the worker count.
//!
//! * `GET /stats/requests`: Locust's JSON, built by [`crate::stats_json`]
//!   and served from [`crate::stats_cache`] when builds are slow.
//! * `GET /stats/history?since=`: not in Locust; the history rows after
//!   `since`, and where each run started, so that the charts survive a
//!   reload and stay in step with the server.
//! * `GET /stats/endpoint?method=&name=&since=`: not in Locust; one
//!   request's chart, recorded by [`crate::endpoints`] once asked for (the
//!   sampler that records it is [`spawn_endpoint_sampler`]).
//! * `GET /exceptions`, `GET /tasks`, `GET /worker-count`: Locust's.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use locusta_engine::runner::{Runner, RunnerState};
use locusta_stats::StatsHistory;
use serde_json::{json, Value};

use super::state::{AppState, Shared};
use crate::endpoints::ENDPOINT_PERCENTILES;
use crate::stats_json;

/// `GET /stats/requests`.
pub(super) async fn stats_requests(State(shared): State<AppState>) -> Response {
    let body = shared.stats_cache.body(&shared.context.runner).await;
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[derive(serde::Deserialize)]
pub(crate) struct HistoryQuery {
    since: Option<f64>,
}

/// The history points as the charts read them: `[time, users, rps,
/// fail/s, then one value per recorded percentile]` rows, only those after
/// `since`.
pub(super) fn history_json(history: &StatsHistory, since: f64) -> Value {
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

/// `GET /stats/history`: the history after `since` (epoch seconds) and
/// where each run started.
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

/// `GET /stats/endpoint`: the history of one endpoint (recorded from the
/// first call on): `{"points": [[time, rps, failures/s, p50, p95, p99], …],
/// "percentiles", "run_starts"}`; 404 for a name the statistics do not have.
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

/// `GET /exceptions`: each exception with its count, traceback and nodes.
pub(super) async fn exceptions(State(shared): State<AppState>) -> Response {
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

/// The task ratio tree of the classes, with the shares of the users running now.
pub(super) fn current_tasks(shared: &Shared) -> Value {
    let runner = &shared.context.runner;
    crate::task_ratio_json(&runner.user_classes(), &runner.user_classes_count())
}

/// `GET /tasks`.
pub(super) async fn tasks(State(shared): State<AppState>) -> Response {
    Json(current_tasks(&shared)).into_response()
}

/// Workers that can take users (0 when not a master).
pub(super) fn worker_count(runner: &Runner) -> usize {
    runner
        .workers()
        .map_or(0, |workers| stats_json::active_worker_count(&workers))
}

/// `GET /worker-count`.
pub(super) async fn worker_count_endpoint(State(shared): State<AppState>) -> Response {
    Json(json!({"worker_count": worker_count(&shared.context.runner)})).into_response()
}

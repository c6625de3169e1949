//! The endpoints: Locust's paths, methods, parameters and answers, and the
//! page's files.
//!
//! [`router`] puts every route under the base path and behind the login.
//! The handlers are grouped by what they are about:
//!
//! * [`state`]: what they all share ([`Shared`]);
//! * [`auth`]: the basic-auth login in front of everything;
//! * [`page`]: `GET /` and the page's data ([`page::TemplateArgs`]);
//! * [`control`]: starting, changing, stopping and resetting tests, and the
//!   user classes' settings;
//! * [`stats`]: what the page polls (statistics, charts, exceptions, task
//!   ratio, workers);
//! * [`downloads`]: the CSV files, the report and the logs;
//! * `GET /metrics`: Prometheus's text, from `locusta-metrics`.
//!
//! The page's script, style sheet and icon are served from the table of
//! [`crate::assets`].

mod auth;
pub(crate) mod control;
pub(crate) mod downloads;
pub(crate) mod page;
mod state;
pub(crate) mod stats;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub use control::{StartError, StartRequest};
pub(crate) use state::{AppState, Shared};

use crate::{assets, extension};

/// Every route, under the base path, behind the login when one is set.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut routes = Router::new()
        .route("/", get(page::index))
        .route("/swarm", post(control::swarm))
        .route("/stop", get(control::stop).post(control::stop))
        .route(
            "/stats/reset",
            get(control::reset_stats).post(control::reset_stats),
        )
        .route("/stats/requests", get(stats::stats_requests))
        .route("/stats/requests/csv", get(downloads::requests_csv))
        .route(
            "/stats/requests_full_history/csv",
            get(downloads::full_history_csv),
        )
        .route("/stats/failures/csv", get(downloads::failures_csv))
        .route("/stats/report", get(downloads::report))
        .route("/stats/history", get(stats::history))
        .route("/stats/endpoint", get(stats::endpoint_history))
        .route("/exceptions", get(stats::exceptions))
        .route("/exceptions/csv", get(downloads::exceptions_csv))
        .route("/tasks", get(stats::tasks))
        .route("/logs", get(downloads::logs))
        .route("/worker-count", get(stats::worker_count_endpoint))
        .route(
            "/metrics",
            get(|State(shared): State<AppState>| locusta_metrics::answer(shared.metrics.clone())),
        )
        .route("/user", post(control::update_user_class));
    for asset in assets::ASSETS {
        routes = routes.route(
            &format!("/assets/{}", asset.path),
            get(move || async move { serve_asset(asset) }),
        );
    }
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
        .layer(middleware::from_fn_with_state(shared.clone(), auth::login))
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
                    match auth::check_login(&shared, &headers) {
                        Some(denied) => denied,
                        None => page::index(State(shared)).await.into_response(),
                    }
                }
            }),
        )
    }
}

/// One of the page's files, revalidated on every load (`no-cache`): a new
/// build's files replace the old ones at once.
fn serve_asset(asset: &'static assets::Asset) -> Response {
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        asset.body,
    )
        .into_response()
}

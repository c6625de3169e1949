//! The `--metrics-port` server: `GET /metrics` and nothing else, on the
//! caller's tokio runtime, for runs without the web UI (headless, master,
//! worker). No login: it exposes only what the metrics say, never controls
//! the test; bind it to a private address (`--metrics-host`) when the
//! request names must not be seen by others.
//!
//! The text is rendered on a blocking thread, so a scrape with thousands of
//! names never holds up the runtime's other tasks.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::{Exporter, CONTENT_TYPE};

/// A running metrics server; it serves until [`MetricsServer::shutdown`]
/// or the end of the runtime.
pub struct MetricsServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl MetricsServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving.
    pub fn shutdown(self) {
        self.task.abort();
    }
}

/// The metrics server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address cannot be bound.
    #[error("cannot serve metrics on {addr}: {error}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why it cannot be bound.
        error: std::io::Error,
    },
}

/// The answer to `GET /metrics`: the text, rendered off the async threads.
pub async fn answer(exporter: Arc<Exporter>) -> Response {
    match tokio::task::spawn_blocking(move || exporter.render()).await {
        Ok(body) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("rendering the metrics failed: {error}"),
        )
            .into_response(),
    }
}

/// Binds `addr` (port 0 picks a free one) and serves `GET /metrics`.
pub async fn serve(addr: SocketAddr, exporter: Arc<Exporter>) -> Result<MetricsServer, ServeError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|error| ServeError::Bind { addr, error })?;
    let addr = listener
        .local_addr()
        .map_err(|error| ServeError::Bind { addr, error })?;
    let router = Router::new().route("/metrics", get(move || answer(exporter.clone())));
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            log::error!("metrics server stopped: {error}");
        }
    });
    Ok(MetricsServer { addr, task })
}

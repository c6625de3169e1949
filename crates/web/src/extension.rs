//! The seam through which a program extends the UI with routes of its own
//! (Locust's `web_ui.app`: a Python locustfile's Flask app, served by the
//! `locusta-python` crate). This crate knows nothing of Python: a
//! [`WebExtension`] answers the requests no built-in route takes, and may
//! rewrite the answers of the built-in routes (Flask's `after_request`).
//!
//! Both run on a blocking thread (never on the runtime), behind the login of
//! `--web-login` like every other route.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};

use axum::body::Body;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::api::{self, AppState, Shared};

/// The largest request body an extension route receives.
const MAX_BODY: usize = 16 << 20;

/// A request for an extension, as a WSGI server would see it.
#[derive(Debug, Clone)]
pub struct ExtensionRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path below the base path (`--web-base-path`), starting with `/`,
    /// still percent-encoded.
    pub path: String,
    /// The base path the UI is served under (empty or `/prefix`).
    pub base_path: String,
    /// The query string, without `?`.
    pub query: String,
    /// The headers, in order (values that are not UTF-8 are read as Latin-1).
    pub headers: Vec<(String, String)>,
    /// The body (empty when the extension rewrites a built-in answer).
    pub body: Vec<u8>,
    /// The address the UI listens on.
    pub server: SocketAddr,
    /// The client's address, when known.
    pub remote: Option<SocketAddr>,
    /// Whether the UI is served over HTTPS.
    pub tls: bool,
}

/// An extension's answer.
#[derive(Debug, Clone)]
pub struct ExtensionResponse {
    /// The status code.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Routes and answer rewriting a program adds to the UI. Every method may
/// block: the server calls them on a blocking thread.
pub trait WebExtension: Send + Sync {
    /// Called once the server runs, with what the UI's page is made of (for
    /// the extension's own pages).
    fn attach(&self, page: WebPage);

    /// The answer to a request no built-in route takes, or `None` for a 404.
    fn handle(&self, request: ExtensionRequest) -> Option<ExtensionResponse>;

    /// Whether [`WebExtension::after`] may change answers: when false, the
    /// built-in routes answer as if there were no extension.
    fn has_after_hooks(&self) -> bool;

    /// A built-in route's answer, rewritten (or returned as it is).
    fn after(&self, request: ExtensionRequest, response: ExtensionResponse) -> ExtensionResponse;
}

/// What the UI's page is made of, for an extension that renders it with data
/// of its own (Locust's `render_template("index.html", template_args=…)`).
#[derive(Clone)]
pub struct WebPage {
    shared: Weak<Shared>,
}

impl WebPage {
    /// The data the page is filled with now (Locust's `template_args`), or
    /// `None` once the server is gone.
    pub fn template_args(&self) -> Option<Value> {
        self.shared
            .upgrade()
            .map(|shared| api::page::template_args(&shared).to_json())
    }

    /// The page as a Jinja template: the same page the UI serves, its data
    /// given by the template variable `template_args` (through `tojson`),
    /// everything else kept verbatim (`{% raw %}`).
    pub fn jinja_template(&self) -> String {
        let base = self
            .shared
            .upgrade()
            .map(|shared| shared.config.base_path.clone())
            .unwrap_or_default();
        let page = api::page::page_with_base(&base).replace(
            "{{TEMPLATE_ARGS}}",
            "{% endraw %}{{ template_args|tojson }}{% raw %}",
        );
        format!("{{% raw %}}{page}{{% endraw %}}")
    }
}

pub(crate) fn page_for(shared: &Arc<Shared>) -> WebPage {
    WebPage {
        shared: Arc::downgrade(shared),
    }
}

/// The client's address of a connection (over TCP or TLS), for
/// [`ExtensionRequest::remote`].
#[derive(Clone, Copy)]
pub(crate) struct RemoteAddr(SocketAddr);

impl Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>> for RemoteAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        RemoteAddr(*stream.remote_addr())
    }
}

impl Connected<axum::serve::IncomingStream<'_, crate::tls::TlsListener>> for RemoteAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, crate::tls::TlsListener>) -> Self {
        RemoteAddr(*stream.remote_addr())
    }
}

/// The request as an extension sees it (without its body).
fn describe(shared: &Shared, request: &Request) -> ExtensionRequest {
    let uri = request.uri();
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = match value.to_str() {
                Ok(text) => text.to_string(),
                Err(_) => value.as_bytes().iter().map(|&b| b as char).collect(),
            };
            (name.as_str().to_string(), value)
        })
        .collect();
    ExtensionRequest {
        method: request.method().as_str().to_string(),
        path: uri.path().to_string(),
        base_path: shared.config.base_path.clone(),
        query: uri.query().unwrap_or_default().to_string(),
        headers,
        body: Vec::new(),
        server: shared.config.bind,
        remote: request
            .extensions()
            .get::<ConnectInfo<RemoteAddr>>()
            .map(|info| info.0 .0),
        tls: shared.config.tls.is_some(),
    }
}

/// Headers the server sets itself.
fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "content-length" | "transfer-encoding" | "connection" | "keep-alive"
    )
}

fn into_response(answer: ExtensionResponse) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        if is_hop_by_hop(&name) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    response
}

fn failed(what: &str) -> Response {
    log::error!("the web UI extension failed: {what}");
    (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
}

/// The fallback route: the extension answers what no built-in route takes.
pub(crate) async fn route(State(shared): State<AppState>, request: Request) -> Response {
    let Some(extension) = shared.context.extension.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut described = describe(&shared, &request);
    described.body = match axum::body::to_bytes(request.into_body(), MAX_BODY).await {
        Ok(body) => body.to_vec(),
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
    };
    match tokio::task::spawn_blocking(move || extension.handle(described)).await {
        Ok(Some(answer)) => into_response(answer),
        Ok(None) => (StatusCode::NOT_FOUND, "Not Found").into_response(),
        Err(error) => failed(&error.to_string()),
    }
}

/// The middleware of the built-in routes: their answers go through the
/// extension's `after` when it has hooks, else untouched.
pub(crate) async fn after(
    State(shared): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(extension) = shared
        .context
        .extension
        .clone()
        .filter(|extension| extension.has_after_hooks())
    else {
        return next.run(request).await;
    };
    let described = describe(&shared, &request);
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body.to_vec(),
        Err(error) => return failed(&format!("cannot read the answer: {error}")),
    };
    let answer = ExtensionResponse {
        status: parts.status.as_u16(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
            })
            .collect(),
        body,
    };
    match tokio::task::spawn_blocking(move || extension.after(described, answer)).await {
        Ok(answer) => into_response(answer),
        Err(error) => failed(&error.to_string()),
    }
}

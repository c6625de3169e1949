//! The login of `--web-login`: HTTP basic auth in front of every route (the
//! page, its assets, the API and an extension's routes alike).
//!
//! The browser asks for the user name and password itself on the first
//! `401` (the `WWW-Authenticate` header), then sends them with every
//! request. The expected `Authorization` value is compared with
//! [`constant_time_eq`], so the time an answer takes does not tell how much
//! of a guess was right.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use super::state::{AppState, Shared};

/// The answer to a request without valid credentials, if the login is on
/// (`None`: let it through).
pub(super) fn check_login(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
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

/// The middleware: a request goes on only with the right credentials.
pub(super) async fn login(
    State(shared): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match check_login(&shared, request.headers()) {
        Some(denied) => denied,
        None => next.run(request).await,
    }
}

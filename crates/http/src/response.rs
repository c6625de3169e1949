//! [`Response`] (what a request returns) and [`CaughtResponse`] (the
//! `catch_response=True` form, whose outcome the caller decides).

use std::borrow::Cow;
use std::ops::Deref;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use locusta_stats::{Recorder, RequestRecord};

use crate::error::HttpError;
use crate::stream::BodyStream;

/// One redirect hop: the status and URL of a redirect response that was followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The redirect status (301, 302, 303, 307, 308).
    pub status: u16,
    /// The URL that answered with the redirect.
    pub url: String,
}

/// A finished request: never an `Err`; check [`Response::ok`] or [`Response::error`].
#[derive(Debug)]
pub struct Response {
    pub(crate) method: Method,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The body still on the connection (`stream=True`). Boxed: inline it
    /// would make every response several hundred bytes larger, and responses
    /// are moved a few times per request on the hot path.
    pub(crate) stream: Option<Box<BodyStream>>,
    pub(crate) length: u64,
    pub(crate) url: String,
    /// Where the default name (path and query) starts in `url`.
    pub(crate) path_start: usize,
    /// The statistics name when it is not `url[path_start..]`.
    pub(crate) name: Option<String>,
    pub(crate) history: Vec<Hop>,
    pub(crate) start_time: f64,
    pub(crate) elapsed: Duration,
    pub(crate) error: Option<(HttpError, String)>,
}

impl Response {
    /// A response for a request that failed before any HTTP response.
    pub(crate) fn failed(
        method: Method,
        url: String,
        name: String,
        start_time: f64,
        error: HttpError,
    ) -> Response {
        let message = error.to_string();
        Response {
            method,
            status: 0,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            stream: None,
            length: 0,
            url,
            path_start: 0,
            name: Some(name),
            history: Vec::new(),
            start_time,
            elapsed: Duration::ZERO,
            error: Some((error, message)),
        }
    }

    /// The HTTP status; 0 when no response was received.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// No error and a status below 400.
    pub fn ok(&self) -> bool {
        self.error.is_none() && (1..400).contains(&self.status)
    }

    /// The response headers (empty when no response was received).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// One header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The decoded body (at most `max_body_bytes` of it); empty for a
    /// streamed response, whose body is read from [`take_stream`](Self::take_stream).
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body of a streamed response ([`RequestBuilder::stream`](crate::RequestBuilder::stream)),
    /// still to be read; None when the body was read whole (or taken already).
    pub fn take_stream(&mut self) -> Option<BodyStream> {
        self.stream.take().map(|s| *s)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body parsed as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// Decoded body length in bytes, including bytes beyond `max_body_bytes`;
    /// for a streamed response, its Content-Length (0 without one), as Locust reports it.
    pub fn content_length(&self) -> u64 {
        self.length
    }

    /// The final URL (after redirects).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The redirects followed, first to last.
    pub fn history(&self) -> &[Hop] {
        &self.history
    }

    /// Time from just before sending until the whole body was read (until
    /// the head arrived, for a streamed response).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// When the request started, in seconds since the epoch.
    pub fn start_time(&self) -> f64 {
        self.start_time
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The statistics name: the one given, else the first request's path and query.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.url[self.path_start..])
    }

    /// The connection-level (or decoding, redirect) error message, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_ref().map(|(_, m)| m.as_str())
    }

    /// The connection-level (or decoding, redirect) error, if any.
    pub fn http_error(&self) -> Option<&HttpError> {
        self.error.as_ref().map(|(e, _)| e)
    }

    /// The default failure message: the error, or Locust's
    /// `HTTPError('404 Client Error: Not Found for url: <name>')` for status ≥ 400.
    pub fn failure_message(&self) -> Option<String> {
        if let Some((_, message)) = &self.error {
            return Some(message.clone());
        }
        (self.status >= 400).then(|| self.status_failure())
    }

    fn status_failure(&self) -> String {
        let kind = if self.status >= 500 {
            "Server Error"
        } else {
            "Client Error"
        };
        let reason = StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Unknown");
        format!(
            "HTTPError('{} {kind}: {reason} for url: {}')",
            self.status,
            self.name()
        )
    }

    /// Reports this response with the default rule (no error and status < 400).
    pub(crate) fn record_default(&self, recorder: &Recorder) {
        match &self.error {
            Some((_, message)) => self.record(recorder, Some(message)),
            None if self.status >= 400 => self.record(recorder, Some(&self.status_failure())),
            None => self.record(recorder, None),
        }
    }

    fn record(&self, recorder: &Recorder, error: Option<&str>) {
        recorder.record(&RequestRecord {
            request_type: self.method.as_str(),
            name: self.name(),
            response_time: Some(self.elapsed),
            response_length: self.length,
            error,
            start_time: self.start_time,
            url: &self.url,
            status: self.status,
        });
    }
}

/// A response whose outcome the caller decides (Locust's `catch_response=True`).
///
/// Call [`success`](Self::success) or [`failure`](Self::failure) (the last call
/// wins); the request is reported once, when this is dropped or on
/// [`report`](Self::report). Without a call, the default rule applies.
pub struct CaughtResponse {
    response: Response,
    recorder: Recorder,
    outcome: Option<Outcome>,
    reported: bool,
}

/// What the caller of a [`CaughtResponse`] decided.
enum Outcome {
    /// [`CaughtResponse::success`].
    Success,
    /// [`CaughtResponse::failure`], with its message.
    Failure(String),
}

impl CaughtResponse {
    pub(crate) fn new(response: Response, recorder: Recorder) -> CaughtResponse {
        CaughtResponse {
            response,
            recorder,
            outcome: None,
            reported: false,
        }
    }

    /// Marks the request as a success, whatever its status.
    pub fn success(&mut self) {
        self.outcome = Some(Outcome::Success);
    }

    /// Marks the request as a failure with `message`.
    pub fn failure(&mut self, message: impl Into<String>) {
        self.outcome = Some(Outcome::Failure(message.into()));
    }

    /// Changes the statistics name (Locust's `request_meta["name"]`).
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.response.name = Some(name.into());
    }

    /// Reports now instead of on drop.
    pub fn report(mut self) {
        self.report_once();
    }

    fn report_once(&mut self) {
        if std::mem::replace(&mut self.reported, true) {
            return;
        }
        match &self.outcome {
            Some(Outcome::Success) => self.response.record(&self.recorder, None),
            Some(Outcome::Failure(message)) => self.response.record(&self.recorder, Some(message)),
            None => self.response.record_default(&self.recorder),
        }
    }
}

impl Deref for CaughtResponse {
    type Target = Response;

    fn deref(&self) -> &Response {
        &self.response
    }
}

impl Drop for CaughtResponse {
    fn drop(&mut self) {
        self.report_once();
    }
}

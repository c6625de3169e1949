//! [`RequestBuilder`]: one request being described, then sent.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, AUTHORIZATION};
use http::{HeaderMap, HeaderValue, Method};

use crate::client::HttpClient;
use crate::error::HttpError;
use crate::multipart::Multipart;
use crate::response::{CaughtResponse, Response};
use crate::url::basic_auth_value;

/// What a request consists of, as the builder collected it.
pub(crate) struct RequestParts<'a> {
    pub method: Method,
    pub url: &'a str,
    pub name: Option<String>,
    pub headers: HeaderMap,
    pub query: Option<String>,
    pub body: Option<Bytes>,
    pub content_type: Option<HeaderValue>,
    pub timeout: Option<Duration>,
    pub allow_redirects: Option<bool>,
    /// Leave the body on the connection, to be read from the response's stream.
    pub stream: bool,
    /// The first problem met while building; the request then fails without being sent.
    pub error: Option<HttpError>,
}

/// A request being built; finish with [`send`](Self::send) or
/// [`catch_response`](Self::catch_response).
pub struct RequestBuilder<'a> {
    client: &'a mut HttpClient,
    parts: RequestParts<'a>,
}

impl<'a> RequestBuilder<'a> {
    pub(crate) fn new(client: &'a mut HttpClient, method: Method, url: &'a str) -> Self {
        RequestBuilder {
            client,
            parts: RequestParts {
                method,
                url,
                name: None,
                headers: HeaderMap::new(),
                query: None,
                body: None,
                content_type: None,
                timeout: None,
                allow_redirects: None,
                stream: false,
                error: None,
            },
        }
    }

    fn fail(mut self, error: HttpError) -> Self {
        self.parts.error.get_or_insert(error);
        self
    }

    /// The statistics name (default: the path and query of the first request).
    pub fn name(mut self, name: &str) -> Self {
        self.parts.name = Some(name.to_owned());
        self
    }

    /// Sets a request header (replacing a default one of the same name).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
            return self.fail(HttpError::InvalidRequest(format!(
                "invalid header name '{name}'"
            )));
        };
        let Ok(value) = HeaderValue::from_str(value) else {
            return self.fail(HttpError::InvalidRequest(format!(
                "invalid value for header '{name}'"
            )));
        };
        self.parts.headers.insert(header, value);
        self
    }

    /// Appends `pairs`, form-encoded, to the URL's query.
    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        let existing = self.parts.query.take().unwrap_or_default();
        let query = url::form_urlencoded::Serializer::for_suffix(existing, 0)
            .extend_pairs(pairs)
            .finish();
        self.parts.query = Some(query);
        self
    }

    /// A JSON body (`Content-Type: application/json`).
    pub fn json<T: serde::Serialize + ?Sized>(self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(json) => self.with_body(
                Bytes::from(json),
                HeaderValue::from_static("application/json"),
            ),
            Err(e) => self.fail(HttpError::InvalidRequest(format!(
                "cannot serialise the JSON body: {e}"
            ))),
        }
    }

    /// A form body (`application/x-www-form-urlencoded`).
    pub fn form(self, pairs: &[(&str, &str)]) -> Self {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.with_body(
            Bytes::from(form),
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        )
    }

    /// A raw body (no Content-Type unless set with [`header`](Self::header)).
    pub fn body(mut self, bytes: impl Into<Bytes>) -> Self {
        self.parts.body = Some(bytes.into());
        self.parts.content_type = None;
        self
    }

    /// A `multipart/form-data` body.
    pub fn multipart(self, form: Multipart) -> Self {
        let (content_type, body) = form.encode();
        match HeaderValue::from_str(&content_type) {
            Ok(ct) => self.with_body(body, ct),
            Err(_) => self.fail(HttpError::InvalidRequest(
                "invalid multipart content type".into(),
            )),
        }
    }

    fn with_body(mut self, body: Bytes, content_type: HeaderValue) -> Self {
        self.parts.body = Some(body);
        self.parts.content_type = Some(content_type);
        self
    }

    /// HTTP Basic authentication (overrides credentials from the host).
    pub fn basic_auth(mut self, user: &str, pass: &str) -> Self {
        self.parts
            .headers
            .insert(AUTHORIZATION, basic_auth_value(user, pass));
        self
    }

    /// The read timeout of this request (default: the client's `timeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.parts.timeout = Some(timeout);
        self
    }

    /// Whether to follow redirects (default: yes, except for HEAD).
    pub fn allow_redirects(mut self, follow: bool) -> Self {
        self.parts.allow_redirects = Some(follow);
        self
    }

    /// Returns once the response head has arrived, leaving the body on the
    /// connection ([`Response::take_stream`]); the response time is the time
    /// to the head, and the length its Content-Length (0 without), as Locust
    /// reports streamed responses.
    pub fn stream(mut self, stream: bool) -> Self {
        self.parts.stream = stream;
        self
    }

    /// Sends the request and reports it: failures (status ≥ 400, connection
    /// errors) are recorded and returned in the [`Response`], never as a panic.
    pub fn send(self) -> impl Future<Output = Response> + 'a {
        // Not an `async fn`: its by-value `self` would be stored twice in the future.
        let mut this = self;
        async move {
            let response = this.client.execute(&mut this.parts).await;
            response.record_default(this.client.recorder());
            response
        }
    }

    /// Sends the request without reporting it: for callers that report by
    /// rules of their own (the Python front's clients).
    pub fn send_unreported(self) -> impl Future<Output = Response> + 'a {
        let mut this = self;
        async move { this.client.execute(&mut this.parts).await }
    }

    /// Leaves the outcome to the caller (Locust's `catch_response=True`).
    pub fn catch_response(self) -> CatchRequest<'a> {
        CatchRequest { inner: self }
    }
}

/// A request whose outcome the caller decides; see [`CaughtResponse`].
pub struct CatchRequest<'a> {
    inner: RequestBuilder<'a>,
}

impl<'a> CatchRequest<'a> {
    /// Sends the request; it is reported when the [`CaughtResponse`] is dropped.
    pub fn send(self) -> impl Future<Output = CaughtResponse> + 'a {
        let mut this = self.inner;
        async move {
            let response = this.client.execute(&mut this.parts).await;
            CaughtResponse::new(response, this.client.recorder().clone())
        }
    }
}

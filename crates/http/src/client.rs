//! [`HttpClient`] (one per simulated user) and its [`ClientConfig`]: request
//! execution with keep-alive connections, redirects and the cookie jar.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cookie_store::CookieStore;
use http::header::{
    ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, LOCATION,
    TRANSFER_ENCODING, USER_AGENT,
};
use http::{HeaderMap, HeaderValue, Method, Request};
use http_body_util::Full;
use locusta_stats::Recorder;

use crate::connection::{Conn, Exchange, ReqBody, SendFailure};
use crate::cookies;
use crate::error::HttpError;
use crate::request::{RequestBuilder, RequestParts};
use crate::response::{Hop, Response};
use crate::url::{BaseUrl, Target};

const USER_AGENT_VALUE: &str = concat!("locusta/", env!("CARGO_PKG_VERSION"));

/// Connections kept per client (one per origin); the oldest is closed beyond this.
const MAX_POOLED: usize = 16;

/// Settings shared by the clients of a test.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Time allowed for the TCP connection and TLS handshake (default 60 s).
    pub connect_timeout: Duration,
    /// Time allowed for the response and its whole body, per hop (default 60 s).
    pub timeout: Duration,
    /// Redirects followed at most (default 30).
    pub max_redirects: usize,
    /// Verify TLS certificates against the webpki roots (default true).
    pub verify_tls: bool,
    /// Body bytes kept in memory; the rest is counted and dropped (default 64 MiB).
    pub max_body_bytes: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(60),
            timeout: Duration::from_secs(60),
            max_redirects: 30,
            verify_tls: true,
            max_body_bytes: 64 << 20,
        }
    }
}

/// One simulated user's HTTP client (Locust's `HttpSession`): its own cookie
/// jar and keep-alive connections; every request is reported to the recorder.
///
/// Requests must run on a tokio runtime with I/O and timers enabled (any
/// flavour; no `LocalSet` needed: connections are driven inside the request).
pub struct HttpClient {
    base: Option<BaseUrl>,
    config: Arc<ClientConfig>,
    recorder: Recorder,
    /// Idle keep-alive connections. Boxed: a hyper connection is kilobytes, and
    /// moving it in and out of the pool (and through futures) should not copy that.
    #[allow(clippy::vec_box)]
    pool: Vec<Box<Conn>>,
    jar: CookieStore,
    /// An instant and the epoch time at that instant, to date requests cheaply.
    clock: (Instant, f64),
}

impl HttpClient {
    /// A client for the base `host` (`http://127.0.0.1:8080`,
    /// `https://user:pass@h/base`); `None` allows absolute URLs only.
    pub fn new(
        host: Option<&str>,
        config: Arc<ClientConfig>,
        recorder: Recorder,
    ) -> Result<HttpClient, HttpError> {
        let base = host.map(BaseUrl::parse).transpose()?;
        Ok(HttpClient {
            base,
            config,
            recorder,
            pool: Vec::new(),
            jar: CookieStore::default(),
            clock: (Instant::now(), locusta_stats::now_epoch()),
        })
    }

    /// A request with any method.
    pub fn request<'a>(&'a mut self, method: Method, url: &'a str) -> RequestBuilder<'a> {
        RequestBuilder::new(self, method, url)
    }

    /// A GET request.
    pub fn get<'a>(&'a mut self, url: &'a str) -> RequestBuilder<'a> {
        self.request(Method::GET, url)
    }

    /// A POST request.
    pub fn post<'a>(&'a mut self, url: &'a str) -> RequestBuilder<'a> {
        self.request(Method::POST, url)
    }

    /// A PUT request.
    pub fn put<'a>(&'a mut self, url: &'a str) -> RequestBuilder<'a> {
        self.request(Method::PUT, url)
    }

    /// A PATCH request.
    pub fn patch<'a>(&'a mut self, url: &'a str) -> RequestBuilder<'a> {
        self.request(Method::PATCH, url)
    }

    /// A DELETE request.
    pub fn delete<'a>(&'a mut self, url: &'a str) -> RequestBuilder<'a> {
        self.request(Method::DELETE, url)
    }

    /// A HEAD request (redirects are not followed unless asked).
    pub fn head<'a>(&'a mut self, url: &'a str) -> RequestBuilder<'a> {
        self.request(Method::HEAD, url)
    }

    /// An OPTIONS request.
    pub fn options<'a>(&'a mut self, url: &'a str) -> RequestBuilder<'a> {
        self.request(Method::OPTIONS, url)
    }

    /// The cookie jar.
    pub fn cookies(&self) -> &CookieStore {
        &self.jar
    }

    /// The cookie jar, to add or remove cookies.
    pub fn cookies_mut(&mut self) -> &mut CookieStore {
        &mut self.jar
    }

    /// Stores a cookie as if `url` (relative to the host, or absolute) had
    /// answered with `Set-Cookie: <set_cookie>` (e.g. `"session=abc; Path=/"`).
    pub fn set_cookie(&mut self, url: &str, set_cookie: &str) -> Result<(), HttpError> {
        let target = Target::resolve(self.base.as_ref(), url, None)?;
        let url = url::Url::parse(&target.url)
            .map_err(|e| HttpError::InvalidUrl(format!("invalid URL '{}': {e}", target.url)))?;
        self.jar
            .parse(set_cookie, &url)
            .map(|_| ())
            .map_err(|e| HttpError::InvalidRequest(format!("invalid cookie '{set_cookie}': {e}")))
    }

    /// Empties the cookie jar.
    pub fn clear_cookies(&mut self) {
        self.jar.clear();
    }

    /// Closes every kept-alive connection.
    pub fn close_connections(&mut self) {
        self.pool.clear();
    }

    /// The recorder requests are reported to.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The client's configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Runs a request to completion (redirects included) without reporting it.
    pub(crate) async fn execute(&mut self, parts: RequestParts<'_>) -> Response {
        let start = Instant::now();
        let start_time = self.clock.1 + start.duration_since(self.clock.0).as_secs_f64();
        let RequestParts {
            mut method,
            url,
            mut name,
            headers: mut user_headers,
            query,
            mut body,
            mut content_type,
            timeout,
            allow_redirects,
            error,
        } = parts;
        let resolved = match error {
            Some(e) => Err(e),
            None => Target::resolve(self.base.as_ref(), url, query.as_deref()),
        };
        let mut target = match resolved {
            Ok(t) => t,
            Err(e) => {
                let name = name.unwrap_or_else(|| url.to_owned());
                let mut response = Response::failed(method, url.to_owned(), name, start_time, e);
                response.elapsed = start.elapsed();
                return response;
            }
        };
        let follow = allow_redirects.unwrap_or(method != Method::HEAD);
        let read_timeout = timeout.unwrap_or(self.config.timeout);
        let mut history = Vec::new();
        let mut strip_auth = false;
        let mut fresh_connection = false;
        loop {
            let result = match self.build(
                &method,
                &target,
                &user_headers,
                body.clone(),
                content_type.as_ref(),
                strip_auth,
            ) {
                Ok(request) => {
                    self.send(&target, request, read_timeout, fresh_connection)
                        .await
                }
                Err(e) => Err(Attempt::Failed(e)),
            };
            let exchange = match result {
                Ok(exchange) => exchange,
                Err(Attempt::Stale) if is_idempotent(&method) && !fresh_connection => {
                    // A kept-alive connection the server had closed: once more on a new one.
                    fresh_connection = true;
                    continue;
                }
                Err(Attempt::Stale) => {
                    unreachable!("send reports Stale only for reused connections")
                }
                Err(Attempt::Failed(e) | Attempt::NoResponse(e)) => {
                    let message = e.to_string();
                    return Response {
                        method,
                        status: 0,
                        headers: HeaderMap::new(),
                        body: Bytes::new(),
                        length: 0,
                        path_start: target.path_start,
                        url: target.url,
                        name,
                        history,
                        start_time,
                        elapsed: start.elapsed(),
                        error: Some((e, message)),
                    };
                }
            };
            fresh_connection = false;
            let Exchange {
                parts,
                body: response_body,
                length,
                decode_error,
            } = exchange;
            cookies::store_response(&mut self.jar, &target.url, &parts.headers);
            let status = parts.status.as_u16();
            let mut error = decode_error;
            let location = parts.headers.get(LOCATION).and_then(|v| v.to_str().ok());
            if let (true, true, Some(location)) = (follow, is_redirect(status), location) {
                if history.len() >= self.config.max_redirects {
                    error = Some(HttpError::TooManyRedirects(self.config.max_redirects));
                } else {
                    match target.redirect(self.base.as_ref(), location) {
                        Ok(next) => {
                            name.get_or_insert_with(|| target.path_and_query().to_owned());
                            if (status == 303 && method != Method::HEAD)
                                || (matches!(status, 301 | 302) && method == Method::POST)
                            {
                                method = Method::GET;
                                body = None;
                                content_type = None;
                                for h in [CONTENT_TYPE, CONTENT_LENGTH, TRANSFER_ENCODING] {
                                    user_headers.remove(h);
                                }
                            }
                            strip_auth |= next.https != target.https
                                || next.port != target.port
                                || !next.host().eq_ignore_ascii_case(target.host());
                            let previous = std::mem::replace(&mut target, next);
                            history.push(Hop {
                                status,
                                url: previous.url,
                            });
                            continue;
                        }
                        Err(e) => error = Some(e),
                    }
                }
            }
            return Response {
                method,
                status,
                headers: parts.headers,
                body: response_body,
                length,
                path_start: target.path_start,
                url: target.url,
                name,
                history,
                start_time,
                elapsed: start.elapsed(),
                error: error.map(|e| {
                    let message = e.to_string();
                    (e, message)
                }),
            };
        }
    }

    /// The hyper request for one hop.
    fn build(
        &self,
        method: &Method,
        target: &Target,
        user_headers: &HeaderMap,
        body: Option<Bytes>,
        content_type: Option<&HeaderValue>,
        strip_auth: bool,
    ) -> Result<Request<ReqBody>, HttpError> {
        let invalid = || HttpError::InvalidUrl(format!("invalid URL '{}'", target.url));
        let uri = http::Uri::try_from(target.path_and_query()).map_err(|_| invalid())?;
        let base = self.base.as_ref().filter(|_| target.on_base);
        let mut headers = HeaderMap::with_capacity(8 + user_headers.len());
        let host = match base {
            Some(base) => base.host_header().clone(),
            None => HeaderValue::from_str(target.authority()).map_err(|_| invalid())?,
        };
        headers.insert(HOST, host);
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        headers.insert(
            ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br"),
        );
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        if let Some(ct) = content_type {
            headers.insert(CONTENT_TYPE, ct.clone());
        }
        if let Some(auth) = base.map_or(target.auth.as_ref(), BaseUrl::auth) {
            headers.insert(AUTHORIZATION, auth.clone());
        }
        for (name, value) in user_headers {
            if !(strip_auth && name == AUTHORIZATION) {
                headers.insert(name.clone(), value.clone());
            }
        }
        if !headers.contains_key(COOKIE) {
            if let Some(cookie) = cookies::request_header(&self.jar, &target.url) {
                headers.insert(COOKIE, cookie);
            }
        }
        if body.is_some() || matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
            let len = body.as_ref().map_or(0, Bytes::len);
            headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
        let mut request = Request::new(Full::new(body.unwrap_or_default()));
        *request.method_mut() = method.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        Ok(request)
    }

    /// One hop on a kept-alive connection (or a new one), within `timeout`.
    async fn send(
        &mut self,
        target: &Target,
        mut request: Request<ReqBody>,
        timeout: Duration,
        fresh: bool,
    ) -> Result<Exchange, Attempt> {
        let checked_out = if fresh { None } else { self.checkout(target) };
        let (mut conn, mut reused) = match checked_out {
            Some(conn) => (conn, true),
            None => (
                Box::pin(self.open(target)).await.map_err(Attempt::Failed)?,
                false,
            ),
        };
        loop {
            let round_trip = conn.round_trip(request, self.config.max_body_bytes);
            match tokio::time::timeout(timeout, round_trip).await {
                Err(_) => return Err(Attempt::Failed(HttpError::Timeout(timeout))),
                Ok(Ok(exchange)) => {
                    conn.mark_idle();
                    self.checkin(conn);
                    return Ok(exchange);
                }
                Ok(Err(SendFailure::NotSent(unsent))) if reused => {
                    request = *unsent;
                    reused = false;
                    conn = Box::pin(self.open(target)).await.map_err(Attempt::Failed)?;
                }
                Ok(Err(SendFailure::NotSent(_))) => {
                    return Err(Attempt::Failed(HttpError::ConnectionClosed(
                        "connection closed before the request was sent".into(),
                    )))
                }
                Ok(Err(SendFailure::NoResponse(_))) if reused => return Err(Attempt::Stale),
                Ok(Err(SendFailure::NoResponse(e))) => return Err(Attempt::NoResponse(e)),
                Ok(Err(SendFailure::Failed(e))) => return Err(Attempt::Failed(e)),
            }
        }
    }

    async fn open(&self, target: &Target) -> Result<Box<Conn>, HttpError> {
        Conn::open(target, self.config.connect_timeout, self.config.verify_tls)
            .await
            .map(Box::new)
    }

    /// Takes the kept-alive connection to `target`'s origin, if it is still usable.
    fn checkout(&mut self, target: &Target) -> Option<Box<Conn>> {
        let i = self.pool.iter().position(|c| c.serves(target))?;
        let mut conn = self.pool.swap_remove(i);
        conn.is_reusable().then_some(conn)
    }

    fn checkin(&mut self, conn: Box<Conn>) {
        if self.pool.len() >= MAX_POOLED {
            self.pool.remove(0);
        }
        self.pool.push(conn);
    }
}

/// How one attempt to send a request ended, when it did not give a response.
enum Attempt {
    /// A reused keep-alive connection ended before any response: the server had
    /// closed it while idle.
    Stale,
    /// A fresh connection ended before any response.
    NoResponse(HttpError),
    /// Any other failure.
    Failed(HttpError),
}

/// Methods that may be sent twice (RFC 9110 §9.2.2): safe to retry on a new
/// connection when a stale one swallowed the first attempt.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

//! [`HttpClient`] (one per simulated user) and its [`ClientConfig`]: request
//! execution with keep-alive connections, redirects and the cookie jar.

use std::cell::RefCell;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cookie_store::CookieStore;
use http::header::{
    ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, LOCATION,
    TRANSFER_ENCODING, USER_AGENT,
};
use http::{HeaderMap, HeaderValue, Method};
use locusta_stats::Recorder;

use crate::connection::{is_redirect, is_request_target, Conn, Exchange, SendFailure, Streaming};
use crate::cookies;
use crate::error::HttpError;
use crate::request::{RequestBuilder, RequestParts};
use crate::response::{Hop, Response};
use crate::stream::{BodyStream, ReturnedConns};
use crate::url::{BaseUrl, Target};

const USER_AGENT_VALUE: &str = concat!("locusta/", env!("CARGO_PKG_VERSION"));

/// Connections kept per client (one per origin); the oldest is closed beyond this.
const MAX_POOLED: usize = 16;

/// Checks a base host as [`HttpClient::new`] would take it
/// (`http://127.0.0.1:8080`, `https://user:pass@h/base`).
pub fn check_host(host: &str) -> Result<(), HttpError> {
    BaseUrl::parse(host).map(drop)
}

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
    /// The headers of every request to the base host (Host, User-Agent,
    /// Accept-Encoding, Accept, basic auth), copied for each request instead of
    /// being hashed and inserted one by one; one map per host and thread.
    base_headers: Option<Arc<HeaderMap>>,
    config: Arc<ClientConfig>,
    recorder: Recorder,
    /// Idle keep-alive connections. Boxed, so moving one in and out of the pool
    /// (and through futures) copies a pointer, not the connection.
    #[allow(clippy::vec_box)]
    pool: Vec<Box<Conn>>,
    /// Connections of streamed bodies read to their end, for the pool.
    returned: Arc<ReturnedConns>,
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
        let base_headers = base.as_ref().map(shared_base_headers);
        Ok(HttpClient {
            base,
            base_headers,
            config,
            recorder,
            pool: Vec::new(),
            returned: Arc::default(),
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
        drop(self.returned.take());
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
    ///
    /// `parts` is borrowed, not moved: the caller's future already stores it,
    /// and a by-value argument would be stored again in this future.
    pub(crate) async fn execute(&mut self, parts: &mut RequestParts<'_>) -> Response {
        let start = Instant::now();
        let start_time = self.clock.1 + start.duration_since(self.clock.0).as_secs_f64();
        let mut target = match match parts.error.take() {
            Some(e) => Err(e),
            None => Target::resolve(self.base.as_ref(), parts.url, parts.query.as_deref()),
        } {
            Ok(t) => t,
            Err(e) => {
                let name = parts.name.take().unwrap_or_else(|| parts.url.to_owned());
                let method = std::mem::replace(&mut parts.method, Method::GET);
                let mut response =
                    Response::failed(method, parts.url.to_owned(), name, start_time, e);
                response.elapsed = start.elapsed();
                return response;
            }
        };
        let follow = parts
            .allow_redirects
            .unwrap_or(parts.method != Method::HEAD);
        let read_timeout = parts.timeout.unwrap_or(self.config.timeout);
        let mut history = Vec::new();
        let mut strip_auth = false;
        // When the current hop started, then when the last exchange ended: one
        // clock read per hop serves the pool's idle check, the hop's deadline
        // and the response time.
        let mut now = start;
        // Set after a kept-alive connection failed without sending or without
        // answering: the request is tried once more, on a new connection.
        let mut fresh = false;
        loop {
            let checked_out = if fresh {
                None
            } else {
                self.checkout(&target, !is_idempotent(&parts.method), now)
            };
            let reused = checked_out.is_some();
            let conn = match checked_out {
                Some(conn) => conn,
                // Boxed: connecting is rare, and its state should not enlarge every request.
                None => match Box::pin(self.open(&target)).await {
                    Ok(conn) => {
                        // The read timeout starts once connected.
                        now = Instant::now();
                        conn
                    }
                    Err(e) => return failed(parts, target, history, start, start_time, e),
                },
            };
            // Written into the connection's buffer after connecting, so the request
            // is not part of this future's state while it waits for a connection.
            let mut conn = conn;
            if let Err(e) = self.write_request(&mut conn, parts, &target, strip_auth) {
                return failed(parts, target, history, start, start_time, e);
            }
            let streaming = Streaming {
                leave_body: parts.stream,
                follow,
            };
            let (mut conn, result) = conn
                .round_trip(
                    parts.method == Method::HEAD,
                    self.config.max_body_bytes,
                    streaming,
                    read_timeout,
                    now,
                )
                .await;
            now = Instant::now();
            let mut stream = None;
            let exchange = match result {
                Ok(exchange) => {
                    match exchange.unread {
                        Some(framing) => {
                            stream = Some(Box::new(BodyStream::new(
                                conn,
                                framing,
                                &exchange.headers,
                                self.config.max_body_bytes,
                                read_timeout,
                                Arc::downgrade(&self.returned),
                            )))
                        }
                        None => {
                            conn.mark_idle(now);
                            self.checkin(conn);
                        }
                    }
                    exchange
                }
                // The server had closed the kept-alive connection before the request
                // went out: always safe to send again.
                Err(SendFailure::NotSent) if reused => {
                    fresh = true;
                    continue;
                }
                // A kept-alive connection ended without any answer (closed by the
                // server while idle): sent again only if sending twice is harmless.
                Err(SendFailure::NoResponse(_)) if reused && is_idempotent(&parts.method) => {
                    fresh = true;
                    continue;
                }
                Err(SendFailure::NotSent) => {
                    let e = HttpError::ConnectionClosed(
                        "connection closed before the request was sent".into(),
                    );
                    return failed(parts, target, history, start, start_time, e);
                }
                Err(SendFailure::NoResponse(e) | SendFailure::Failed(e)) => {
                    return failed(parts, target, history, start, start_time, e)
                }
            };
            fresh = false;
            let Exchange {
                status,
                headers,
                body: response_body,
                unread,
                mut length,
                decode_error,
            } = exchange;
            if unread.is_some() {
                // As Locust reports a streamed response: the length it announces.
                length = headers
                    .get(CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok()?.trim().parse().ok())
                    .unwrap_or(0);
            }
            cookies::store_response(&mut self.jar, &target.url, &headers);
            let mut error = decode_error;
            let location = headers.get(LOCATION).and_then(|v| v.to_str().ok());
            if let (true, true, Some(location)) = (follow, is_redirect(status), location) {
                if history.len() >= self.config.max_redirects {
                    error = Some(HttpError::TooManyRedirects(self.config.max_redirects));
                } else {
                    match target.redirect(self.base.as_ref(), location) {
                        Ok(next) => {
                            parts
                                .name
                                .get_or_insert_with(|| target.path_and_query().to_owned());
                            if (status == 303 && parts.method != Method::HEAD)
                                || (matches!(status, 301 | 302) && parts.method == Method::POST)
                            {
                                parts.method = Method::GET;
                                parts.body = None;
                                parts.content_type = None;
                                for h in [CONTENT_TYPE, CONTENT_LENGTH, TRANSFER_ENCODING] {
                                    parts.headers.remove(h);
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
                method: std::mem::replace(&mut parts.method, Method::GET),
                status,
                headers,
                body: response_body,
                stream,
                length,
                path_start: target.path_start,
                url: target.url,
                name: parts.name.take(),
                history,
                start_time,
                elapsed: now - start,
                error: error.map(|e| {
                    let message = e.to_string();
                    (e, message)
                }),
            };
        }
    }

    /// Writes the request of one hop into `conn`: the default headers (the
    /// shared map of the base host, or the target's own), then the user's,
    /// which replace defaults of the same name, the cookies and the length.
    fn write_request(
        &self,
        conn: &mut Conn,
        parts: &RequestParts<'_>,
        target: &Target,
        strip_auth: bool,
    ) -> Result<(), HttpError> {
        let RequestParts {
            method,
            headers: user_headers,
            body,
            content_type,
            ..
        } = parts;
        let path = target.path_and_query();
        if !is_request_target(path) {
            return Err(HttpError::InvalidUrl(format!(
                "invalid URL '{}'",
                target.url
            )));
        }
        let own_defaults;
        let defaults = match self.base_headers.as_deref().filter(|_| target.on_base) {
            Some(defaults) => defaults,
            None => {
                let host = HeaderValue::from_str(target.authority())
                    .map_err(|_| HttpError::InvalidUrl(format!("invalid URL '{}'", target.url)))?;
                let mut headers = HeaderMap::with_capacity(5);
                insert_defaults(&mut headers, host, target.auth.as_ref());
                own_defaults = headers;
                &own_defaults
            }
        };
        let has_body =
            body.is_some() || matches!(*method, Method::POST | Method::PUT | Method::PATCH);
        conn.start_request(method, path);
        for (name, value) in defaults {
            let replaced = user_headers.contains_key(name)
                || (*name == CONTENT_TYPE && content_type.is_some());
            if !replaced {
                conn.header(name, value);
            }
        }
        if let Some(ct) = content_type.as_ref() {
            if !user_headers.contains_key(CONTENT_TYPE) {
                conn.header(&CONTENT_TYPE, ct);
            }
        }
        for (name, value) in user_headers {
            let dropped =
                (strip_auth && name == AUTHORIZATION) || (has_body && name == CONTENT_LENGTH);
            if !dropped {
                conn.header(name, value);
            }
        }
        if !user_headers.contains_key(COOKIE) {
            if let Some(cookie) = cookies::request_header(&self.jar, &target.url) {
                conn.header(&COOKIE, &cookie);
            }
        }
        if has_body {
            let len = body.as_ref().map_or(0, Bytes::len);
            conn.header(&CONTENT_LENGTH, &HeaderValue::from(len));
        }
        conn.finish_request(body.as_ref());
        Ok(())
    }

    async fn open(&self, target: &Target) -> Result<Box<Conn>, HttpError> {
        Conn::open(target, self.config.connect_timeout, self.config.verify_tls)
            .await
            .map(Box::new)
    }

    /// Takes the kept-alive connection to `target`'s origin, if it is still
    /// usable at `now` (`careful`: checked with the kernel, see [`Conn::is_reusable`]).
    fn checkout(&mut self, target: &Target, careful: bool, now: Instant) -> Option<Box<Conn>> {
        for conn in self.returned.take() {
            self.checkin(conn);
        }
        let i = self.pool.iter().position(|c| c.serves(target))?;
        let conn = self.pool.swap_remove(i);
        conn.is_reusable(careful, now).then_some(conn)
    }

    fn checkin(&mut self, conn: Box<Conn>) {
        if self.pool.len() >= MAX_POOLED {
            self.pool.remove(0);
        }
        self.pool.push(conn);
    }
}

/// The headers every request carries unless the user replaces them.
fn insert_defaults(headers: &mut HeaderMap, host: HeaderValue, auth: Option<&HeaderValue>) {
    headers.insert(HOST, host);
    headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    headers.insert(
        ACCEPT_ENCODING,
        HeaderValue::from_static("gzip, deflate, br"),
    );
    headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
    if let Some(auth) = auth {
        headers.insert(AUTHORIZATION, auth.clone());
    }
}

thread_local! {
    /// The default headers of the base hosts of this thread's live clients.
    static BASE_HEADERS: RefCell<Vec<Weak<HeaderMap>>> = const { RefCell::new(Vec::new()) };
}

/// The default headers for `base`, shared with the other clients of this
/// thread that have the same base host: a thousand users then copy one map
/// (and count references to one Host value) instead of a thousand, which
/// would cost memory per user and a cache miss per request.
fn shared_base_headers(base: &BaseUrl) -> Arc<HeaderMap> {
    BASE_HEADERS.with(|cache| {
        let mut cache = cache.borrow_mut();
        cache.retain(|map| map.strong_count() > 0);
        let same = |map: &HeaderMap| {
            map.get(HOST) == Some(base.host_header()) && map.get(AUTHORIZATION) == base.auth()
        };
        if let Some(map) = cache.iter().filter_map(Weak::upgrade).find(|m| same(m)) {
            return map;
        }
        let mut map = HeaderMap::with_capacity(5);
        insert_defaults(&mut map, base.host_header().clone(), base.auth());
        let map = Arc::new(map);
        cache.push(Arc::downgrade(&map));
        map
    })
}

/// The response for a request that failed without an HTTP answer (status 0).
fn failed(
    parts: &mut RequestParts<'_>,
    target: Target,
    history: Vec<Hop>,
    start: Instant,
    start_time: f64,
    error: HttpError,
) -> Response {
    let message = error.to_string();
    Response {
        method: std::mem::replace(&mut parts.method, Method::GET),
        status: 0,
        headers: HeaderMap::new(),
        body: Bytes::new(),
        stream: None,
        length: 0,
        path_start: target.path_start,
        url: target.url,
        name: parts.name.take(),
        history,
        start_time,
        elapsed: start.elapsed(),
        error: Some((error, message)),
    }
}

/// Methods that may be sent twice (RFC 9110 §9.2.2): safe to retry on a new
/// connection when a stale one swallowed the first attempt.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(host: &str) -> HttpClient {
        let recorder = locusta_stats::SharedStats::new().recorder();
        HttpClient::new(Some(host), Arc::new(ClientConfig::default()), recorder).unwrap()
    }

    fn defaults(client: &HttpClient) -> &Arc<HeaderMap> {
        client.base_headers.as_ref().expect("a base host")
    }

    #[test]
    fn clients_of_one_host_share_their_default_headers() {
        let a = client("http://127.0.0.1:8080");
        let b = client("http://127.0.0.1:8080");
        let other_port = client("http://127.0.0.1:8081");
        let with_auth = client("http://user:pw@127.0.0.1:8080");
        assert!(Arc::ptr_eq(defaults(&a), defaults(&b)));
        assert!(!Arc::ptr_eq(defaults(&a), defaults(&other_port)));
        assert!(!Arc::ptr_eq(defaults(&a), defaults(&with_auth)));
        assert_eq!(defaults(&other_port)[HOST], "127.0.0.1:8081");
        assert!(defaults(&with_auth).contains_key(AUTHORIZATION));
        assert!(!defaults(&a).contains_key(AUTHORIZATION));
        // A host whose clients are all gone is forgotten.
        drop(other_port);
        let again = client("http://127.0.0.1:8082");
        BASE_HEADERS.with(|cache| {
            let live = cache
                .borrow()
                .iter()
                .filter(|m| m.strong_count() > 0)
                .count();
            assert_eq!(live, cache.borrow().len());
        });
        assert_eq!(defaults(&again)[HOST], "127.0.0.1:8082");
    }
}

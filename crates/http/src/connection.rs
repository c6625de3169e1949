//! One keep-alive HTTP/1.1 connection (TCP or TLS), driven inside the request.
//!
//! A request is written straight from the client's headers into a buffer the
//! connection keeps, and the response head is parsed with `httparse` (the
//! parser hyper itself uses) from a read buffer the connection also keeps; the
//! body is framed here (length, chunked, or until close). Nothing is spawned
//! and nothing goes through a channel: one exchange is one `async` call on the
//! user's own task. hyper's client connection was measured to spend most of a
//! request's user-space time in its dispatch machinery (see
//! `docs/performance.md`), which a per-user connection does not need.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::body::BodyReader;
use crate::error::{self, HttpError};
use crate::tls;
use crate::url::Target;

/// Response heads larger than this are refused (hyper's limit too).
const MAX_HEAD_BYTES: usize = 64 << 10;
/// Response headers beyond this count are refused (hyper's limit too).
const MAX_HEADERS: usize = 100;
/// The smallest read: room for a typical response in one system call.
const READ_CHUNK: usize = 8 << 10;
/// The largest read, for long bodies.
const MAX_READ_CHUNK: usize = 64 << 10;
/// Bodies up to this size are copied behind the request head and go out in the
/// same write; larger ones are written from where they are.
const COPIED_BODY_BYTES: usize = 16 << 10;
/// A request buffer that grew beyond this (a large body) is not kept idle.
const KEPT_WRITE_BUFFER: usize = 4 << 10;

/// A TCP or TLS stream.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Whether a round trip leaves the response body on the connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Streaming {
    /// Leave the body to be read later (`stream=True`).
    pub leave_body: bool,
    /// Redirects are followed: a redirect's body is read all the same.
    pub follow: bool,
}

/// Why a round trip did not produce a response.
pub(crate) enum SendFailure {
    /// The connection was closed before the request was written: safe to retry.
    NotSent,
    /// The connection ended before any response arrived (the request may have
    /// reached the server): on a reused connection, a stale keep-alive.
    NoResponse(HttpError),
    /// The request failed (it may have reached the server).
    Failed(HttpError),
}

/// A response whose body has been read (or, streamed, is still to be read).
pub(crate) struct Exchange {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// How the body that was left unread on the connection is framed
    /// (a streamed response).
    pub unread: Option<Framing>,
    /// Decoded body bytes, including those beyond `max_body_bytes`.
    pub length: u64,
    /// The body could not be decoded.
    pub decode_error: Option<HttpError>,
}

/// How a response body is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body (HEAD, 1xx, 204, 304).
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the server closes the connection.
    UntilClose,
}

/// A parsed response head.
struct Head {
    status: u16,
    headers: HeaderMap,
    framing: Framing,
}

/// One HTTP/1.1 connection to (scheme, host, port).
pub(crate) struct Conn {
    https: bool,
    host: Box<str>,
    port: u16,
    stream: Stream,
    /// Received bytes not consumed yet. Kept between requests: once the last
    /// response is dropped, its allocation is reused for the next one.
    read_buf: BytesMut,
    /// The request being sent: its head, and its body when small.
    write_buf: Vec<u8>,
    /// A body too large to copy into `write_buf`, sent after it.
    large_body: Option<Bytes>,
    /// The connection cannot take another request (announced close, a body
    /// delimited by the close, an error, or bytes nobody asked for).
    closing: bool,
    /// When the last exchange ended.
    idle_since: Instant,
    #[cfg(unix)]
    fd: std::os::fd::RawFd,
}

/// A connection idle this long is checked with a socket peek before reuse: by
/// then a server's idle timeout may have closed it. Shorter idle times skip the
/// system call (a stale connection then costs one retry of an idempotent request).
const PEEK_AFTER_IDLE: Duration = Duration::from_secs(1);

impl Conn {
    /// Connects (TCP, then TLS for https) within `connect_timeout`.
    pub(crate) async fn open(
        target: &Target,
        connect_timeout: Duration,
        verify_tls: bool,
    ) -> Result<Conn, HttpError> {
        let host = target.host();
        let port = target.port;
        let connect = async {
            let tcp = connect_tcp(host, port).await?;
            let _ = tcp.set_nodelay(true);
            #[cfg(unix)]
            let fd = std::os::fd::AsRawFd::as_raw_fd(&tcp);
            let stream = if target.https {
                let name = tls::server_name(host)?;
                let connector = tokio_rustls::TlsConnector::from(tls::client_config(verify_tls));
                let tls = connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| error::from_io(&e, Some(&format!("{host}:{port}"))))?;
                Stream::Tls(Box::new(tls))
            } else {
                Stream::Plain(tcp)
            };
            Ok(Conn {
                https: target.https,
                host: host.into(),
                port,
                stream,
                read_buf: BytesMut::new(),
                write_buf: Vec::new(),
                large_body: None,
                closing: false,
                idle_since: Instant::now(),
                #[cfg(unix)]
                fd,
            })
        };
        match tokio::time::timeout(connect_timeout, connect).await {
            Ok(result) => result,
            Err(_) => Err(HttpError::ConnectTimeout {
                addr: format!("{host}:{port}"),
                timeout: connect_timeout,
            }),
        }
    }

    /// Whether this connection goes to `target`'s origin.
    pub(crate) fn serves(&self, target: &Target) -> bool {
        self.https == target.https && self.port == target.port && *self.host == *target.host()
    }

    /// Whether an idle connection can take another request: the last exchange
    /// left it usable, and the server has not closed it or sent anything
    /// meanwhile. That last check is a system call, made after a longer idle
    /// time or when `careful` (for requests that must not be sent twice);
    /// otherwise a close nobody noticed yet costs one retry of the (idempotent)
    /// request on a new connection.
    pub(crate) fn is_reusable(&self, careful: bool, now: Instant) -> bool {
        if self.closing {
            return false;
        }
        #[cfg(unix)]
        if (careful || now.saturating_duration_since(self.idle_since) >= PEEK_AFTER_IDLE)
            && peer_closed_or_sent(self.fd)
        {
            return false;
        }
        true
    }

    /// Marks the end of an exchange, at `now` (the connection goes back to the pool).
    pub(crate) fn mark_idle(&mut self, now: Instant) {
        self.idle_since = now;
    }

    /// Starts the next request: its request line. `path` must be a valid
    /// request target (checked by [`is_request_target`]).
    pub(crate) fn start_request(&mut self, method: &Method, path: &str) {
        self.write_buf.clear();
        self.large_body = None;
        self.write_buf.extend_from_slice(method.as_str().as_bytes());
        self.write_buf.push(b' ');
        self.write_buf.extend_from_slice(path.as_bytes());
        self.write_buf.extend_from_slice(b" HTTP/1.1\r\n");
    }

    /// Adds a header to the request started (`HeaderValue`s hold no line breaks).
    /// A request that says `Connection: close` ends its connection.
    pub(crate) fn header(&mut self, name: &HeaderName, value: &HeaderValue) {
        if name == CONNECTION && has_token(value, "close") {
            self.closing = true;
        }
        self.write_buf.extend_from_slice(name.as_str().as_bytes());
        self.write_buf.extend_from_slice(b": ");
        self.write_buf.extend_from_slice(value.as_bytes());
        self.write_buf.extend_from_slice(b"\r\n");
    }

    /// Ends the request head; `body` follows it.
    pub(crate) fn finish_request(&mut self, body: Option<&Bytes>) {
        self.write_buf.extend_from_slice(b"\r\n");
        match body {
            Some(body) if body.len() > COPIED_BODY_BYTES => self.large_body = Some(body.clone()),
            Some(body) => self.write_buf.extend_from_slice(body),
            None => {}
        }
    }

    /// Sends the request built with [`start_request`](Self::start_request) and
    /// reads the whole response (keeping up to `max_body` bytes of its body)
    /// within `timeout` from `now` (the caller's clock reading). The
    /// connection comes back with the outcome, for the pool or to be dropped.
    /// With `stream.leave_body`, the body stays on the connection (unless the
    /// response is a redirect to follow): [`Exchange::unread`] says how it is framed.
    pub(crate) async fn round_trip(
        mut self: Box<Self>,
        head_request: bool,
        max_body: usize,
        stream: Streaming,
        timeout: Duration,
        now: Instant,
    ) -> (Box<Conn>, Result<Exchange, SendFailure>) {
        let exchange = self.exchange(head_request, max_body, stream);
        let result = match now.checked_add(timeout) {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), exchange)
                .await
                .unwrap_or(Err(SendFailure::Failed(HttpError::Timeout(timeout)))),
            // Beyond the clock's range: no deadline.
            None => exchange.await,
        };
        if result.is_err() {
            self.closing = true;
        }
        if self.write_buf.capacity() > KEPT_WRITE_BUFFER {
            self.write_buf = Vec::new();
        }
        (self, result)
    }

    async fn exchange(
        &mut self,
        head_request: bool,
        max_body: usize,
        stream: Streaming,
    ) -> Result<Exchange, SendFailure> {
        self.send().await?;
        let head = self.read_head(head_request).await?;
        let followed = stream.follow
            && is_redirect(head.status)
            && head.headers.contains_key(http::header::LOCATION);
        if stream.leave_body && head.framing != Framing::Empty && !followed {
            return Ok(Exchange {
                status: head.status,
                headers: head.headers,
                body: Bytes::new(),
                unread: Some(head.framing),
                length: 0,
                decode_error: None,
            });
        }
        let mut reader = BodyReader::new(&head.headers, max_body);
        self.read_body(head.framing, &mut reader)
            .await
            .map_err(SendFailure::Failed)?;
        self.end_body();
        let (body, length, decode_error) = reader.finish();
        Ok(Exchange {
            status: head.status,
            headers: head.headers,
            body,
            unread: None,
            length,
            decode_error,
        })
    }

    /// After a response's body: bytes beyond it put the connection out of step.
    pub(crate) fn end_body(&mut self) {
        if !self.read_buf.is_empty() {
            self.closing = true;
        }
    }

    /// The received bytes not consumed yet.
    pub(crate) fn buffered(&mut self) -> &mut BytesMut {
        &mut self.read_buf
    }

    /// Writes the request out.
    async fn send(&mut self) -> Result<(), SendFailure> {
        let mut written = 0;
        while written < self.write_buf.len() {
            match self.stream.write(&self.write_buf[written..]).await {
                Ok(0) => {
                    return Err(unanswered(
                        written,
                        HttpError::ConnectionClosed("connection closed while sending".into()),
                    ))
                }
                Ok(n) => written += n,
                Err(e) => return Err(unanswered(written, error::from_io(&e, None))),
            }
        }
        if let Some(body) = self.large_body.take() {
            if let Err(e) = self.stream.write_all(&body).await {
                return Err(SendFailure::NoResponse(error::from_io(&e, None)));
            }
        }
        // TLS keeps what was written until flushed; TCP flushes at once.
        self.stream
            .flush()
            .await
            .map_err(|e| SendFailure::NoResponse(error::from_io(&e, None)))
    }

    /// Reads until a final response head (skipping 1xx interim responses).
    async fn read_head(&mut self, head_request: bool) -> Result<Head, SendFailure> {
        let mut interim = false;
        loop {
            if !self.read_buf.is_empty() {
                match self.parse_head(head_request).map_err(SendFailure::Failed)? {
                    Some(head) if (100..200).contains(&head.status) && head.status != 101 => {
                        interim = true;
                        continue;
                    }
                    Some(head) => return Ok(head),
                    None => {}
                }
            }
            let nothing_yet = !interim && self.read_buf.is_empty();
            let failure = |e| {
                if nothing_yet {
                    SendFailure::NoResponse(e)
                } else {
                    SendFailure::Failed(e)
                }
            };
            match self.read_more(0).await {
                Ok(0) => return Err(failure(incomplete())),
                Ok(_) => {}
                Err(e) => return Err(failure(e)),
            }
        }
    }

    /// Parses a response head at the start of the read buffer, if it is
    /// complete, and takes it out of the buffer. The header values share the
    /// head's bytes instead of being copied.
    fn parse_head(&mut self, head_request: bool) -> Result<Option<Head>, HttpError> {
        // Where each header's name and value are in the head.
        let mut spans = [(0u32, 0u32, 0u32, 0u32); MAX_HEADERS];
        let (len, status, version, count) = {
            let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut slots);
            let len = match response.parse(&self.read_buf) {
                Ok(httparse::Status::Complete(len)) if len <= MAX_HEAD_BYTES => len,
                Ok(httparse::Status::Partial) if self.read_buf.len() <= MAX_HEAD_BYTES => {
                    return Ok(None)
                }
                Ok(_) => {
                    return Err(HttpError::Protocol(format!(
                        "response head larger than {} KiB",
                        MAX_HEAD_BYTES >> 10
                    )))
                }
                Err(httparse::Error::TooManyHeaders) => {
                    return Err(HttpError::Protocol(format!(
                        "more than {MAX_HEADERS} response headers"
                    )))
                }
                Err(e) => return Err(HttpError::Protocol(format!("invalid response: {e}"))),
            };
            let start = self.read_buf.as_ptr() as usize;
            let offset = |s: &[u8]| (s.as_ptr() as usize - start) as u32;
            for (span, h) in spans.iter_mut().zip(response.headers.iter()) {
                *span = (
                    offset(h.name.as_bytes()),
                    h.name.len() as u32,
                    offset(h.value),
                    h.value.len() as u32,
                );
            }
            let status = response.code.unwrap_or_default();
            (
                len,
                status,
                response.version.unwrap_or(1),
                response.headers.len(),
            )
        };
        let head = self.read_buf.split_to(len).freeze();
        let mut headers = HeaderMap::with_capacity(count);
        for &(name_at, name_len, value_at, value_len) in &spans[..count] {
            let (name_at, value_at) = (name_at as usize, value_at as usize);
            let name = HeaderName::from_bytes(&head[name_at..name_at + name_len as usize])
                .map_err(|_| HttpError::Protocol("invalid response header name".into()))?;
            let value =
                HeaderValue::from_maybe_shared(head.slice(value_at..value_at + value_len as usize))
                    .map_err(|_| {
                        HttpError::Protocol(format!("invalid value of header '{name}'"))
                    })?;
            headers.append(name, value);
        }
        let framing = framing(head_request, status, &headers)?;
        self.closing |=
            status == 101 || framing == Framing::UntilClose || closes(version, &headers);
        Ok(Some(Head {
            status,
            headers,
            framing,
        }))
    }

    /// Reads the body framed by `framing` into `reader`.
    async fn read_body(
        &mut self,
        framing: Framing,
        reader: &mut BodyReader,
    ) -> Result<(), HttpError> {
        match framing {
            Framing::Empty => Ok(()),
            Framing::Length(length) => self.read_exactly(length, reader).await,
            Framing::UntilClose => loop {
                if !self.read_buf.is_empty() {
                    reader.push(self.read_buf.split().freeze());
                }
                if self.read_more(MAX_READ_CHUNK).await? == 0 {
                    return Ok(());
                }
            },
            Framing::Chunked => loop {
                let size = self.read_chunk_size().await?;
                if size == 0 {
                    return self.skip_trailers().await;
                }
                self.read_exactly(size, reader).await?;
                self.fill(2).await?;
                if &self.read_buf[..2] != b"\r\n" {
                    return Err(HttpError::Protocol("chunk not followed by CRLF".into()));
                }
                self.read_buf.advance(2);
            },
        }
    }

    /// Moves the next `length` body bytes into `reader`.
    async fn read_exactly(
        &mut self,
        length: u64,
        reader: &mut BodyReader,
    ) -> Result<(), HttpError> {
        let mut remaining = length;
        loop {
            let available = self
                .read_buf
                .len()
                .min(usize::try_from(remaining).unwrap_or(usize::MAX));
            if available > 0 {
                reader.push(self.read_buf.split_to(available).freeze());
                remaining -= available as u64;
            }
            if remaining == 0 {
                return Ok(());
            }
            let hint = usize::try_from(remaining).unwrap_or(usize::MAX);
            if self.read_more(hint).await? == 0 {
                return Err(incomplete());
            }
        }
    }

    /// Reads a chunk-size line; the size.
    pub(crate) async fn read_chunk_size(&mut self) -> Result<u64, HttpError> {
        loop {
            match httparse::parse_chunk_size(&self.read_buf) {
                Ok(httparse::Status::Complete((used, size))) => {
                    self.read_buf.advance(used);
                    return Ok(size);
                }
                Ok(httparse::Status::Partial) if self.read_buf.len() < 4096 => {
                    if self.read_more(0).await? == 0 {
                        return Err(incomplete());
                    }
                }
                _ => return Err(HttpError::Protocol("invalid chunk size line".into())),
            }
        }
    }

    /// Skips the trailer section after the last chunk, up to its empty line.
    pub(crate) async fn skip_trailers(&mut self) -> Result<(), HttpError> {
        loop {
            match self.read_buf.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    let blank = end == 0 || (end == 1 && self.read_buf[0] == b'\r');
                    self.read_buf.advance(end + 1);
                    if blank {
                        return Ok(());
                    }
                }
                None if self.read_buf.len() > MAX_HEAD_BYTES => {
                    return Err(HttpError::Protocol("trailer section too large".into()))
                }
                None => {
                    if self.read_more(0).await? == 0 {
                        return Err(incomplete());
                    }
                }
            }
        }
    }

    /// Reads until at least `n` bytes are buffered.
    pub(crate) async fn fill(&mut self, n: usize) -> Result<(), HttpError> {
        while self.read_buf.len() < n {
            if self.read_more(0).await? == 0 {
                return Err(incomplete());
            }
        }
        Ok(())
    }

    /// One read from the socket into the buffer (room for about `hint`
    /// bytes, within limits); 0 at the end of the stream.
    pub(crate) async fn read_more(&mut self, hint: usize) -> Result<usize, HttpError> {
        if self.read_buf.capacity() - self.read_buf.len() < READ_CHUNK / 8 {
            self.read_buf
                .reserve(hint.clamp(READ_CHUNK, MAX_READ_CHUNK));
        }
        self.stream
            .read_buf(&mut self.read_buf)
            .await
            .map_err(|e| error::from_io(&e, None))
    }
}

/// The failure of a request whose sending failed after `written` bytes.
fn unanswered(written: usize, error: HttpError) -> SendFailure {
    if written == 0 {
        SendFailure::NotSent
    } else {
        SendFailure::NoResponse(error)
    }
}

pub(crate) fn incomplete() -> HttpError {
    HttpError::ConnectionClosed("connection closed before the response was complete".into())
}

/// How the body of a response to a request (HEAD or not) with `status` and
/// `headers` is delimited.
fn framing(head_request: bool, status: u16, headers: &HeaderMap) -> Result<Framing, HttpError> {
    if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(Framing::Empty);
    }
    if headers.contains_key(TRANSFER_ENCODING) {
        let last = headers
            .get_all(TRANSFER_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|t| !t.is_empty());
        return Ok(match last {
            Some(coding) if coding.eq_ignore_ascii_case("chunked") => Framing::Chunked,
            _ => Framing::UntilClose,
        });
    }
    let mut length = None;
    for value in headers.get_all(CONTENT_LENGTH) {
        for item in value.as_bytes().split(|&b| b == b',') {
            let item = item.trim_ascii();
            let parsed = std::str::from_utf8(item)
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<u64>().ok());
            match (parsed, length) {
                (Some(n), None) => length = Some(n),
                (Some(n), Some(seen)) if n == seen => {}
                _ => return Err(HttpError::Protocol("invalid Content-Length".into())),
            }
        }
    }
    Ok(length.map_or(Framing::UntilClose, Framing::Length))
}

/// Whether `status` redirects (when a Location comes with it).
pub(crate) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Whether a `Connection` header value lists `token`.
fn has_token(value: &HeaderValue, token: &str) -> bool {
    value
        .to_str()
        .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

/// Whether a response ends its connection: `Connection: close`, or HTTP/1.0
/// without `Connection: keep-alive` (`version` is httparse's minor version).
fn closes(version: u8, headers: &HeaderMap) -> bool {
    let has = |token: &str| {
        headers
            .get_all(CONNECTION)
            .iter()
            .any(|value| has_token(value, token))
    };
    if version == 0 {
        !has("keep-alive")
    } else {
        has("close")
    }
}

/// Whether `path` can go on the request line as it is: visible ASCII only.
pub(crate) fn is_request_target(path: &str) -> bool {
    !path.is_empty() && path.bytes().all(|b| b.is_ascii_graphic())
}

/// TCP connect; IP literals skip name resolution, names try each address.
async fn connect_tcp(host: &str, port: u16) -> Result<TcpStream, HttpError> {
    let addr_text = || format!("{host}:{port}");
    if let Ok(ip) = host.parse::<IpAddr>() {
        return TcpStream::connect(SocketAddr::new(ip, port))
            .await
            .map_err(|e| error::from_io(&e, Some(&addr_text())));
    }
    let addrs = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| HttpError::Dns(format!("cannot resolve '{host}': {e}")))?;
    let mut last = HttpError::Dns(format!("'{host}' resolved to no address"));
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) => last = error::from_io(&e, Some(&addr_text())),
        }
    }
    Err(last)
}

/// Whether the peer closed an idle socket or sent unsolicited bytes: a
/// non-blocking `MSG_PEEK`. tokio's cached readiness can lag behind a FIN that
/// already arrived, so this asks the kernel (as urllib3 does before reuse).
#[cfg(unix)]
fn peer_closed_or_sent(fd: std::os::fd::RawFd) -> bool {
    use std::os::fd::FromRawFd;
    // SAFETY: `fd` is the socket owned by this connection's stream, open for as
    // long as the `Conn` lives; ManuallyDrop keeps this view from closing it.
    let socket = std::mem::ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(fd) });
    let mut byte = [0u8; 1];
    !matches!(socket.peek(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn bodies_are_framed_as_rfc_9112_says() {
        let length = headers(&[("content-length", "12")]);
        assert_eq!(framing(false, 200, &length), Ok(Framing::Length(12)));
        assert_eq!(framing(true, 200, &length), Ok(Framing::Empty));
        for status in [101, 103, 204, 304] {
            assert_eq!(framing(false, status, &length), Ok(Framing::Empty));
        }
        let both = headers(&[
            ("content-length", "12"),
            ("transfer-encoding", "gzip, chunked"),
        ]);
        assert_eq!(framing(false, 200, &both), Ok(Framing::Chunked));
        let not_last = headers(&[
            ("transfer-encoding", "chunked"),
            ("transfer-encoding", "gzip"),
        ]);
        assert_eq!(framing(false, 200, &not_last), Ok(Framing::UntilClose));
        assert_eq!(
            framing(false, 200, &HeaderMap::new()),
            Ok(Framing::UntilClose)
        );
        let repeated = headers(&[("content-length", "7, 7"), ("content-length", "7")]);
        assert_eq!(framing(false, 200, &repeated), Ok(Framing::Length(7)));
        for bad in ["7, 8", "-1", "+7", "0x10", "", "99999999999999999999999"] {
            let map = headers(&[("content-length", bad)]);
            assert!(framing(false, 200, &map).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn http_1_0_closes_unless_kept_alive() {
        assert!(closes(0, &HeaderMap::new()));
        assert!(!closes(0, &headers(&[("connection", "Keep-Alive")])));
        assert!(!closes(1, &HeaderMap::new()));
        assert!(closes(1, &headers(&[("connection", "upgrade, close")])));
    }

    #[test]
    fn request_targets_are_visible_ascii() {
        assert!(is_request_target("/a?b=c%20d"));
        assert!(!is_request_target("/a b"));
        assert!(!is_request_target("/a\r\nX: y"));
        assert!(!is_request_target(""));
    }
}

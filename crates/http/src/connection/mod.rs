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
//!
//! The pieces, one idea each:
//! - [`socket`]: the TCP or TLS stream, connecting it, and checking an idle one;
//! - [`request`]: writing the request line, headers and body;
//! - [`head`]: parsing the response head and deciding the body's framing;
//! - [`reading`]: the read buffer, and reading a body by its framing.
//!
//! This file holds the connection itself: opening it, deciding whether it can
//! be reused, and driving one exchange (send, read the head, read or leave the
//! body) within the request's timeout.

mod head;
mod reading;
mod request;
mod socket;

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::HeaderMap;

use crate::body::BodyReader;
use crate::error::{self, HttpError};
use crate::tls;
use crate::url::Target;

pub(crate) use head::{is_redirect, Framing};
pub(crate) use reading::incomplete;
pub(crate) use request::is_request_target;
use socket::{connect_tcp, Stream};

/// A request buffer that grew beyond this (a large body) is not kept idle.
const KEPT_WRITE_BUFFER: usize = 4 << 10;

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
            && socket::peer_closed_or_sent(self.fd)
        {
            return false;
        }
        true
    }

    /// Marks the end of an exchange, at `now` (the connection goes back to the pool).
    pub(crate) fn mark_idle(&mut self, now: Instant) {
        self.idle_since = now;
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
}

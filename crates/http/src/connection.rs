//! One keep-alive HTTP/1.1 connection (TCP or TLS) driven by hyper.
//!
//! The hyper connection task is not spawned: it is polled inside the request
//! future ([`RoundTrip`]), so a request costs one task wake-up per event and
//! the client runs on any tokio runtime, `LocalSet` or not.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::CONNECTION;
use http::response::Parts;
use http::Request;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper::client::conn::TrySendError;
use hyper_util::rt::TokioIo;
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;
use tokio_rustls::client::TlsStream;

use crate::body::BodyReader;
use crate::error::{self, HttpError};
use crate::tls;
use crate::url::Target;

/// The request body sent through hyper: the whole body at once, boxed. hyper
/// moves each request through a per-connection channel made of blocks of 32
/// request slots, so every byte of a request costs 32 bytes of memory per
/// connection; with a boxed body (8 bytes instead of 32) a block is 768 bytes
/// smaller.
pub(crate) struct ReqBody(Option<Box<Bytes>>);

impl ReqBody {
    /// A body with these bytes (none, or empty: no body).
    pub(crate) fn new(bytes: Option<&Bytes>) -> ReqBody {
        ReqBody(bytes.filter(|b| !b.is_empty()).map(|b| Box::new(b.clone())))
    }
}

impl Body for ReqBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.get_mut().0.take().map(|bytes| Ok(Frame::data(*bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.as_ref().map_or(0, |bytes| bytes.len() as u64))
    }
}

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

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
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

/// A response whose body has been read.
pub(crate) struct Exchange {
    pub parts: Parts,
    pub body: Bytes,
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
    sender: SendRequest<ReqBody>,
    driver: Connection<TokioIo<Stream>, ReqBody>,
    /// `Some` once the connection task ended (with its error, if any).
    ended: Option<Option<HttpError>>,
    /// The last response said the connection closes after it.
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
                let name = tls::server_name(host).map_err(HttpError::Tls)?;
                let connector = tokio_rustls::TlsConnector::from(tls::client_config(verify_tls));
                let tls = connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| error::from_io(&e, Some(&format!("{host}:{port}"))))?;
                Stream::Tls(Box::new(tls))
            } else {
                Stream::Plain(tcp)
            };
            let (sender, driver) = http1::Builder::new()
                .handshake(TokioIo::new(stream))
                .await
                .map_err(|e| error::from_hyper(&e))?;
            Ok(Conn {
                https: target.https,
                host: host.into(),
                port,
                sender,
                driver,
                ended: None,
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

    /// Whether an idle connection can take another request: hyper has not
    /// closed it, the last response did not announce a close, and the server
    /// has not closed it or sent anything meanwhile. That last check is a system
    /// call, made after a longer idle time or when `careful` (for requests that
    /// must not be sent twice); otherwise a close nobody noticed yet costs one
    /// retry of the (idempotent) request on a new connection.
    pub(crate) fn is_reusable(&self, careful: bool, now: Instant) -> bool {
        if self.ended.is_some() || self.closing || self.sender.is_closed() {
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

    /// Starts one exchange on this connection: sends `req` and reads the whole
    /// response body (keeping up to `max_body` bytes) within `timeout` from
    /// `now` (the caller's clock reading, so the exchange needs none).
    pub(crate) fn round_trip(
        mut self: Box<Self>,
        req: Request<ReqBody>,
        max_body: usize,
        timeout: Duration,
        now: Instant,
    ) -> RoundTrip<impl Future<Output = HeadResult>> {
        let head = self.sender.try_send_request(req);
        RoundTrip {
            conn: Some(self),
            stage: Stage::Head { head },
            max_body,
            timeout,
            deadline: match now.checked_add(timeout) {
                Some(deadline) => tokio::time::sleep_until(deadline.into()),
                // Beyond the clock's range: tokio's far future.
                None => tokio::time::sleep(timeout),
            },
        }
    }

    /// Polls hyper's connection task (it reads and writes the socket), noting
    /// when it ends.
    fn poll_driver(&mut self, cx: &mut Context<'_>) {
        if self.ended.is_none() {
            if let Poll::Ready(result) = Pin::new(&mut self.driver).poll(cx) {
                self.ended = Some(result.err().map(|e| error::from_hyper(&e)));
            }
        }
    }

    /// The connection task's own error, which explains a failure best.
    fn explain(&self, fallback: HttpError) -> HttpError {
        self.ended.clone().flatten().unwrap_or(fallback)
    }
}

/// What hyper answers to a sent request: the response head, or why not.
pub(crate) type HeadResult = Result<http::Response<Incoming>, TrySendError<Request<ReqBody>>>;

pin_project! {
    /// Where an exchange is.
    #[project = StageProj]
    #[project_replace = StageOwned]
    enum Stage<F> {
        /// Waiting for the response head.
        Head { #[pin] head: F },
        /// Reading the body.
        Body { parts: Parts, body: Incoming, reader: BodyReader },
        /// The output was returned.
        Done,
    }
}

pin_project! {
    /// One exchange on one connection ([`Conn::round_trip`]): sends the request,
    /// reads the whole response, and polls the hyper connection task in the same
    /// task, within the read timeout. Written by hand rather than as nested
    /// `async` blocks, so a request's state is stored once, compactly: it is
    /// part of every user's task and is moved on each new request.
    pub(crate) struct RoundTrip<F> {
        conn: Option<Box<Conn>>,
        #[pin]
        stage: Stage<F>,
        max_body: usize,
        timeout: Duration,
        #[pin]
        deadline: Sleep,
    }
}

impl<F: Future<Output = HeadResult>> Future for RoundTrip<F> {
    /// The connection back (for the pool, or to drop) and the outcome.
    type Output = (Box<Conn>, Result<Exchange, SendFailure>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let conn = this
            .conn
            .as_mut()
            .expect("RoundTrip polled after completion");
        conn.poll_driver(cx);
        let mut stage = this.stage;
        let outcome = loop {
            match stage.as_mut().project() {
                StageProj::Head { head } => match head.poll(cx) {
                    Poll::Pending => break None,
                    Poll::Ready(Ok(response)) => {
                        let (parts, body) = response.into_parts();
                        conn.closing = announces_close(&parts);
                        let reader = BodyReader::new(&parts.headers, *this.max_body);
                        stage.set(Stage::Body {
                            parts,
                            body,
                            reader,
                        });
                    }
                    Poll::Ready(Err(mut e)) => {
                        break Some(Err(match e.take_message() {
                            Some(_unsent) => SendFailure::NotSent,
                            None => {
                                SendFailure::NoResponse(conn.explain(error::from_hyper(e.error())))
                            }
                        }))
                    }
                },
                StageProj::Body { body, reader, .. } => match Pin::new(body).poll_frame(cx) {
                    Poll::Pending => break None,
                    Poll::Ready(Some(Ok(frame))) => {
                        if let Ok(data) = frame.into_data() {
                            reader.push(data);
                        }
                    }
                    Poll::Ready(Some(Err(e))) => {
                        break Some(Err(SendFailure::Failed(
                            conn.explain(error::from_hyper(&e)),
                        )))
                    }
                    Poll::Ready(None) => {
                        let StageOwned::Body { parts, reader, .. } =
                            stage.as_mut().project_replace(Stage::Done)
                        else {
                            unreachable!("the stage was Body")
                        };
                        let (body, length, decode_error) = reader.finish();
                        break Some(Ok(Exchange {
                            parts,
                            body,
                            length,
                            decode_error,
                        }));
                    }
                },
                StageProj::Done => panic!("RoundTrip polled after completion"),
            }
        };
        let outcome = match outcome {
            Some(outcome) => outcome,
            None => match this.deadline.poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) => Err(SendFailure::Failed(HttpError::Timeout(*this.timeout))),
            },
        };
        stage.set(Stage::Done);
        let conn = this.conn.take().expect("checked above");
        Poll::Ready((conn, outcome))
    }
}

/// Whether a response ends its connection: `Connection: close`, or HTTP/1.0
/// without `Connection: keep-alive`.
fn announces_close(parts: &Parts) -> bool {
    let has = |token: &str| {
        parts
            .headers
            .get_all(CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    if parts.version <= http::Version::HTTP_10 {
        !has("keep-alive")
    } else {
        has("close")
    }
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
    // SAFETY: `fd` is the socket owned by this connection's hyper driver, open for
    // as long as the `Conn` lives; ManuallyDrop keeps this view from closing it.
    let socket = std::mem::ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(fd) });
    let mut byte = [0u8; 1];
    !matches!(socket.peek(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hyper queues requests in blocks of 32 slots per connection, so each byte
    /// of a request is 32 bytes per connection: the body is boxed (a request
    /// was 256 bytes with `http_body_util::Full`).
    #[test]
    fn requests_stay_small() {
        assert_eq!(std::mem::size_of::<ReqBody>(), 8);
        let size = std::mem::size_of::<Request<ReqBody>>();
        assert!(size <= 232, "a request is {size} bytes");
    }
}

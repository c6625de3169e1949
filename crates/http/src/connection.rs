//! One keep-alive HTTP/1.1 connection (TCP or TLS) driven by hyper.
//!
//! The hyper connection task is not spawned: it is polled inside the request
//! future ([`Conn::round_trip`]), so a request costs one task wake-up per event
//! and the client runs on any tokio runtime, `LocalSet` or not.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::response::Parts;
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::body::BodyReader;
use crate::error::{self, HttpError};
use crate::tls;
use crate::url::Target;

/// The request body type sent through hyper.
pub(crate) type ReqBody = Full<Bytes>;

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
    NotSent(Box<Request<ReqBody>>),
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
    /// closed it and the server has not closed it (or sent anything) meanwhile.
    pub(crate) fn is_reusable(&mut self) -> bool {
        if self.ended.is_some() || self.sender.is_closed() {
            return false;
        }
        let mut cx = Context::from_waker(Waker::noop());
        if let Poll::Ready(result) = Pin::new(&mut self.driver).poll(&mut cx) {
            self.ended = Some(result.err().map(|e| error::from_hyper(&e)));
            return false;
        }
        #[cfg(unix)]
        if self.idle_since.elapsed() >= PEEK_AFTER_IDLE && peer_closed_or_sent(self.fd) {
            return false;
        }
        true
    }

    /// Marks the end of an exchange (the connection goes back to the pool).
    pub(crate) fn mark_idle(&mut self) {
        self.idle_since = Instant::now();
    }

    /// Sends `req` and reads the whole response body, keeping up to `max_body` bytes.
    pub(crate) async fn round_trip(
        &mut self,
        req: Request<ReqBody>,
        max_body: usize,
    ) -> Result<Exchange, SendFailure> {
        let Conn {
            sender,
            driver,
            ended,
            ..
        } = self;
        let exchange = pin!(async {
            let response = match sender.try_send_request(req).await {
                Ok(r) => r,
                Err(mut e) => {
                    return Err(match e.take_message() {
                        Some(req) => SendFailure::NotSent(Box::new(req)),
                        None => SendFailure::NoResponse(error::from_hyper(e.error())),
                    })
                }
            };
            let (parts, mut body) = response.into_parts();
            let mut reader = BodyReader::new(&parts.headers, max_body);
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| SendFailure::Failed(error::from_hyper(&e)))?;
                if let Ok(data) = frame.into_data() {
                    reader.push(data);
                }
            }
            let (body, length, decode_error) = reader.finish();
            Ok(Exchange {
                parts,
                body,
                length,
                decode_error,
            })
        });
        let result = Drive {
            driver,
            ended: &mut *ended,
            inner: exchange,
        }
        .await;
        // The connection task's own error explains a failure best.
        let explained = |e: HttpError| ended.as_ref().and_then(|x| x.clone()).unwrap_or(e);
        match result {
            Err(SendFailure::Failed(e)) => Err(SendFailure::Failed(explained(e))),
            Err(SendFailure::NoResponse(e)) => Err(SendFailure::NoResponse(explained(e))),
            other => other,
        }
    }
}

/// Polls the hyper connection task, then the request future, in one task.
struct Drive<'a, F> {
    driver: &'a mut Connection<TokioIo<Stream>, ReqBody>,
    ended: &'a mut Option<Option<HttpError>>,
    inner: Pin<&'a mut F>,
}

impl<F: Future> Future for Drive<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        if this.ended.is_none() {
            if let Poll::Ready(result) = Pin::new(&mut *this.driver).poll(cx) {
                *this.ended = Some(result.err().map(|e| error::from_hyper(&e)));
            }
        }
        this.inner.as_mut().poll(cx)
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

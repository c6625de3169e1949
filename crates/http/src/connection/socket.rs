//! The socket under a connection: a TCP or TLS stream behind one type, how it
//! is connected, and how an idle one is checked for a close.
//!
//! [`Stream`] lets the rest of the connection read and write without caring
//! whether TLS is in the way. [`connect_tcp`] resolves the host (unless it is
//! an IP literal) and tries each address in turn. [`peer_closed_or_sent`] asks
//! the kernel directly whether the server closed (or wrote to) an idle socket,
//! which tokio's cached readiness may not know yet.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::error::{self, HttpError};

/// A TCP or TLS stream.
pub(super) enum Stream {
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

/// TCP connect; IP literals skip name resolution, names try each address.
pub(super) async fn connect_tcp(host: &str, port: u16) -> Result<TcpStream, HttpError> {
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
pub(super) fn peer_closed_or_sent(fd: std::os::fd::RawFd) -> bool {
    use std::os::fd::FromRawFd;
    // SAFETY: `fd` is the socket owned by this connection's stream, open for as
    // long as the `Conn` lives; ManuallyDrop keeps this view from closing it.
    let socket = std::mem::ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(fd) });
    let mut byte = [0u8; 1];
    !matches!(socket.peek(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

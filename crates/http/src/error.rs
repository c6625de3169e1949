//! [`HttpError`]: why a request failed below the HTTP status level, and how
//! transport errors from rustls and the OS are classified into it.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

/// Why a request failed below the HTTP status level (or before it was sent).
///
/// `Display` gives the message recorded in the statistics, `Kind: detail`, e.g.
/// `ConnectionRefused: connection refused (127.0.0.1:1)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The URL (or the client's host) cannot be used.
    InvalidUrl(String),
    /// The request cannot be built (bad header name or value, unserialisable JSON…).
    InvalidRequest(String),
    /// Nothing listens at the address.
    ConnectionRefused(String),
    /// The host name did not resolve.
    Dns(String),
    /// No TCP connection (and TLS handshake) within the connect timeout.
    ConnectTimeout {
        /// `host:port` being connected to.
        addr: String,
        /// The connect timeout.
        timeout: Duration,
    },
    /// No complete response within the (read) timeout.
    Timeout(Duration),
    /// The peer reset the connection.
    ConnectionReset(String),
    /// The peer closed the connection before the response was complete.
    ConnectionClosed(String),
    /// TLS handshake or certificate verification failed.
    Tls(String),
    /// The peer did not speak valid HTTP/1.x.
    Protocol(String),
    /// More redirects than `max_redirects`.
    TooManyRedirects(usize),
    /// The body could not be decoded per its Content-Encoding.
    Decode(String),
    /// Any other I/O error.
    Io(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::InvalidUrl(m) => write!(f, "InvalidUrl: {m}"),
            HttpError::InvalidRequest(m) => write!(f, "InvalidRequest: {m}"),
            HttpError::ConnectionRefused(m) => write!(f, "ConnectionRefused: {m}"),
            HttpError::Dns(m) => write!(f, "DnsError: {m}"),
            HttpError::ConnectTimeout { addr, timeout } => write!(
                f,
                "ConnectTimeout: no connection to {addr} within {:.3} s",
                timeout.as_secs_f64()
            ),
            HttpError::Timeout(d) => {
                write!(f, "Timeout: no response within {:.3} s", d.as_secs_f64())
            }
            HttpError::ConnectionReset(m) => write!(f, "ConnectionReset: {m}"),
            HttpError::ConnectionClosed(m) => write!(f, "ConnectionClosed: {m}"),
            HttpError::Tls(m) => write!(f, "TlsError: {m}"),
            HttpError::Protocol(m) => write!(f, "ProtocolError: {m}"),
            HttpError::TooManyRedirects(n) => {
                write!(f, "TooManyRedirects: exceeded {n} redirects")
            }
            HttpError::Decode(m) => write!(f, "DecodeError: {m}"),
            HttpError::Io(m) => write!(f, "IoError: {m}"),
        }
    }
}

impl StdError for HttpError {}

/// Classifies an I/O error; `addr` (if any) is appended to connect-time messages.
pub(crate) fn from_io(err: &io::Error, addr: Option<&str>) -> HttpError {
    if let Some(tls) = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return HttpError::Tls(tls.to_string());
    }
    let with_addr = |msg: &str| match addr {
        Some(a) => format!("{msg} ({a})"),
        None => msg.to_owned(),
    };
    match err.kind() {
        io::ErrorKind::ConnectionRefused => {
            HttpError::ConnectionRefused(with_addr("connection refused"))
        }
        io::ErrorKind::ConnectionReset => {
            HttpError::ConnectionReset(with_addr("connection reset by peer"))
        }
        io::ErrorKind::ConnectionAborted => {
            HttpError::ConnectionReset(with_addr("connection aborted"))
        }
        io::ErrorKind::BrokenPipe => HttpError::ConnectionReset(with_addr("broken pipe")),
        io::ErrorKind::UnexpectedEof => {
            HttpError::ConnectionClosed(with_addr("connection closed unexpectedly"))
        }
        kind => HttpError::Io(with_addr(&format!("{kind:?}: {err}"))),
    }
}

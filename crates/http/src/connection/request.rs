//! Writing a request: the request line and headers go straight into the
//! connection's write buffer, a small body is copied behind them, and the lot
//! leaves in one write.
//!
//! The client builds a request with [`Conn::start_request`], one
//! [`Conn::header`] per header and [`Conn::finish_request`]; the exchange then
//! [sends](Conn::send) it. A body larger than [`COPIED_BODY_BYTES`] is not
//! copied: it is written from where it is, after the head. How far sending got
//! decides whether a failed request may be retried ([`SendFailure`]).

use bytes::Bytes;
use http::header::CONNECTION;
use http::{HeaderName, HeaderValue, Method};
use tokio::io::AsyncWriteExt;

use super::{Conn, SendFailure};
use crate::error::{self, HttpError};

/// Bodies up to this size are copied behind the request head and go out in the
/// same write; larger ones are written from where they are.
const COPIED_BODY_BYTES: usize = 16 << 10;

impl Conn {
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

    /// Writes the request out.
    pub(super) async fn send(&mut self) -> Result<(), SendFailure> {
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
}

/// The failure of a request whose sending failed after `written` bytes.
fn unanswered(written: usize, error: HttpError) -> SendFailure {
    if written == 0 {
        SendFailure::NotSent
    } else {
        SendFailure::NoResponse(error)
    }
}

/// Whether a `Connection` header value lists `token`.
pub(super) fn has_token(value: &HeaderValue, token: &str) -> bool {
    value
        .to_str()
        .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

/// Whether `path` can go on the request line as it is: visible ASCII only.
pub(crate) fn is_request_target(path: &str) -> bool {
    !path.is_empty() && path.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_targets_are_visible_ascii() {
        assert!(is_request_target("/a?b=c%20d"));
        assert!(!is_request_target("/a b"));
        assert!(!is_request_target("/a\r\nX: y"));
        assert!(!is_request_target(""));
    }
}

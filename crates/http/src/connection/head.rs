//! Reading a response head: parsing it with `httparse`, and deciding from it
//! how the body is delimited and whether the connection survives the exchange.
//!
//! [`Conn::read_head`] reads until a final head is in the read buffer,
//! skipping 1xx interim responses. [`Conn::parse_head`] takes the head out of
//! the buffer without copying header values: they share the head's bytes. The
//! body's [`Framing`] follows RFC 9112 §6.3 ([`framing`]); a response that
//! announces a close, or is HTTP/1.0 without keep-alive ([`closes`]), or whose
//! body runs until the close, marks the connection as closing.

use http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue};

use super::reading::incomplete;
use super::request::has_token;
use super::{Conn, SendFailure};
use crate::error::HttpError;

/// Response heads larger than this are refused (hyper's limit too).
pub(super) const MAX_HEAD_BYTES: usize = 64 << 10;
/// Response headers beyond this count are refused (hyper's limit too).
const MAX_HEADERS: usize = 100;

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
pub(super) struct Head {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) framing: Framing,
}

impl Conn {
    /// Reads until a final response head (skipping 1xx interim responses).
    pub(super) async fn read_head(&mut self, head_request: bool) -> Result<Head, SendFailure> {
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
}

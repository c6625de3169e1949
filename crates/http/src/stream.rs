//! [`BodyStream`]: the body of a streamed response (`stream=True`), read from
//! its connection as the caller asks for it. The connection goes back to its
//! client's pool once the body has been read to its end; a stream dropped or
//! closed before that closes the connection (its unread bytes would put the
//! next exchange out of step).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Weak};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;

use crate::body::BodyReader;
use crate::connection::{incomplete, Conn, Framing};
use crate::error::HttpError;

/// Connections handed back by streams that were read to their end, waiting
/// for their client to take them into its pool (at its next request).
#[derive(Default)]
pub(crate) struct ReturnedConns {
    any: AtomicBool,
    /// Boxed as in the pool they go to.
    #[allow(clippy::vec_box)]
    conns: Mutex<Vec<Box<Conn>>>,
}

impl ReturnedConns {
    fn give(&self, conn: Box<Conn>) {
        self.conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(conn);
        self.any.store(true, Ordering::Release);
    }

    /// The connections handed back since the last call (one atomic load when none).
    #[allow(clippy::vec_box)]
    pub(crate) fn take(&self) -> Vec<Box<Conn>> {
        // A plain load first: the swap is a locked instruction, and this
        // runs before every request.
        if !self.any.load(Ordering::Relaxed) || !self.any.swap(false, Ordering::Acquire) {
            return Vec::new();
        }
        std::mem::take(&mut *self.conns.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// How much a [`BodyStream::read`] waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// At least this many bytes (fewer only at the end of the body), and
    /// whatever else has arrived already.
    AtLeast(usize),
    /// The rest of the body (at most the client's `max_body_bytes` of it are
    /// kept; more are read and dropped).
    Rest,
}

/// Where the framing of the body stands.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Bytes left of a `Content-Length` body.
    Length(u64),
    /// Chunked: bytes left in the current chunk (0: a size line comes next),
    /// and whether the CRLF that ends the previous chunk is still to be read.
    Chunked { left: u64, crlf: bool },
    /// Everything until the server closes the connection.
    UntilClose,
    /// Read to its end (the connection went home), closed, or failed.
    Done,
}

/// The unread body of a streamed response. Reads must run on the tokio
/// runtime that made the request (the connection is registered with it).
pub struct BodyStream {
    conn: Option<Box<Conn>>,
    state: State,
    /// Decodes the Content-Encoding for reads that ask for it.
    decoder: BodyReader,
    /// Whether any read was decoded (the decoder is then finished at the end).
    decoding: bool,
    chunked: bool,
    /// Bytes read from the connection and not handed out yet.
    pending: BytesMut,
    timeout: Duration,
    max_body: usize,
    home: Weak<ReturnedConns>,
    /// Why the stream failed: every later read fails with it.
    failed: Option<HttpError>,
}

impl fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyStream")
            .field("state", &self.state)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl BodyStream {
    pub(crate) fn new(
        conn: Box<Conn>,
        framing: Framing,
        headers: &HeaderMap,
        max_body: usize,
        timeout: Duration,
        home: Weak<ReturnedConns>,
    ) -> BodyStream {
        let state = match framing {
            Framing::Empty => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Chunked => State::Chunked {
                left: 0,
                crlf: false,
            },
            Framing::UntilClose => State::UntilClose,
        };
        let mut stream = BodyStream {
            conn: Some(conn),
            state,
            decoder: BodyReader::new(headers, max_body),
            decoding: false,
            chunked: framing == Framing::Chunked,
            pending: BytesMut::new(),
            timeout,
            max_body,
            home,
            failed: None,
        };
        if matches!(stream.state, State::Length(0) | State::Done) {
            stream.finish();
        }
        stream
    }

    /// Whether the body has been read to its end (or the stream closed or failed).
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done) && self.pending.is_empty()
    }

    /// Whether the body is framed in chunks (`Transfer-Encoding: chunked`).
    pub fn is_chunked(&self) -> bool {
        self.chunked
    }

    /// Closes the stream: a connection with unread bytes is closed, not reused.
    pub fn close(&mut self) {
        self.conn = None;
        self.state = State::Done;
        self.pending.clear();
    }

    /// Reads `amount` of the body, decoded per its Content-Encoding when
    /// `decode`, else as sent; empty at the end. Each call has the request's
    /// read timeout; an error (timeout, connection closed early, invalid
    /// encoding) ends the stream and comes back from every later read.
    pub async fn read(&mut self, amount: Amount, decode: bool) -> Result<Bytes, HttpError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = match tokio::time::timeout(self.timeout, self.read_inner(amount, decode)).await
        {
            Ok(result) => result,
            Err(_) => Err(HttpError::Timeout(self.timeout)),
        };
        if let Err(e) = &result {
            self.failed = Some(e.clone());
            self.close();
        }
        result
    }

    async fn read_inner(&mut self, amount: Amount, decode: bool) -> Result<Bytes, HttpError> {
        loop {
            let ready = match amount {
                Amount::AtLeast(n) => self.pending.len() >= n.max(1),
                Amount::Rest => false,
            };
            if ready {
                return Ok(self.pending.split().freeze());
            }
            if matches!(self.state, State::Done) {
                return Ok(self.pending.split().freeze());
            }
            match self.next_framed().await? {
                Some(bytes) if decode => {
                    self.decoding = true;
                    self.decoder.push(bytes);
                    if let Some(e) = self.decoder.error() {
                        return Err(e.clone());
                    }
                    let decoded = self.decoder.take();
                    self.keep(&decoded, amount);
                }
                Some(bytes) => self.keep(&bytes, amount),
                None => self.end(amount)?,
            }
            if matches!(self.state, State::Length(0)) {
                // The whole body is in: the connection can go home now.
                self.end(amount)?;
            }
        }
    }

    /// The body's last bytes were read: the decoder's last output is kept and
    /// the connection goes home.
    fn end(&mut self, amount: Amount) -> Result<(), HttpError> {
        if self.decoding {
            if let Some(e) = self.decoder.end() {
                return Err(e);
            }
            let last = self.decoder.take();
            self.keep(&last, amount);
        }
        self.finish();
        Ok(())
    }

    /// Adds bytes read to those pending; reading the rest keeps at most
    /// `max_body_bytes` (as a body read whole does).
    fn keep(&mut self, bytes: &[u8], amount: Amount) {
        let room = match amount {
            Amount::Rest => self.max_body.saturating_sub(self.pending.len()),
            Amount::AtLeast(_) => bytes.len(),
        };
        self.pending
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// The body ended: the connection goes home, ready for the next request.
    fn finish(&mut self) {
        self.state = State::Done;
        if let Some(mut conn) = self.conn.take() {
            conn.end_body();
            conn.mark_idle(Instant::now());
            if let Some(home) = self.home.upgrade() {
                home.give(conn);
            }
        }
    }

    /// The next body bytes as framed on the connection (None at the end).
    async fn next_framed(&mut self) -> Result<Option<Bytes>, HttpError> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(None);
        };
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Length(0) => return Ok(None),
                State::Length(left) => {
                    if conn.buffered().is_empty() {
                        let hint = usize::try_from(left).unwrap_or(usize::MAX);
                        if conn.read_more(hint).await? == 0 {
                            return Err(incomplete());
                        }
                    }
                    let buffered = conn.buffered();
                    let n = buffered
                        .len()
                        .min(usize::try_from(left).unwrap_or(usize::MAX));
                    self.state = State::Length(left - n as u64);
                    return Ok(Some(buffered.split_to(n).freeze()));
                }
                State::UntilClose => {
                    if conn.buffered().is_empty() && conn.read_more(0).await? == 0 {
                        return Ok(None);
                    }
                    return Ok(Some(conn.buffered().split().freeze()));
                }
                State::Chunked { left: 0, crlf } => {
                    if crlf {
                        conn.fill(2).await?;
                        if &conn.buffered()[..2] != b"\r\n" {
                            return Err(HttpError::Protocol("chunk not followed by CRLF".into()));
                        }
                        conn.buffered().advance(2);
                    }
                    let size = conn.read_chunk_size().await?;
                    if size == 0 {
                        conn.skip_trailers().await?;
                        return Ok(None);
                    }
                    self.state = State::Chunked {
                        left: size,
                        crlf: true,
                    };
                }
                State::Chunked { left, .. } => {
                    if conn.buffered().is_empty() && conn.read_more(0).await? == 0 {
                        return Err(incomplete());
                    }
                    let buffered = conn.buffered();
                    let n = buffered
                        .len()
                        .min(usize::try_from(left).unwrap_or(usize::MAX));
                    self.state = State::Chunked {
                        left: left - n as u64,
                        crlf: true,
                    };
                    return Ok(Some(buffered.split_to(n).freeze()));
                }
            }
        }
    }
}

//! Reading from the socket: the connection's read buffer, and a response body
//! by its [`Framing`] (a length, chunks, or everything until the close).
//!
//! Every read goes into the same buffer, which the connection keeps between
//! requests; [`Conn::read_more`] grows it by a chunk sized to what is expected.
//! Body bytes are split off that buffer and handed to the [`BodyReader`]
//! without copying. The chunk-size, trailer and fill steps are also used by a
//! streamed body ([`crate::stream`]), read after the exchange returned.

use bytes::Buf;
use tokio::io::AsyncReadExt;

use super::head::MAX_HEAD_BYTES;
use super::{Conn, Framing};
use crate::body::BodyReader;
use crate::error::{self, HttpError};

/// The smallest read: room for a typical response in one system call.
const READ_CHUNK: usize = 8 << 10;
/// The largest read, for long bodies.
const MAX_READ_CHUNK: usize = 64 << 10;

impl Conn {
    /// Reads the body framed by `framing` into `reader`.
    pub(super) async fn read_body(
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

pub(crate) fn incomplete() -> HttpError {
    HttpError::ConnectionClosed("connection closed before the response was complete".into())
}

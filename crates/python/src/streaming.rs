//! Streamed bodies in Python (`stream=True`): a response whose body is still
//! on its connection, read as Python asks (`iter_content`, `iter_lines`,
//! `raw.read`, FastResponse's `read`/`stream`, or `content`/`text`/`json`,
//! which read the rest). Each read goes to the I/O thread like a request and
//! the greenlet waits for it in the hub, so other users run meanwhile.

use bytes::{Bytes, BytesMut};
use locusta_http::{Amount, BodyStream, HttpError};
use pyo3::exceptions::{PyConnectionError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::native::response::Response;
use crate::native::state::{io, next_request_id, stream_error, wait};

/// The streamed body of a Python response.
pub(crate) struct StreamBody {
    /// The body on its connection; None while a read is in flight (or after
    /// a wait for one was interrupted).
    body: Option<Box<BodyStream>>,
    /// Bytes read from the connection and not handed out yet.
    local: BytesMut,
    /// The rest of the body, once read whole for `content`/`text`/`json`.
    pub(crate) content: Option<Bytes>,
    /// Reads handed out part of the body (requests then refuses `content`
    /// once the body is consumed).
    handed_out: bool,
    closed: bool,
    chunked: bool,
    /// A FastHttpSession's response (its `content` gives what is left).
    fast: bool,
}

impl StreamBody {
    pub(crate) fn new(body: BodyStream, fast: bool) -> StreamBody {
        StreamBody {
            chunked: body.is_chunked(),
            body: Some(Box::new(body)),
            local: BytesMut::new(),
            content: None,
            handed_out: false,
            closed: false,
            fast,
        }
    }

    /// Whether nothing more will come: closed, or read to the end.
    fn ended(&self) -> bool {
        self.closed || self.body.as_ref().is_some_and(|b| b.is_done())
    }

    /// Closes the body: its connection is closed unless it was read to the end.
    pub(crate) fn close(&mut self) {
        self.closed = true;
        self.body = None;
        self.local.clear();
    }

    /// Whether `content` still has to read the body.
    pub(crate) fn unread(&self) -> bool {
        self.content.is_none()
    }
}

/// A finished read, on its way from the I/O thread to the waiting greenlet.
#[pyclass(module = "locusta")]
pub(crate) struct ReadDone {
    read: Option<(Box<BodyStream>, Result<Bytes, HttpError>)>,
}

impl ReadDone {
    pub(crate) fn new(stream: Box<BodyStream>, result: Result<Bytes, HttpError>) -> ReadDone {
        ReadDone {
            read: Some((stream, result)),
        }
    }
}

fn stream_mut(response: &mut Response) -> PyResult<&mut StreamBody> {
    response
        .stream
        .as_mut()
        .ok_or_else(|| PyRuntimeError::new_err("the response is not streamed"))
}

/// The Python exception for a failed read (requests' kinds when installed).
fn read_error(py: Python<'_>, error: &HttpError) -> PyErr {
    let kind = match error {
        HttpError::Timeout(_) => "timeout",
        HttpError::Decode(_) => "decode",
        _ => "connection",
    };
    match stream_error(py, kind, &error.to_string()) {
        Ok(Some(exception)) => PyErr::from_value(exception),
        Ok(None) => PyConnectionError::new_err(error.to_string()),
        Err(e) => e,
    }
}

/// Reads from the connection until at least `want` bytes are buffered
/// (`None`: the whole rest), fewer at the end of the body.
fn fill(response: &Bound<'_, Response>, want: Option<usize>, decode: bool) -> PyResult<()> {
    let py = response.py();
    let (stream, amount) = {
        let mut this = response.borrow_mut();
        let state = stream_mut(&mut this)?;
        let have = state.local.len();
        if want.is_some_and(|w| have >= w) || state.ended() {
            return Ok(());
        }
        let Some(stream) = state.body.take() else {
            return Err(PyRuntimeError::new_err(
                "the body of this streamed response is being read by another greenlet, or its read was interrupted",
            ));
        };
        let amount = want.map_or(Amount::Rest, |w| Amount::AtLeast(w - have));
        (stream, amount)
    };
    let id = next_request_id();
    let first = io()?.submit_read(stream, amount, decode, id);
    let done = match wait(py, id, first) {
        Ok(done) => done,
        Err(e) => {
            // Interrupted (the user was stopped): the read's stream is dropped
            // when it arrives, closing its connection.
            stream_mut(&mut response.borrow_mut())?.closed = true;
            return Err(e);
        }
    };
    let (stream, result) = done
        .bind(py)
        .downcast::<ReadDone>()?
        .borrow_mut()
        .read
        .take()
        .ok_or_else(|| PyRuntimeError::new_err("a read delivered twice"))?;
    let mut this = response.borrow_mut();
    let state = stream_mut(&mut this)?;
    if state.closed {
        return Ok(());
    }
    state.body = Some(stream);
    match result {
        Ok(bytes) => {
            state.local.extend_from_slice(&bytes);
            Ok(())
        }
        Err(e) => Err(read_error(py, &e)),
    }
}

/// The next `n` bytes of the body (`None`: the rest), fewer at its end;
/// empty once it ended.
pub(crate) fn read(
    response: &Bound<'_, Response>,
    n: Option<usize>,
    decode: bool,
) -> PyResult<Bytes> {
    fill(response, n, decode)?;
    let mut this = response.borrow_mut();
    let state = stream_mut(&mut this)?;
    let n = n.unwrap_or(usize::MAX).min(state.local.len());
    state.handed_out = true;
    Ok(state.local.split_to(n).freeze())
}

/// What arrives next, at most `n` bytes; empty once the body ended.
fn read_some(response: &Bound<'_, Response>, n: usize, decode: bool) -> PyResult<Bytes> {
    fill(response, Some(1), decode)?;
    let mut this = response.borrow_mut();
    let state = stream_mut(&mut this)?;
    let n = n.max(1).min(state.local.len());
    state.handed_out = true;
    Ok(state.local.split_to(n).freeze())
}

/// The next line of the body, with its `\n`; empty once the body ended.
pub(crate) fn readline(response: &Bound<'_, Response>, decode: bool) -> PyResult<Bytes> {
    loop {
        let want = {
            let mut this = response.borrow_mut();
            let state = stream_mut(&mut this)?;
            let end = state.local.iter().position(|&b| b == b'\n');
            if end.is_some() || state.ended() {
                let n = end.map_or(state.local.len(), |i| i + 1);
                state.handed_out = true;
                return Ok(state.local.split_to(n).freeze());
            }
            state.local.len() + 1
        };
        fill(response, Some(want), decode)?;
    }
}

/// Reads the rest of the body for `content`/`text`/`json` (decoded, kept up
/// to the client's max body size), unless done already.
pub(crate) fn read_content(response: &Bound<'_, Response>) -> PyResult<()> {
    {
        let mut this = response.borrow_mut();
        let Some(state) = this.stream.as_mut() else {
            return Ok(());
        };
        if !state.unread() {
            return Ok(());
        }
        if state.handed_out && state.ended() && state.local.is_empty() && !state.fast {
            return Err(PyRuntimeError::new_err(
                "The content for this response was already consumed",
            ));
        }
    }
    let rest = read(response, None, true)?;
    stream_mut(&mut response.borrow_mut())?.content = Some(rest);
    Ok(())
}

/// `iter_content()` of a streamed body: chunks of `chunk_size` bytes as
/// requests gives them (a chunked body: each piece as it arrives, at most
/// `chunk_size`; otherwise `chunk_size` bytes at a time; `None`: as they
/// arrive), text when decoding to text.
#[pyclass(module = "locusta")]
pub(crate) struct ContentIter {
    response: Py<Response>,
    chunk_size: Option<usize>,
    text: bool,
    /// The end of the last piece when it stopped inside a UTF-8 character.
    tail: Vec<u8>,
    /// FastResponse: a connection error ends the iteration (as Locust's).
    quiet: bool,
    done: bool,
}

impl ContentIter {
    pub(crate) fn new(
        response: Py<Response>,
        chunk_size: Option<usize>,
        text: bool,
        quiet: bool,
    ) -> ContentIter {
        ContentIter {
            response,
            chunk_size,
            text,
            tail: Vec::new(),
            quiet,
            done: false,
        }
    }

    fn next_piece(&mut self, py: Python<'_>) -> PyResult<Bytes> {
        let response = self.response.bind(py);
        let chunked = stream_mut(&mut response.borrow_mut())?.chunked;
        match self.chunk_size {
            None => read_some(response, usize::MAX, true),
            Some(n) if chunked => read_some(response, n, true),
            Some(n) => read(response, Some(n.max(1)), true),
        }
    }
}

/// Splits `bytes` (after `tail`) into text and the start of a character cut
/// at its end.
fn utf8_piece(tail: &mut Vec<u8>, bytes: &[u8], last: bool) -> String {
    tail.extend_from_slice(bytes);
    let complete = match std::str::from_utf8(tail) {
        Err(e) if e.error_len().is_none() && !last => e.valid_up_to(),
        _ => tail.len(),
    };
    let rest = tail.split_off(complete);
    let text = String::from_utf8_lossy(tail).into_owned();
    *tail = rest;
    text
}

#[pymethods]
impl ContentIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<PyObject>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let piece = match self.next_piece(py) {
                Ok(piece) => piece,
                Err(e) if self.quiet && e.is_instance_of::<PyConnectionError>(py) => Bytes::new(),
                Err(e) => return Err(e),
            };
            let last = piece.is_empty();
            self.done = last;
            if !self.text {
                if last {
                    return Ok(None);
                }
                return Ok(Some(PyBytes::new(py, &piece).into_any().unbind()));
            }
            let text = utf8_piece(&mut self.tail, &piece, last);
            if !text.is_empty() {
                return Ok(Some(PyString::new(py, &text).into_any().unbind()));
            }
        }
    }
}

/// `iter_lines()` of a streamed body: requests' algorithm over `iter_content`.
#[pyclass(module = "locusta")]
pub(crate) struct LinesIter {
    chunks: PyObject,
    delimiter: Option<PyObject>,
    /// A line not ended yet.
    pending: Option<PyObject>,
    /// Lines split off and not handed out yet.
    ready: std::collections::VecDeque<PyObject>,
    done: bool,
}

impl LinesIter {
    pub(crate) fn new(chunks: PyObject, delimiter: Option<PyObject>) -> LinesIter {
        LinesIter {
            chunks,
            delimiter,
            pending: None,
            ready: Default::default(),
            done: false,
        }
    }
}

#[pymethods]
impl LinesIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<PyObject>> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                return Ok(Some(line));
            }
            if self.done {
                return Ok(self.pending.take());
            }
            let chunks = self.chunks.bind(py);
            let Some(chunk) = chunks.call_method0("__next__").map(Some).or_else(|e| {
                if e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) {
                    Ok(None)
                } else {
                    Err(e)
                }
            })?
            else {
                self.done = true;
                continue;
            };
            let chunk = match self.pending.take() {
                Some(pending) => pending.bind(py).add(&chunk)?,
                None => chunk,
            };
            let lines = match &self.delimiter {
                Some(delimiter) => chunk.call_method1("split", (delimiter,))?,
                None => chunk.call_method0("splitlines")?,
            };
            let mut lines: Vec<Bound<'_, PyAny>> = lines.extract()?;
            // The last line is kept for the next chunk when the chunk ends inside it.
            if let Some(last) = lines.last() {
                let ends_inside = last.len()? > 0
                    && chunk.len()? > 0
                    && last.get_item(-1)?.eq(chunk.get_item(-1)?)?;
                if ends_inside {
                    self.pending = lines.pop().map(Bound::unbind);
                }
            }
            self.ready.extend(lines.into_iter().map(Bound::unbind));
        }
    }
}

/// The body as a file (requests' `response.raw`, FastResponse's `stream`):
/// bytes as sent unless `decode_content`.
#[pyclass(module = "locusta")]
pub(crate) struct Raw {
    response: Py<Response>,
    /// Undo the Content-Encoding (urllib3's `decode_content`; off, as requests leaves it).
    #[pyo3(get, set)]
    decode_content: bool,
}

impl Raw {
    pub(crate) fn new(response: Py<Response>) -> Raw {
        Raw {
            response,
            decode_content: false,
        }
    }
}

#[pymethods]
impl Raw {
    /// The next `amt` bytes (the rest without `amt`); empty at the end.
    #[pyo3(signature = (amt=None, decode_content=None))]
    fn read<'py>(
        &self,
        py: Python<'py>,
        amt: Option<usize>,
        decode_content: Option<bool>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let decode = decode_content.unwrap_or(self.decode_content);
        let bytes = read(self.response.bind(py), amt, decode)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The next line, with its `\n`; empty at the end.
    fn readline<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = readline(self.response.bind(py), self.decode_content)?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn readable(&self) -> bool {
        true
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The lines, as a file gives them.
    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let line = self.readline(py)?;
        Ok((!line.as_bytes().is_empty()).then_some(line))
    }

    /// The status code (geventhttpclient's response).
    #[getter]
    fn status_code(&self, py: Python<'_>) -> u16 {
        self.response.borrow(py).status_code()
    }

    /// The status code (geventhttpclient's response).
    fn get_code(&self, py: Python<'_>) -> u16 {
        self.status_code(py)
    }

    /// Ends the body: its connection is reused only if it was read to the end.
    fn close(&self, py: Python<'_>) {
        self.response.borrow_mut(py).close_stream();
    }

    /// geventhttpclient's name for [`close`](Self::close).
    fn release(&self, py: Python<'_>) {
        self.close(py);
    }

    /// Whether nothing more can be read.
    #[getter]
    fn closed(&self, py: Python<'_>) -> bool {
        self.response
            .borrow(py)
            .stream
            .as_ref()
            .is_none_or(|s| s.ended() && s.local.is_empty())
    }
}

/// Registers this module's classes in `locusta._native`.
pub(crate) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<ReadDone>()?;
    module.add_class::<ContentIter>()?;
    module.add_class::<LinesIter>()?;
    module.add_class::<Raw>()?;
    Ok(())
}

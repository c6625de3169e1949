//! The `Response` Python class: what a request made from Python returns,
//! shaped like requests' `Response` (and Locust's `FastResponse` for
//! FastHttpUser's requests), over the Rust client's [`HttpResponse`].
//!
//! A response is built by [`super::drain::drain`] from the request's
//! [`Outcome`]; its attributes are built only when Python reads them (the
//! text decoded once, the headers wrapped once), since most locustfiles
//! read one or two. A body sent with `stream=True` stays on its connection
//! and is read through [`crate::streaming`].
//!
//! With `catch_response=True` the response is also the context manager of
//! Locust's catch block: `success()`/`failure()` decide inside it, and the
//! end of the block reports the request to the statistics and fires the
//! Python `request` listeners through the registered hook.

use locusta_http::{Bytes, Response as HttpResponse};
use pyo3::exceptions::{PyAttributeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use super::headers::Headers;
use super::state::{classes, recorder};
use crate::io::report as report_request;
use crate::mailbox::Outcome;
use crate::streaming::{self, ContentIter, LinesIter, Raw, StreamBody};

/// A requests-like response. Attributes are built when read.
#[pyclass(module = "locusta", unsendable)]
pub(crate) struct Response {
    outcome: Outcome,
    /// Attributes Python code sets (`response._sent`, a user's own): kept
    /// here, not in a `__dict__` (`#[pyclass(dict)]`), whose emptied dict
    /// PyO3 0.23 never frees (PyO3 issue #5953: 64 bytes a response).
    attrs: Option<Py<PyDict>>,
    /// Inside the with-block of a caught request.
    entered: bool,
    text: Option<Py<PyString>>,
    headers: Option<Py<Headers>>,
    meta: Option<Py<PyDict>>,
    /// What success()/failure() decided: `Some(None)` success, `Some(Some(m))` failure.
    decided: Option<Option<String>>,
    /// How much of the body `read()` has handed out.
    read_at: usize,
    /// The body still on the connection (`stream=True`).
    pub(crate) stream: Option<StreamBody>,
}

impl Response {
    /// The response of a finished request (its body maybe still streaming).
    pub(super) fn new(mut outcome: Outcome) -> Response {
        let stream = outcome
            .response
            .take_stream()
            .map(|body| StreamBody::new(body, outcome.fast));
        Response {
            stream,
            outcome,
            attrs: None,
            entered: false,
            text: None,
            headers: None,
            meta: None,
            decided: None,
            read_at: 0,
        }
    }

    fn response(&self) -> &HttpResponse {
        &self.outcome.response
    }

    /// The body: the response's, or a streamed body's once read whole.
    fn body(&self) -> &Bytes {
        match self.stream.as_ref().and_then(|s| s.content.as_ref()) {
            Some(content) => content,
            None => self.response().bytes(),
        }
    }

    /// Whether the body is still (partly) on the connection.
    fn streaming(&self) -> bool {
        self.stream.as_ref().is_some_and(StreamBody::unread)
    }

    /// Closes a streamed body (its connection is reused only if it was read to the end).
    pub(crate) fn close_stream(&mut self) {
        if let Some(stream) = self.stream.as_mut() {
            stream.close();
        }
    }

    /// Checks that success()/failure() may be called now.
    fn check_catch(&self, py: Python<'_>, call: &str) -> PyResult<()> {
        let message = if !self.outcome.caught {
            format!(
                "{call}() is only available on responses of requests made with catch_response=True"
            )
        } else if !self.entered {
            format!("{call}() belongs inside the with-block of the request (catch_response=True): call it there")
        } else {
            return Ok(());
        };
        Err(PyErr::from_value(
            classes(py)?.locust_error.bind(py).call1((message,))?,
        ))
    }

    /// The statistics name: `request_meta["name"]` if it was edited, else the client's.
    fn report_name(&self, py: Python<'_>) -> PyResult<String> {
        if let Some(meta) = &self.meta {
            if let Some(name) = meta.bind(py).get_item("name")? {
                return name.extract();
            }
        }
        Ok(self.response().name().to_string())
    }

    /// At the end of a catch block: whether to swallow the exception, and
    /// whether to report (not when the block raised something else than a
    /// ResponseError without deciding, as Locust).
    fn decide(
        &mut self,
        py: Python<'_>,
        exc_type: &Bound<'_, PyAny>,
        exc: &Bound<'_, PyAny>,
    ) -> PyResult<(bool, bool)> {
        self.entered = false;
        if exc_type.is_none() || self.decided.is_some() {
            return Ok((false, true));
        }
        if exc.is_instance(classes(py)?.response_error.bind(py))? {
            // Locust reports the exception itself: `ResponseError('…')`.
            self.decided = Some(Some(exc.repr()?.to_string()));
            return Ok((true, true));
        }
        Ok((false, false))
    }
}

impl Response {
    /// The body as text, decoded once.
    fn cached_text(&mut self, py: Python<'_>) -> Py<PyString> {
        if let Some(text) = &self.text {
            return text.clone_ref(py);
        }
        let text: Py<PyString> = PyString::new(py, &String::from_utf8_lossy(self.body())).unbind();
        self.text = Some(text.clone_ref(py));
        text
    }
}

/// `iter_content`'s default chunk size: requests' or FastResponse's, by the response's kind.
const DEFAULT_CHUNK: isize = -1;

/// The reason phrase of a status (empty for unknown ones).
fn reason_of(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

#[pymethods]
impl Response {
    /// An attribute set from Python (only called when the response has no
    /// attribute of that name of its own).
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<PyObject> {
        let value = match &self.attrs {
            Some(attrs) => attrs.bind(py).get_item(name)?,
            None => None,
        };
        value.map(Bound::unbind).ok_or_else(|| {
            PyAttributeError::new_err(format!("'Response' object has no attribute '{name}'"))
        })
    }

    /// Sets an attribute of Python code's; the response's own stay read-only.
    fn __setattr__(&mut self, py: Python<'_>, name: &str, value: PyObject) -> PyResult<()> {
        if py.get_type::<Response>().hasattr(name)? {
            return Err(PyAttributeError::new_err(format!(
                "attribute '{name}' of 'Response' objects is not writable"
            )));
        }
        self.attrs
            .get_or_insert_with(|| PyDict::new(py).unbind())
            .bind(py)
            .set_item(name, value)
    }

    /// Removes an attribute set from Python.
    fn __delattr__(&mut self, py: Python<'_>, name: &str) -> PyResult<()> {
        match &self.attrs {
            Some(attrs) if attrs.bind(py).contains(name)? => attrs.bind(py).del_item(name),
            _ => Err(PyAttributeError::new_err(format!(
                "'Response' object has no attribute '{name}'"
            ))),
        }
    }

    /// The HTTP status; 0 when no response was received.
    #[getter]
    pub(crate) fn status_code(&self) -> u16 {
        self.response().status()
    }

    /// Whether the status is below 400 (and there was a response).
    #[getter]
    fn ok(&self) -> bool {
        self.response().ok()
    }

    /// The body as text (a streamed body is read to its end first).
    #[getter]
    fn text(slf: &Bound<'_, Self>) -> PyResult<Py<PyString>> {
        streaming::read_content(slf)?;
        Ok(slf.borrow_mut().cached_text(slf.py()))
    }

    /// The body as bytes (None when no response was received, as Locust; a
    /// streamed body is read to its end first).
    #[getter]
    fn content<'py>(slf: &Bound<'py, Self>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        streaming::read_content(slf)?;
        let this = slf.borrow();
        if this.response().status() == 0 {
            return Ok(None);
        }
        Ok(Some(PyBytes::new(slf.py(), this.body())))
    }

    /// The body in pieces of `chunk_size` bytes (text with `decode_unicode`,
    /// or FastResponse's `decode_content`). The defaults are requests' (1
    /// byte, bytes) or, for a FastResponse, Locust's (1024, text). A streamed
    /// body is read from the connection as the pieces are asked for.
    #[pyo3(signature = (chunk_size=DEFAULT_CHUNK, decode_unicode=false, decode_content=None))]
    fn iter_content<'py>(
        slf: &Bound<'py, Self>,
        chunk_size: Option<isize>,
        decode_unicode: bool,
        decode_content: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let fast = slf.borrow().outcome.fast;
        let decode_unicode = decode_unicode || decode_content.unwrap_or(fast);
        let chunk_size = match chunk_size {
            Some(DEFAULT_CHUNK) => Some(if fast { 1024 } else { 1 }),
            Some(n) => Some(usize::try_from(n).map_err(|_| {
                PyValueError::new_err(format!("chunk_size must be positive or None, not {n}"))
            })?),
            None => None,
        };
        if slf.borrow().streaming() {
            let chunks = ContentIter::new(slf.clone().unbind(), chunk_size, decode_unicode, fast);
            return Ok(Bound::new(py, chunks)?.into_any());
        }
        let mut this = slf.borrow_mut();
        let chunks = PyList::empty(py);
        if decode_unicode {
            let text = this.cached_text(py).bind(py).to_cow()?.into_owned();
            let chars: Vec<char> = text.chars().collect();
            for piece in chars.chunks(chunk_size.unwrap_or(chars.len().max(1)).max(1)) {
                chunks.append(piece.iter().collect::<String>())?;
            }
        } else {
            let body = this.body();
            for piece in body.chunks(chunk_size.unwrap_or(body.len().max(1)).max(1)) {
                chunks.append(PyBytes::new(py, piece))?;
            }
        }
        Ok(chunks.try_iter()?.into_any())
    }

    /// The body's lines, without their line ends (text with `decode_unicode`),
    /// split at `delimiter` when given. A streamed body is read as the lines
    /// are asked for (requests' algorithm, over `iter_content(chunk_size)`).
    #[pyo3(signature = (chunk_size=512, decode_unicode=false, delimiter=None))]
    fn iter_lines<'py>(
        slf: &Bound<'py, Self>,
        chunk_size: Option<usize>,
        decode_unicode: bool,
        delimiter: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if slf.borrow().streaming() {
            let chunks = ContentIter::new(slf.clone().unbind(), chunk_size, decode_unicode, false);
            let chunks = Bound::new(py, chunks)?.into_any().unbind();
            let lines = LinesIter::new(chunks, delimiter.map(|d| d.clone().unbind()));
            return Ok(Bound::new(py, lines)?.into_any());
        }
        let mut this = slf.borrow_mut();
        let body = PyBytes::new(py, this.body()).into_any();
        let body = if decode_unicode {
            this.cached_text(py).into_bound(py).into_any()
        } else {
            body
        };
        let lines = match delimiter {
            Some(delimiter) => body.call_method1("split", (delimiter,))?,
            None => body.call_method0("splitlines")?,
        };
        Ok(lines.try_iter()?.into_any())
    }

    /// The body as a file object (requests' `response.raw`): a streamed body
    /// is read from the connection, as sent (`raw.decode_content = True` decodes).
    #[getter]
    fn raw<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if slf.borrow().streaming() {
            return Ok(Bound::new(py, Raw::new(slf.clone().unbind()))?.into_any());
        }
        py.import("io")?
            .getattr("BytesIO")?
            .call1((PyBytes::new(py, slf.borrow().body()),))
    }

    /// FastResponse's `stream`: the body as a file object (see `raw`).
    #[getter]
    fn stream<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::raw(slf)
    }

    /// Closes the response: a streamed body not read to its end closes its
    /// connection (it is not reused).
    fn close(&mut self) {
        self.close_stream();
    }

    /// FastResponse's `read(n)`: the next `n` bytes of the body (the rest
    /// without `n`); a streamed body's as sent.
    #[pyo3(signature = (n=None))]
    fn read<'py>(slf: &Bound<'py, Self>, n: Option<usize>) -> PyResult<Bound<'py, PyBytes>> {
        let py = slf.py();
        if slf.borrow().streaming() {
            return Ok(PyBytes::new(py, &streaming::read(slf, n, false)?));
        }
        let mut this = slf.borrow_mut();
        let body = this.body().clone();
        let start = this.read_at.min(body.len());
        let end = n.map_or(body.len(), |n| (start + n).min(body.len()));
        this.read_at = end;
        Ok(PyBytes::new(py, &body[start..end]))
    }

    /// FastResponse's `readline()`: the next line of the body, with its `\n`.
    fn readline<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyBytes>> {
        let py = slf.py();
        if slf.borrow().streaming() {
            return Ok(PyBytes::new(py, &streaming::readline(slf, false)?));
        }
        let mut this = slf.borrow_mut();
        let body = this.body().clone();
        let start = this.read_at.min(body.len());
        let end = body[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |i| start + i + 1);
        this.read_at = end;
        Ok(PyBytes::new(py, &body[start..end]))
    }

    /// FastResponse's `status`: the status code as text.
    #[getter]
    fn status(&self) -> String {
        self.response().status().to_string()
    }

    /// The request that was sent: `method`, `url`, `headers`, `body`,
    /// `path_url` (requests' PreparedRequest attributes).
    #[getter]
    fn request(slf: &Bound<'_, Self>) -> PyResult<SentRequest> {
        let py = slf.py();
        let (headers, body) = match slf.getattr("_sent") {
            Ok(sent) => sent.extract::<(PyObject, PyObject)>()?,
            Err(_) => (PyDict::new(py).into_any().unbind(), py.None()),
        };
        let this = slf.borrow();
        let url = this.outcome.response.url().to_string();
        let path_url = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_else(|| "/".into());
        Ok(SentRequest {
            method: this.outcome.response.method().as_str().to_string(),
            url,
            path_url,
            headers,
            body,
        })
    }

    /// The body parsed as JSON.
    fn json<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let text = Self::text(slf)?;
        slf.py().import("json")?.call_method1("loads", (text,))
    }

    /// The headers, case-insensitive (built on first access).
    #[getter]
    fn headers(&mut self, py: Python<'_>) -> PyResult<Py<Headers>> {
        if let Some(headers) = &self.headers {
            return Ok(headers.clone_ref(py));
        }
        let headers = Py::new(py, Headers::new(self.response().headers().clone()))?;
        self.headers = Some(headers.clone_ref(py));
        Ok(headers)
    }

    /// Cookies this response set, `{name: value}`.
    #[getter]
    fn cookies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for value in self.response().headers().get_all("set-cookie") {
            let Ok(value) = value.to_str() else { continue };
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                dict.set_item(name.trim(), value.trim())?;
            }
        }
        Ok(dict)
    }

    /// The final URL.
    #[getter]
    fn url(&self) -> &str {
        self.response().url()
    }

    /// The redirects followed, as `(status_code, url)` objects.
    #[getter]
    fn history(&self) -> Vec<Hop> {
        self.response()
            .history()
            .iter()
            .map(|hop| Hop {
                status_code: hop.status,
                url: hop.url.clone(),
            })
            .collect()
    }

    /// Time the request took, a `datetime.timedelta`.
    #[getter]
    fn elapsed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let seconds = self.response().elapsed().as_secs_f64();
        py.import("datetime")?
            .getattr("timedelta")?
            .call1((0, seconds))
    }

    /// The charset of the Content-Type, if any.
    #[getter]
    fn encoding(&self) -> Option<String> {
        let content_type = self.response().header("content-type")?;
        let charset = content_type
            .split(';')
            .filter_map(|part| part.trim().strip_prefix("charset="))
            .next();
        match charset {
            Some(charset) => Some(charset.trim_matches('"').to_string()),
            None if content_type.starts_with("text/") => Some("ISO-8859-1".into()),
            None => None,
        }
    }

    /// The status's reason phrase.
    #[getter]
    fn reason(&self) -> &'static str {
        reason_of(self.response().status())
    }

    /// The connection-level error, for status-0 responses.
    #[getter]
    fn error(&self) -> Option<&str> {
        self.response().error()
    }

    /// Raises an HTTPError for a failed request (or a `failure()` in a catch block).
    fn raise_for_status(&self, py: Python<'_>) -> PyResult<()> {
        match self.failure_message() {
            Some(message) => Err(PyErr::from_value(
                classes(py)?.http_error.bind(py).call1((message,))?,
            )),
            None => Ok(()),
        }
    }

    /// What will be reported (editable inside a catch_response block, e.g. `name`).
    #[getter]
    fn request_meta(&mut self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        if let Some(meta) = &self.meta {
            return Ok(meta.clone_ref(py));
        }
        let response = self.response();
        let meta = PyDict::new(py);
        meta.set_item("request_type", response.method().as_str())?;
        meta.set_item("name", response.name())?;
        meta.set_item("response_time", response.elapsed().as_secs_f64() * 1000.0)?;
        meta.set_item("response_length", response.content_length())?;
        meta.set_item("start_time", response.start_time())?;
        meta.set_item("url", response.url())?;
        meta.set_item("exception", response.failure_message())?;
        let meta = meta.unbind();
        self.meta = Some(meta.clone_ref(py));
        Ok(meta)
    }

    /// Marks a caught request as a success.
    fn success(&mut self, py: Python<'_>) -> PyResult<()> {
        self.check_catch(py, "success")?;
        self.decided = Some(None);
        Ok(())
    }

    /// Marks a caught request as a failure (a message or an exception).
    fn failure(&mut self, py: Python<'_>, exc: &Bound<'_, PyAny>) -> PyResult<()> {
        self.check_catch(py, "failure")?;
        let message = if exc.is_instance_of::<pyo3::exceptions::PyBaseException>() {
            exc.repr()?.to_string()
        } else {
            exc.str()?.to_string()
        };
        self.decided = Some(Some(message));
        Ok(())
    }

    fn __enter__(slf: PyRefMut<'_, Self>) -> PyResult<PyRefMut<'_, Self>> {
        if !slf.outcome.caught {
            let py = slf.py();
            return Err(PyErr::from_value(
                classes(py)?.locust_error.bind(py).call1((
                    "A with-statement on a response needs catch_response=True in the request",
                ))?,
            ));
        }
        let mut slf = slf;
        slf.entered = true;
        Ok(slf)
    }

    /// Reports the caught request; a ResponseError raised in the block becomes
    /// the failure and is swallowed.
    fn __exit__(
        slf: &Bound<'_, Self>,
        exc_type: &Bound<'_, PyAny>,
        exc: &Bound<'_, PyAny>,
        _traceback: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let py = slf.py();
        let (suppress, name, failure, decided) = {
            let mut this = slf.borrow_mut();
            let (suppress, report) = this.decide(py, exc_type, exc)?;
            if !report {
                return Ok(false);
            }
            let name = this.report_name(py)?;
            let failure = this.failure_message();
            report_request(recorder()?, this.response(), &name, failure.as_deref());
            (suppress, name, failure, this.decided.is_some())
        };
        classes(py)?
            .caught_hook
            .bind(py)
            .call1((slf, name, failure, decided))?;
        Ok(suppress)
    }

    /// The statistics name the request is reported under.
    #[getter]
    fn name(&self) -> &str {
        self.response().name()
    }

    /// The failure this request is (or will be) reported with, or None.
    #[getter]
    fn failure_message(&self) -> Option<String> {
        match &self.decided {
            Some(decided) => decided.clone(),
            None => self.outcome.default_failure.clone(),
        }
    }

    fn __repr__(&self) -> String {
        format!("<Response [{}]>", self.response().status())
    }

    fn __bool__(&self) -> bool {
        self.response().ok()
    }
}

/// The request a response answers (requests' PreparedRequest, as tools read it).
#[pyclass(module = "locusta", get_all)]
struct SentRequest {
    method: String,
    url: String,
    path_url: String,
    headers: PyObject,
    body: PyObject,
}

#[pymethods]
impl SentRequest {
    fn __repr__(&self) -> String {
        format!("<PreparedRequest [{}]>", self.method)
    }
}

/// One redirect that was followed.
#[pyclass(module = "locusta", get_all)]
struct Hop {
    status_code: u16,
    url: String,
}

/// Registers this module's classes in `locusta._native`.
pub(super) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Response>()?;
    module.add_class::<Hop>()?;
    module.add_class::<SentRequest>()?;
    Ok(())
}

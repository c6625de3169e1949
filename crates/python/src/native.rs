//! The native module `locusta._native`: what the Python side (`locust` compatibility
//! package) calls into. HTTP clients and responses, the mailbox the hub
//! drains, statistics, the runner's controls.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use locusta_engine::events::UserError;
use locusta_engine::host::HostedUsers;
use locusta_engine::runner::Runner;
use locusta_http::{Bytes, ClientConfig, HeaderMap, Method, Multipart, Response as HttpResponse};
use locusta_stats::{Recorder, RequestRecord, SharedStats};
use pyo3::exceptions::{PyAttributeError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::io::{report as report_request, Body, IoThread, PreparedRequest, UserClients};
use crate::mailbox::{Answered, Call, Mailbox, Message, Outcome, Reply};
use crate::streaming::{self, ContentIter, LinesIter, Raw, ReadDone, StreamBody};

/// What the native module shares with the rest of the crate.
pub(crate) struct Shared {
    pub mailbox: Arc<Mailbox>,
    pub io: IoThread,
    /// The runner, once the test is set up.
    pub runner: OnceLock<Arc<Runner>>,
    /// Where Python-side records (catch_response, `events.request.fire`) go.
    pub recorder: OnceLock<Recorder>,
}

pub(crate) static SHARED: OnceLock<Shared> = OnceLock::new();

fn shared() -> PyResult<&'static Shared> {
    SHARED
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("locusta is not running"))
}

fn recorder() -> PyResult<&'static Recorder> {
    let shared = shared()?;
    if shared.runner.get().is_none() && SCRIPT.get().is_some() {
        return Ok(&script_stats().1);
    }
    shared
        .recorder
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("no test is running yet"))
}

/// Set once a script runs (`locusta --python FILE`): its requests and
/// `events.request.fire` are counted in statistics of its own, which
/// `environment.stats` reads.
static SCRIPT: OnceLock<(SharedStats, Recorder)> = OnceLock::new();

fn script_stats() -> &'static (SharedStats, Recorder) {
    SCRIPT.get_or_init(|| {
        let stats = SharedStats::new();
        let recorder = stats.recorder();
        (stats, recorder)
    })
}

/// Marks this process as running a script: statistics of its own from now on.
#[pyfunction]
fn script_mode() {
    script_stats();
}

/// The statistics Python reads: the runner's, else a script's, else none.
fn stats() -> PyResult<Option<&'static SharedStats>> {
    if let Some(runner) = shared()?.runner.get() {
        return Ok(Some(&runner.environment().stats));
    }
    Ok(SCRIPT.get().map(|(stats, _)| stats))
}

/// Python classes the native code raises or builds, registered by the
/// `locust` package at start-up.
struct PyClasses {
    http_error: PyObject,
    locust_error: PyObject,
    response_error: PyObject,
    /// Called after a catch_response block with `(response, name, failure)`,
    /// to fire the Python `request` listeners.
    caught_hook: PyObject,
    /// `wait(request_id, first)`: waits in the hub for a completion (a read
    /// of a streamed body) and returns it.
    wait: Option<PyObject>,
    /// `stream_error(kind, message)`: the exception for a failed read of a
    /// streamed body (`kind`: "timeout", "decode" or "connection").
    stream_error: Option<PyObject>,
}

static CLASSES: GILOnceCell<PyClasses> = GILOnceCell::new();

fn classes(py: Python<'_>) -> PyResult<&PyClasses> {
    CLASSES
        .get(py)
        .ok_or_else(|| PyRuntimeError::new_err("locusta._register was not called"))
}

/// Registers the exception classes and hooks the native code uses.
#[pyfunction]
#[pyo3(signature = (http_error, locust_error, response_error, caught_hook, wait=None, stream_error=None))]
fn _register(
    py: Python<'_>,
    http_error: PyObject,
    locust_error: PyObject,
    response_error: PyObject,
    caught_hook: PyObject,
    wait: Option<PyObject>,
    stream_error: Option<PyObject>,
) -> PyResult<()> {
    let _ = CLASSES.set(
        py,
        PyClasses {
            http_error,
            locust_error,
            response_error,
            caught_hook,
            wait,
            stream_error,
        },
    );
    Ok(())
}

/// Waits in the hub for the completion `id` (queued first of its batch when
/// `first`), through the registered `wait` hook.
pub(crate) fn wait(py: Python<'_>, id: u64, first: bool) -> PyResult<PyObject> {
    let wait = classes(py)?
        .wait
        .as_ref()
        .ok_or_else(|| PyRuntimeError::new_err("locusta._register was not given a wait hook"))?;
    Ok(wait.bind(py).call1((id, first))?.unbind())
}

/// The exception for a failed read of a streamed body, if a hook makes one.
pub(crate) fn stream_error<'py>(
    py: Python<'py>,
    kind: &str,
    message: &str,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match &classes(py)?.stream_error {
        Some(hook) => Ok(Some(hook.bind(py).call1((kind, message))?)),
        None => Ok(None),
    }
}

/// The I/O thread.
pub(crate) fn io() -> PyResult<&'static IoThread> {
    Ok(&shared()?.io)
}

/// A new id for a request or read, as completions name them.
pub(crate) fn next_request_id() -> u64 {
    NEXT_REQUEST.fetch_add(1, Ordering::Relaxed)
}

/// Hands the requests queued since the last flush to the I/O thread.
#[pyfunction]
fn flush() -> PyResult<()> {
    shared()?.io.flush();
    Ok(())
}

/// The eventfd the hub watches.
#[pyfunction]
fn mailbox_fd() -> PyResult<i32> {
    Ok(shared()?.mailbox.fd())
}

/// Every queued message: `(completions, commands)`, completions as
/// `(request id, Response)` pairs, commands as tuples.
#[pyfunction]
fn drain(py: Python<'_>) -> PyResult<(Bound<'_, PyList>, Bound<'_, PyList>)> {
    let messages = shared()?.mailbox.drain();
    let completed = PyList::empty(py);
    let commands = PyList::empty(py);
    for message in messages {
        match message {
            Message::Completed { request, outcome } => {
                let response = Bound::new(py, Response::new(outcome))?;
                completed.append((request, response))?;
            }
            Message::Read {
                request,
                stream,
                result,
            } => {
                let done = Bound::new(py, ReadDone::new(stream, result))?;
                completed.append((request, done))?;
            }
            Message::Spawn {
                class,
                count,
                users,
            } => commands.append(("spawn", class, count, Hosted { users }))?,
            Message::Stop {
                class,
                count,
                graceful,
            } => commands.append(("stop", class, count, graceful.map(|d| d.as_secs_f64())))?,
            Message::KillAll => commands.append(("kill_all",))?,
            Message::Custom {
                kind,
                data,
                node_id,
            } => commands.append(("message", kind, data, node_id))?,
            Message::WorkerReport { client_id, data } => {
                commands.append(("worker_report", data, client_id))?
            }
            Message::Call { call, reply } => {
                let reply = Answer { reply: Some(reply) };
                match call {
                    Call::Event { name, arguments } => {
                        let kwargs = PyDict::new(py);
                        for (key, value) in arguments {
                            kwargs.set_item(key, value)?;
                        }
                        commands.append(("event", name, kwargs, reply))?;
                    }
                    Call::ShapeTick {
                        shape,
                        run_time,
                        user_count,
                    } => commands.append(("shape", shape, (run_time, user_count), reply))?,
                    Call::Options(json) => commands.append(("options", json, 0, reply))?,
                    Call::UpdateClass(json) => commands.append(("update_class", json, 0, reply))?,
                    Call::FilterTasks(json) => commands.append(("filter_tasks", json, 0, reply))?,
                    Call::Wsgi(request) => {
                        commands.append(("wsgi", crate::wsgi::environ(py, &request)?, 0, reply))?
                    }
                    Call::AfterRequest(request, response) => {
                        let environ = crate::wsgi::environ(py, &request)?;
                        let answer = (
                            response.status,
                            response.headers,
                            PyBytes::new(py, &response.body),
                        );
                        commands.append(("after_request", environ, answer, reply))?
                    }
                }
            }
        }
    }
    Ok((completed, commands))
}

/// The answer to a call from Rust (an event fired, a shape tick).
#[pyclass(module = "locusta")]
struct Answer {
    reply: Option<SyncSender<Reply>>,
}

#[pymethods]
impl Answer {
    /// Answers; `tick` is a shape's `(users, rate[, classes])` or None.
    #[pyo3(signature = (tick=None))]
    fn send(&mut self, tick: Option<(u64, f64, Option<Vec<String>>)>) {
        if let Some(reply) = self.reply.take() {
            let _ =
                reply.send(tick.map(|(users, rate, classes)| Answered::Tick(users, rate, classes)));
        }
    }

    /// Answers a web UI request: status, headers, body.
    fn send_http(&mut self, status: u16, headers: Vec<(String, String)>, body: &[u8]) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(Some(Answered::Http(locusta_web::ExtensionResponse {
                status,
                headers,
                body: body.to_vec(),
            })));
        }
    }

    /// Answers with a text (`ok`) or an error message.
    fn send_result(&mut self, ok: bool, text: String) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(Some(Answered::Text(if ok { Ok(text) } else { Err(text) })));
        }
    }
}

/// The runner's side of one Python class: live counts, iterations, StopTest.
#[pyclass(module = "locusta")]
struct Hosted {
    users: HostedUsers,
}

#[pymethods]
impl Hosted {
    /// Counts a started user; its id.
    fn started(&self) -> u64 {
        self.users.started()
    }
    /// Counts an ended user.
    fn ended(&self) {
        self.users.ended()
    }
    /// Counts a task start against `--iterations`; False once spent.
    fn take_iteration(&self) -> bool {
        self.users.take_iteration()
    }
    /// Whether `--iterations` limits the tasks (else take_iteration() is always True).
    #[getter]
    fn limited(&self) -> bool {
        self.users.iterations_limited()
    }
    /// Ends the test.
    fn stop_test(&self, reason: String) {
        self.users.request_stop_test(reason)
    }
}

static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// One user's HTTP client (its cookie jar and keep-alive connections).
#[pyclass(module = "locusta")]
struct Client {
    clients: Arc<UserClients>,
    /// FastHttpUser's success rule.
    fast: bool,
}

fn text_pairs(object: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    if object.is_none() {
        return Ok(Vec::new());
    }
    let items = if let Ok(dict) = object.downcast::<PyDict>() {
        dict.call_method0("items")?
    } else if object.hasattr("items")? {
        object.call_method0("items")?
    } else {
        object.clone()
    };
    let mut pairs = Vec::new();
    for item in items.try_iter()? {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        let key = key.str()?.to_string();
        if value.is_none() {
            continue;
        }
        if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
            for each in value.try_iter()? {
                pairs.push((key.clone(), as_text(&each?)?));
            }
        } else {
            pairs.push((key, as_text(&value)?));
        }
    }
    Ok(pairs)
}

fn as_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(bytes) = value.downcast::<PyBytes>() {
        return Ok(String::from_utf8_lossy(bytes.as_bytes()).into_owned());
    }
    Ok(value.str()?.to_string())
}

fn body_of(
    data: &Bound<'_, PyAny>,
    json: Option<&Bound<'_, PyBytes>>,
    files: &Bound<'_, PyAny>,
) -> PyResult<Body> {
    if !files.is_none() {
        let mut form = Multipart::new();
        for (name, value) in text_pairs(data)? {
            form = form.text(&name, &value);
        }
        let items = if files.hasattr("items")? {
            files.call_method0("items")?
        } else {
            files.clone()
        };
        for item in items.try_iter()? {
            let (field, spec): (String, Bound<'_, PyAny>) = item?.extract()?;
            // A file is `content`, `(filename, content)` or `(filename, content, type)`.
            let (filename, content, content_type) = if let Ok(tuple) = spec.downcast::<PyTuple>() {
                let filename: Option<String> = tuple.get_item(0)?.extract()?;
                let content = tuple.get_item(1)?;
                let content_type: Option<String> = if tuple.len() > 2 {
                    tuple.get_item(2)?.extract()?
                } else {
                    None
                };
                (
                    filename.unwrap_or_else(|| field.clone()),
                    content,
                    content_type,
                )
            } else {
                (field.clone(), spec, None)
            };
            let content = if content.hasattr("read")? {
                content.call_method0("read")?
            } else {
                content
            };
            let bytes = if let Ok(bytes) = content.downcast::<PyBytes>() {
                bytes.as_bytes().to_vec()
            } else {
                content.str()?.to_string().into_bytes()
            };
            form = form.file(&field, &filename, content_type.as_deref(), bytes);
        }
        return Ok(Body::Multipart(form));
    }
    if let Some(json) = json {
        return Ok(Body::Raw(
            Bytes::copy_from_slice(json.as_bytes()),
            Some("application/json"),
        ));
    }
    if data.is_none() {
        return Ok(Body::None);
    }
    if let Ok(bytes) = data.downcast::<PyBytes>() {
        return Ok(Body::Raw(Bytes::copy_from_slice(bytes.as_bytes()), None));
    }
    if let Ok(text) = data.downcast::<PyString>() {
        return Ok(Body::Raw(Bytes::from(text.to_cow()?.into_owned()), None));
    }
    if data.hasattr("read")? {
        let content = data.call_method0("read")?;
        return body_of(&content, None, &files.py().None().into_bound(files.py()));
    }
    Ok(Body::Form(text_pairs(data)?))
}

#[pymethods]
impl Client {
    /// A client for `host` (None: absolute URLs only).
    #[new]
    #[pyo3(signature = (host, verify=true, timeout=60.0, connect_timeout=60.0, max_redirects=30, fast=false))]
    fn new(
        host: Option<String>,
        verify: bool,
        timeout: f64,
        connect_timeout: f64,
        max_redirects: usize,
        fast: bool,
    ) -> PyResult<Client> {
        let config = ClientConfig {
            verify_tls: verify,
            timeout: seconds(timeout)?,
            connect_timeout: seconds(connect_timeout)?,
            max_redirects,
            ..ClientConfig::default()
        };
        let clients = UserClients::new(host, Arc::new(config), recorder()?.clone())
            .map_err(PyValueError::new_err)?;
        Ok(Client {
            clients: Arc::new(clients),
            fast,
        })
    }

    /// Queues a request and returns its id, and whether it is the first since
    /// the last `flush()` (the caller then schedules one); the response
    /// arrives through `drain()`. `json` is the body already serialised.
    #[pyo3(signature = (method, url, name, catch, params, data, json, files, headers, auth, timeout, allow_redirects, stream=false))]
    #[allow(clippy::too_many_arguments)]
    fn send(
        &self,
        method: &str,
        url: String,
        name: Option<String>,
        catch: bool,
        params: &Bound<'_, PyAny>,
        data: &Bound<'_, PyAny>,
        json: Option<&Bound<'_, PyBytes>>,
        files: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        auth: Option<(String, String)>,
        timeout: Option<f64>,
        allow_redirects: Option<bool>,
        stream: bool,
    ) -> PyResult<(u64, bool)> {
        let method = parse_method(method)?;
        let request = PreparedRequest {
            method,
            url,
            name,
            headers: text_pairs(headers)?,
            query: text_pairs(params)?,
            body: body_of(data, json, files)?,
            basic_auth: auth,
            timeout: timeout.map(seconds).transpose()?,
            allow_redirects,
            catch,
            fast: self.fast,
            stream,
        };
        let id = next_request_id();
        let first = shared()?.io.submit(self.clients.clone(), request, id);
        Ok((id, first))
    }

    /// The cookies of this user's jar, `{name: value}` (empty while a request runs).
    fn cookies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        let pairs: Vec<(String, String)> = self
            .clients
            .with_main(|client| {
                client
                    .cookies()
                    .iter_unexpired()
                    .map(|c| (c.name().to_string(), c.value().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        for (name, value) in pairs {
            dict.set_item(name, value)?;
        }
        Ok(dict)
    }

    /// Stores a cookie as if `url` had answered with `Set-Cookie: set_cookie`.
    fn set_cookie(&self, url: &str, set_cookie: &str) -> PyResult<()> {
        self.clients
            .change_cookies(|client| client.set_cookie(url, set_cookie))
            .unwrap_or(Ok(()))
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Empties the cookie jar.
    fn clear_cookies(&self) {
        self.clients.change_cookies(|client| client.clear_cookies());
    }

    /// Closes the keep-alive connections.
    fn close(&self) {
        self.clients.with_main(|client| client.close_connections());
    }
}

/// The method, without allocating for the usual upper-case names.
fn parse_method(method: &str) -> PyResult<Method> {
    let known = match method {
        "GET" => Some(Method::GET),
        "POST" => Some(Method::POST),
        "PUT" => Some(Method::PUT),
        "PATCH" => Some(Method::PATCH),
        "DELETE" => Some(Method::DELETE),
        "HEAD" => Some(Method::HEAD),
        "OPTIONS" => Some(Method::OPTIONS),
        _ => None,
    };
    match known {
        Some(method) => Ok(method),
        None => Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| PyValueError::new_err(format!("invalid HTTP method {method:?}"))),
    }
}

fn seconds(value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| PyValueError::new_err(format!("invalid timeout {value}")))
}

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
    fn new(mut outcome: Outcome) -> Response {
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
        let headers = Py::new(
            py,
            Headers {
                map: self.response().headers().clone(),
            },
        )?;
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

/// Response headers: a read-only, case-insensitive mapping.
#[pyclass(module = "locusta", mapping)]
struct Headers {
    map: HeaderMap,
}

impl Headers {
    fn joined(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .map
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

#[pymethods]
impl Headers {
    fn __getitem__(&self, name: &str) -> PyResult<String> {
        self.joined(name)
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(name.to_string()))
    }
    #[pyo3(signature = (name, default=None))]
    fn get(&self, py: Python<'_>, name: &str, default: Option<PyObject>) -> PyObject {
        match self.joined(name) {
            Some(value) => value
                .into_pyobject(py)
                .map(|v| v.into_any().unbind())
                .unwrap_or_else(|_| py.None()),
            None => default.unwrap_or_else(|| py.None()),
        }
    }
    fn __contains__(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }
    fn __len__(&self) -> usize {
        self.map.keys_len()
    }
    fn keys(&self) -> Vec<String> {
        self.map.keys().map(|k| k.as_str().to_string()).collect()
    }
    fn items(&self) -> Vec<(String, String)> {
        self.map
            .keys()
            .filter_map(|k| Some((k.as_str().to_string(), self.joined(k.as_str())?)))
            .collect()
    }
    fn __iter__(&self, py: Python<'_>) -> PyResult<PyObject> {
        Ok(PyList::new(py, self.keys())?
            .try_iter()?
            .into_any()
            .unbind())
    }
    fn __repr__(&self) -> String {
        format!("{:?}", self.items())
    }
}

/// Records one request into the statistics (catch blocks, `events.request.fire`).
#[pyfunction]
#[pyo3(signature = (request_type, name, response_time, response_length, exception, start_time, url))]
fn record(
    request_type: &str,
    name: &str,
    response_time: Option<f64>,
    response_length: u64,
    exception: Option<&str>,
    start_time: f64,
    url: &str,
) -> PyResult<()> {
    let response_time = response_time
        .map(|ms| Duration::try_from_secs_f64(ms.max(0.0) / 1000.0))
        .transpose()
        .map_err(|_| PyValueError::new_err("invalid response_time"))?;
    recorder()?.record(&RequestRecord {
        request_type,
        name,
        response_time,
        response_length,
        error: exception,
        start_time,
        url,
        status: 0,
    });
    Ok(())
}

/// Adds an error in user code to the exceptions table and fires the engine's
/// `user_error` (its Rust listeners; the Python ones are fired by Python).
#[pyfunction]
#[pyo3(signature = (message, traceback, user_class=None, location=None))]
fn log_exception(
    message: &str,
    traceback: &str,
    user_class: Option<String>,
    location: Option<String>,
) -> PyResult<()> {
    if SCRIPT.get().is_some() && shared()?.runner.get().is_none() {
        script_stats().0.log_exception(message, traceback, "local");
    }
    if let Some(runner) = shared()?.runner.get() {
        let env = runner.environment();
        env.stats.log_exception(message, traceback, "local");
        if let Some(user_class) = user_class {
            env.events.user_error.fire(&UserError {
                user_class,
                location: location.unwrap_or_default(),
                message: message.to_string(),
            });
        }
    }
    Ok(())
}

/// Counts an exception in a Python event listener (the exit code becomes 2).
#[pyfunction]
fn unhandled_error() {
    locusta_engine::events::record_unhandled_error();
}

/// Logs through locusta's logger (the `--loglevel`/`--logfile` settings).
#[pyfunction]
#[pyo3(name = "log")]
fn log_record(level: u32, target: &str, message: &str) {
    let level = match level {
        40.. => log::Level::Error,
        30..=39 => log::Level::Warn,
        20..=29 => log::Level::Info,
        _ => log::Level::Debug,
    };
    log::log!(target: target, level, "{message}");
}

/// Sends a custom message to the other processes of a distributed test
/// (`data` as JSON): a worker's to its master, a master's to `client_id` or to
/// every worker.
#[pyfunction]
#[pyo3(signature = (kind, data, client_id=None))]
fn send_message(kind: &str, data: &str, client_id: Option<&str>) -> PyResult<()> {
    let runner = shared()?
        .runner
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("the runner is not ready yet"))?;
    let data: serde_json::Value = serde_json::from_str(data)
        .map_err(|e| PyValueError::new_err(format!("message data: {e}")))?;
    runner
        .environment()
        .send_message(kind, data, client_id)
        .map_err(PyRuntimeError::new_err)
}

/// A master's workers: `(id, state, user_count)` each, ordered by id (none
/// elsewhere).
#[pyfunction]
fn workers() -> PyResult<Vec<(String, String, u64)>> {
    let workers = shared()?.runner.get().and_then(|runner| runner.workers());
    Ok(workers
        .unwrap_or_default()
        .into_iter()
        .map(|w| (w.id, w.state, w.user_count))
        .collect())
}

/// A worker's id, as its master knows it (`WorkerRunner.client_id`); None
/// elsewhere.
#[pyfunction]
fn node_id() -> PyResult<Option<String>> {
    Ok(shared()?
        .runner
        .get()
        .and_then(|runner| runner.environment().node_id.read().clone()))
}

/// The runner's numbers and state: `(state, user_count, target_user_count)`.
#[pyfunction]
fn runner_status() -> PyResult<(&'static str, u64, u64)> {
    Ok(match shared()?.runner.get() {
        Some(runner) => (
            runner.state().as_str(),
            runner.user_count(),
            runner.target_user_count(),
        ),
        None => ("ready", 0, 0),
    })
}

/// The test's base host now (`--host`, the web form's, or a distributed
/// worker's from its master), if any.
#[pyfunction]
fn environment_host() -> PyResult<Option<String>> {
    Ok(shared()?
        .runner
        .get()
        .and_then(|runner| runner.environment().host.read().clone()))
}

/// Users per class now.
#[pyfunction]
fn user_classes_count() -> PyResult<Vec<(String, u64)>> {
    Ok(shared()?
        .runner
        .get()
        .map(|runner| runner.user_classes_count().into_iter().collect())
        .unwrap_or_default())
}

/// A runtime for the runner's ramps started from Python (`runner.start()`):
/// the engine's ramp runs as a tokio task (and a script's master or worker
/// runs here).
static CONTROL: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// Starts (or changes) the test of a `locusta -f` run from Python: ramps to
/// `user_count` users at `spawn_rate` per second (only `user_classes`, if given).
#[pyfunction]
#[pyo3(signature = (user_count, spawn_rate, user_classes=None))]
fn runner_start(
    user_count: u64,
    spawn_rate: f64,
    user_classes: Option<Vec<String>>,
) -> PyResult<()> {
    let runner = shared()?
        .runner
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("the runner is not ready yet"))?
        .clone();
    if spawn_rate.is_nan() || spawn_rate <= 0.0 {
        return Err(PyValueError::new_err("spawn_rate must be above 0"));
    }
    control_runtime()?.spawn(async move { runner.start(user_count, spawn_rate, user_classes) });
    Ok(())
}

/// The runtime of [`CONTROL`], started on first use. Two threads: an event
/// fired to Python holds one until the hub answers, while the other keeps a
/// script's master or worker ([`crate::script_cluster`]) talking.
pub(crate) fn control_runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    if let Some(runtime) = CONTROL.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("locusta-python-control")
        .enable_all()
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a runtime: {e}")))?;
    Ok(CONTROL.get_or_init(|| runtime))
}

/// Sets the users of each class of a `locusta -f` run at once
/// (`runner.spawn_users` / `stop_users`): `{class name: users}`, classes
/// not named keep none.
#[pyfunction]
fn runner_apply_counts(counts: std::collections::BTreeMap<String, u64>) -> PyResult<()> {
    let runner = shared()?
        .runner
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("the runner is not ready yet"))?
        .clone();
    control_runtime()?.spawn(async move { runner.apply_counts(&counts) });
    Ok(())
}

/// Ends the test (as a user's `StopTest` or `runner.quit()`).
#[pyfunction]
fn quit(reason: String) -> PyResult<()> {
    if let Some(runner) = shared()?.runner.get() {
        runner.request_stop(reason);
    }
    Ok(())
}

/// Sets the process exit code (`environment.process_exit_code`).
#[pyfunction]
#[pyo3(signature = (code))]
fn set_exit_code(code: Option<i32>) -> PyResult<()> {
    if let Some(runner) = shared()?.runner.get() {
        *runner.environment().process_exit_code.lock() = code;
    }
    Ok(())
}

/// The exit code set so far.
#[pyfunction]
fn exit_code() -> PyResult<Option<i32>> {
    Ok(shared()?
        .runner
        .get()
        .and_then(|runner| *runner.environment().process_exit_code.lock()))
}

/// One row of the statistics as a dict (Locust's `StatsEntry` attributes and
/// a few percentiles): the Aggregated row when `name` is None, else the row of
/// `(method, name)`, or None if it has no requests yet.
#[pyfunction]
#[pyo3(signature = (method=None, name=None, percentiles=Vec::new()))]
fn stats_entry<'py>(
    py: Python<'py>,
    method: Option<&str>,
    name: Option<&str>,
    percentiles: Vec<f64>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Some(stats) = stats()? else {
        return Ok(None);
    };
    let stats = stats.collect();
    let entry = match name {
        None => &stats.total,
        Some(name) => match stats.get(method.unwrap_or("GET"), name) {
            Some(entry) => entry,
            None => return Ok(None),
        },
    };
    let (total_rps, total_fail_per_sec) = stats.rates(entry, false);
    let (current_rps, current_fail_per_sec) = stats.rates(entry, true);
    let dict = PyDict::new(py);
    dict.set_item("name", &entry.name)?;
    dict.set_item("method", &entry.method)?;
    dict.set_item("num_requests", entry.num_requests)?;
    dict.set_item("num_none_requests", entry.num_none_requests)?;
    dict.set_item("num_failures", entry.num_failures)?;
    dict.set_item(
        "total_response_time",
        entry.total_response_time_us as f64 / 1000.0,
    )?;
    dict.set_item("avg_response_time", entry.avg_response_time())?;
    dict.set_item("min_response_time", entry.min_response_time())?;
    dict.set_item("max_response_time", entry.max_response_time())?;
    dict.set_item("median_response_time", entry.median_response_time())?;
    dict.set_item("total_content_length", entry.total_content_length)?;
    dict.set_item("avg_content_length", entry.avg_content_length())?;
    dict.set_item("fail_ratio", entry.fail_ratio())?;
    dict.set_item("total_rps", total_rps)?;
    dict.set_item("total_fail_per_sec", total_fail_per_sec)?;
    dict.set_item("current_rps", current_rps)?;
    dict.set_item("current_fail_per_sec", current_fail_per_sec)?;
    let quantiles = PyDict::new(py);
    for q in percentiles {
        quantiles.set_item(q, entry.percentile(q))?;
    }
    dict.set_item("percentiles", quantiles)?;
    dict.set_item("start_time", entry.start_time)?;
    dict.set_item("last_request_timestamp", entry.last_request_timestamp)?;
    let per_second = PyDict::new(py);
    for (second, requests, failures) in entry.per_second() {
        per_second.set_item(second, (requests, failures))?;
    }
    dict.set_item("per_second", per_second)?;
    Ok(Some(dict))
}

/// One failure group as Python receives it:
/// `(method, name, error, occurrences, first_seen, last_seen)`.
type ErrorGroup = (String, String, String, u64, f64, f64);

/// Every failure group.
#[pyfunction]
fn stats_errors() -> PyResult<Vec<ErrorGroup>> {
    let Some(stats) = stats()? else {
        return Ok(Vec::new());
    };
    let stats = stats.collect();
    Ok(stats
        .errors()
        .into_iter()
        .map(|e| {
            let (method, name, error) = (e.method.clone(), e.name.clone(), e.error.clone());
            (
                method,
                name,
                error,
                e.occurrences,
                e.first_seen,
                e.last_seen,
            )
        })
        .collect())
}

/// Every row's `(method, name)`.
#[pyfunction]
fn stats_names() -> PyResult<Vec<(String, String)>> {
    let Some(stats) = stats()? else {
        return Ok(Vec::new());
    };
    let stats = stats.collect();
    Ok(stats
        .entries()
        .iter()
        .map(|entry| (entry.method.clone(), entry.name.clone()))
        .collect())
}

/// The statistics tables as locusta prints them: `"stats"` (current rates
/// when `current`), `"percentiles"` or `"errors"`, `name_width` wide.
#[pyfunction]
#[pyo3(signature = (table, current=true, name_width=80))]
fn stats_text(table: &str, current: bool, name_width: usize) -> PyResult<String> {
    let Some(stats) = stats()? else {
        return Ok(String::new());
    };
    let stats = stats.collect();
    Ok(match table {
        "stats" => locusta_stats::console::stats_table(&stats, current, name_width),
        "percentiles" => locusta_stats::console::percentiles_table(&stats, name_width),
        "errors" => locusta_stats::console::error_report_with_width(&stats, name_width),
        other => return Err(PyValueError::new_err(format!("no table {other:?}"))),
    })
}

/// Every row (not the Aggregated one) in Locust's JSON schema (`--json`).
#[pyfunction]
fn stats_json() -> PyResult<String> {
    let Some(stats) = stats()? else {
        return Ok("[]".into());
    };
    Ok(locusta_stats::json::stats_json(&stats.collect()))
}

/// Resets the statistics: `clear` removes the rows (Locust's `clear_all`),
/// else they stay with zeros (`reset_all`).
#[pyfunction]
#[pyo3(signature = (clear=false))]
fn stats_reset(clear: bool) -> PyResult<()> {
    if let Some(stats) = stats()? {
        if clear {
            stats.clear();
        } else {
            stats.reset();
        }
        stats.clear_exceptions();
    }
    Ok(())
}

/// When the statistics started (epoch seconds), and the last request's time.
#[pyfunction]
fn stats_times() -> PyResult<(f64, Option<f64>)> {
    let Some(stats) = stats()? else {
        return Ok((locusta_stats::now_epoch(), None));
    };
    let collected = stats.collect();
    Ok((collected.start_time(), collected.last_request_timestamp()))
}

/// One row of the exceptions table: `(message, traceback, count, nodes)`.
type ExceptionRow = (String, String, u64, Vec<String>);

/// Every exception of the exceptions table.
#[pyfunction]
fn stats_exceptions() -> PyResult<Vec<ExceptionRow>> {
    let Some(stats) = stats()? else {
        return Ok(Vec::new());
    };
    Ok(stats
        .exceptions()
        .into_iter()
        .map(|e| (e.msg, e.traceback, e.count, e.nodes.into_iter().collect()))
        .collect())
}

/// Locust's CSV texts (header included): `"requests"`, `"failures"`,
/// `"exceptions"`, or `"history"` (the rows of now, `full_history` adding a
/// row per request name; `"history_header"` is its header).
#[pyfunction]
#[pyo3(signature = (kind, user_count=0, full_history=false))]
fn stats_csv(kind: &str, user_count: u64, full_history: bool) -> PyResult<String> {
    use locusta_stats::csv;
    if kind == "history_header" {
        return Ok(format!("{}\r\n", csv::HISTORY_HEADER));
    }
    let Some(stats) = stats()? else {
        return Ok(String::new());
    };
    Ok(match kind {
        "requests" => csv::stats_csv(&stats.collect()),
        "failures" => csv::failures_csv(&stats.collect()),
        "exceptions" => csv::exceptions_csv(&stats.exceptions()),
        "history" => csv::history_rows(
            &stats.collect(),
            user_count,
            locusta_stats::now_epoch(),
            full_history,
        ),
        other => return Err(PyValueError::new_err(format!("no CSV {other:?}"))),
    })
}

/// Takes the once-a-second snapshot current percentiles are computed from
/// (a script's runner calls it every second; the engine does it in a run).
#[pyfunction]
fn stats_tick() -> PyResult<()> {
    if let Some(stats) = stats()? {
        stats
            .collect()
            .snapshot_response_times(locusta_stats::now_epoch(), true);
    }
    Ok(())
}

/// Logs into the statistics directly (Locust's `RequestStats.log_request`
/// and `log_error`, which count a request and a failure separately): a
/// request when `response_time` is given or `error` is None, a failure when
/// `error` is given.
#[pyfunction]
#[pyo3(signature = (method, name, response_time=None, content_length=0, error=None, request=true))]
fn stats_log(
    method: &str,
    name: &str,
    response_time: Option<f64>,
    content_length: u64,
    error: Option<&str>,
    request: bool,
) -> PyResult<()> {
    let Some(stats) = stats()? else {
        return Err(PyRuntimeError::new_err("no statistics yet"));
    };
    let now = locusta_stats::now_epoch();
    let mut collected = stats.collect();
    if request {
        let micros = response_time.map(|ms| (ms.max(0.0) * 1000.0).round() as u64);
        collected.log_request(method, name, micros, content_length, now);
    }
    if let Some(error) = error {
        collected.log_error(method, name, error, now);
    }
    Ok(())
}

/// The HTML report of the statistics so far (what `--html` writes).
#[pyfunction]
#[pyo3(signature = (locustfile, host, start_time, end_time))]
fn html_report(
    locustfile: String,
    host: String,
    start_time: f64,
    end_time: f64,
) -> PyResult<String> {
    let Some(stats) = stats()? else {
        return Err(PyRuntimeError::new_err("no statistics yet"));
    };
    let meta = locusta_stats::html::ReportMeta {
        profile: None,
        start_time,
        end_time,
        host,
        locustfile,
        user_classes: Vec::new(),
    };
    let exceptions = stats.exceptions();
    let history = locusta_stats::StatsHistory::default();
    Ok(locusta_stats::html::render_report(
        &stats.collect(),
        &exceptions,
        &history,
        &meta,
    ))
}

/// Fills `locusta._native`: the wheel's extension module calls this from its
/// module initialisation, the embedding binary on a module it creates.
pub fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Client>()?;
    module.add_class::<Response>()?;
    module.add_class::<Headers>()?;
    module.add_class::<Hop>()?;
    module.add_class::<SentRequest>()?;
    module.add_class::<Hosted>()?;
    module.add_class::<Answer>()?;
    module.add_class::<ReadDone>()?;
    module.add_class::<ContentIter>()?;
    module.add_class::<LinesIter>()?;
    module.add_class::<Raw>()?;
    module.add_function(wrap_pyfunction!(_register, module)?)?;
    module.add_function(wrap_pyfunction!(mailbox_fd, module)?)?;
    module.add_function(wrap_pyfunction!(flush, module)?)?;
    module.add_function(wrap_pyfunction!(drain, module)?)?;
    module.add_function(wrap_pyfunction!(record, module)?)?;
    module.add_function(wrap_pyfunction!(log_exception, module)?)?;
    module.add_function(wrap_pyfunction!(log_record, module)?)?;
    module.add_function(wrap_pyfunction!(unhandled_error, module)?)?;
    module.add_function(wrap_pyfunction!(runner_status, module)?)?;
    module.add_function(wrap_pyfunction!(send_message, module)?)?;
    module.add_function(wrap_pyfunction!(workers, module)?)?;
    module.add_function(wrap_pyfunction!(node_id, module)?)?;
    module.add_function(wrap_pyfunction!(user_classes_count, module)?)?;
    module.add_function(wrap_pyfunction!(quit, module)?)?;
    module.add_function(wrap_pyfunction!(set_exit_code, module)?)?;
    module.add_function(wrap_pyfunction!(exit_code, module)?)?;
    module.add_function(wrap_pyfunction!(stats_entry, module)?)?;
    module.add_function(wrap_pyfunction!(stats_names, module)?)?;
    module.add_function(wrap_pyfunction!(stats_errors, module)?)?;
    module.add_function(wrap_pyfunction!(environment_host, module)?)?;
    module.add_function(wrap_pyfunction!(script_mode, module)?)?;
    module.add_function(wrap_pyfunction!(runner_start, module)?)?;
    module.add_function(wrap_pyfunction!(runner_apply_counts, module)?)?;
    module.add_function(wrap_pyfunction!(stats_text, module)?)?;
    module.add_function(wrap_pyfunction!(stats_json, module)?)?;
    module.add_function(wrap_pyfunction!(stats_reset, module)?)?;
    module.add_function(wrap_pyfunction!(stats_times, module)?)?;
    module.add_function(wrap_pyfunction!(stats_exceptions, module)?)?;
    module.add_function(wrap_pyfunction!(html_report, module)?)?;
    module.add_function(wrap_pyfunction!(stats_csv, module)?)?;
    module.add_function(wrap_pyfunction!(stats_tick, module)?)?;
    module.add_function(wrap_pyfunction!(stats_log, module)?)?;
    module.add_function(wrap_pyfunction!(crate::wsgi::web_app_created, module)?)?;
    module.add_function(wrap_pyfunction!(crate::wsgi::web_template_args, module)?)?;
    module.add_function(wrap_pyfunction!(crate::wsgi::web_page_template, module)?)?;
    crate::script_cluster::populate(module)?;
    crate::script_web::populate(module)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

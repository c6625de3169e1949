//! A Python client call turned into a Rust request: the `Client` class
//! behind `HttpSession` and `FastHttpSession` (one per user, holding its
//! cookie jar and keep-alive connections).
//!
//! `Client.send` takes the arguments as requests takes them (`params`,
//! `data`, `json`, `files`, `headers`, `auth`, `timeout`…), converts them
//! while it holds the GIL ([`text_pairs`], [`body_of`]) into a
//! [`PreparedRequest`] that owns no Python object, and queues it for the
//! I/O thread. It returns at once with the request's id: the greenlet then
//! waits in the hub, and the answer comes back through
//! [`super::drain::drain`] as a [`super::response::Response`].

use std::sync::Arc;
use std::time::Duration;

use locusta_http::{Bytes, ClientConfig, Method, Multipart};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use super::state::{next_request_id, recorder, shared};
use crate::io::{Body, PreparedRequest, UserClients};

/// One user's HTTP client (its cookie jar and keep-alive connections).
#[pyclass(module = "locusta")]
struct Client {
    clients: Arc<UserClients>,
    /// FastHttpUser's success rule.
    fast: bool,
}

/// `(name, value)` pairs of headers, query parameters or form fields, from
/// what requests accepts: a dict, anything with `items()`, or pairs; a list
/// value repeats its name, a None value is left out.
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

/// A value as text (bytes decoded as UTF-8, anything else through `str`).
fn as_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(bytes) = value.downcast::<PyBytes>() {
        return Ok(String::from_utf8_lossy(bytes.as_bytes()).into_owned());
    }
    Ok(value.str()?.to_string())
}

/// The body of a request, by requests' precedence: `files` (a multipart
/// form, with `data`'s fields), then `json` (already serialised), then
/// `data` (bytes, text, a file object, or form fields).
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
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
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

/// A timeout in seconds as a Duration (a Python error if negative or not finite).
fn seconds(value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| PyValueError::new_err(format!("invalid timeout {value}")))
}

/// Registers this module's class in `locusta._native`.
pub(super) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Client>()
}

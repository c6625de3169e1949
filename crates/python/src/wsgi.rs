//! A locustfile's Flask app (`environment.web_ui.app`) served by locusta's
//! web UI: the [`WebExtension`] of Python locustfiles. Requests no built-in
//! route takes are handed to the app as a WSGI application (PEP 3333), and
//! the built-in answers go through the app's `after_request` functions,
//! both on the Python thread through the mailbox (each in a greenlet of its
//! own, see `locust.web`). Until the locustfile touches `web_ui.app` there is
//! no app, and the UI answers as if there were no extension.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use locusta_web::{ExtensionRequest, ExtensionResponse, WebExtension, WebPage};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::mailbox::{Answered, Call};

/// Set once `web_ui.app` exists.
static APP: AtomicBool = AtomicBool::new(false);
/// The UI's page, once the server runs.
static PAGE: OnceLock<WebPage> = OnceLock::new();

/// The extension for the web UI of a run with Python locustfiles.
pub fn extension() -> Arc<dyn WebExtension> {
    Arc::new(FlaskApp)
}

struct FlaskApp;

fn unanswered() -> ExtensionResponse {
    ExtensionResponse {
        status: 500,
        headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        body: b"Internal Server Error: the Python thread did not answer".to_vec(),
    }
}

impl WebExtension for FlaskApp {
    fn attach(&self, page: WebPage) {
        let _ = PAGE.set(page);
    }

    fn handle(&self, request: ExtensionRequest) -> Option<ExtensionResponse> {
        if !APP.load(Ordering::Acquire) {
            return None;
        }
        match crate::runtime::call(Call::Wsgi(request)) {
            Some(Answered::Http(response)) => Some(response),
            _ => Some(unanswered()),
        }
    }

    fn has_after_hooks(&self) -> bool {
        APP.load(Ordering::Acquire)
    }

    fn after(&self, request: ExtensionRequest, response: ExtensionResponse) -> ExtensionResponse {
        // The answer comes back only when the app changed it.
        match crate::runtime::call(Call::AfterRequest(request, response.clone())) {
            Some(Answered::Http(changed)) => changed,
            _ => response,
        }
    }
}

/// Percent-decodes a path into WSGI's "bytes as Latin-1" text.
fn decode_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut decoded = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                decoded.push(char::from((high * 16 + low) as u8));
                i += 3;
                continue;
            }
        }
        decoded.push(char::from(bytes[i]));
        i += 1;
    }
    decoded
}

/// The WSGI environ of a request (PEP 3333), its body in `wsgi.input`.
pub(crate) fn environ<'py>(
    py: Python<'py>,
    request: &ExtensionRequest,
) -> PyResult<Bound<'py, PyDict>> {
    let environ = PyDict::new(py);
    environ.set_item("REQUEST_METHOD", &request.method)?;
    environ.set_item("SCRIPT_NAME", &request.base_path)?;
    environ.set_item("PATH_INFO", decode_path(&request.path))?;
    environ.set_item("QUERY_STRING", &request.query)?;
    environ.set_item("SERVER_NAME", request.server.ip().to_string())?;
    environ.set_item("SERVER_PORT", request.server.port().to_string())?;
    environ.set_item("SERVER_PROTOCOL", "HTTP/1.1")?;
    if let Some(remote) = request.remote {
        environ.set_item("REMOTE_ADDR", remote.ip().to_string())?;
        environ.set_item("REMOTE_PORT", remote.port().to_string())?;
    }
    for (name, value) in &request.headers {
        let key = match name.to_ascii_lowercase().as_str() {
            "content-type" => "CONTENT_TYPE".to_string(),
            "content-length" => "CONTENT_LENGTH".to_string(),
            _ => format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_")),
        };
        // Repeated headers are joined, as WSGI servers do.
        let value = match environ.get_item(&key)? {
            Some(before) => format!("{},{value}", before.extract::<String>()?),
            None => value.clone(),
        };
        environ.set_item(key, value)?;
    }
    let io = py.import("io")?;
    let body = PyBytes::new(py, &request.body);
    environ.set_item("wsgi.input", io.getattr("BytesIO")?.call1((body,))?)?;
    environ.set_item("wsgi.errors", py.import("sys")?.getattr("stderr")?)?;
    environ.set_item("wsgi.version", (1, 0))?;
    environ.set_item(
        "wsgi.url_scheme",
        if request.tls { "https" } else { "http" },
    )?;
    environ.set_item("wsgi.multithread", false)?;
    environ.set_item("wsgi.multiprocess", false)?;
    environ.set_item("wsgi.run_once", false)?;
    Ok(environ)
}

/// `web_ui.app` was created: requests may go to it from now on.
#[pyfunction]
fn web_app_created() {
    APP.store(true, Ordering::Release);
}

/// The data locusta's page is filled with now (JSON), or None before the
/// web UI serves.
#[pyfunction]
fn web_template_args(py: Python<'_>) -> Option<String> {
    let page = PAGE.get()?;
    py.allow_threads(|| page.template_args().map(|args| args.to_string()))
}

/// locusta's page as a Jinja template (its data from `template_args`), or
/// None before the web UI serves.
#[pyfunction]
fn web_page_template() -> Option<String> {
    PAGE.get().map(WebPage::jinja_template)
}

/// Registers this module's functions in `locusta._native`.
pub(crate) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(web_app_created, module)?)?;
    module.add_function(wrap_pyfunction!(web_template_args, module)?)?;
    module.add_function(wrap_pyfunction!(web_page_template, module)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::decode_path;

    #[test]
    fn paths_are_percent_decoded_into_latin_1_text() {
        assert_eq!(decode_path("/a%20b/%C3%A9"), "/a b/\u{c3}\u{a9}");
        assert_eq!(decode_path("/100%"), "/100%");
        assert_eq!(decode_path("/%zz%4"), "/%zz%4");
    }
}

//! The browser's console, read through chromedriver (for this crate's
//! browser tests; `chromium.rs` is shared with the `locusta` crate's, which
//! have no `url` dependency).

use fantoccini::Client;
use serde_json::json;

/// chromedriver's `POST /session/{id}/se/log`: the browser's console
/// messages since the last call.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// The errors the page's scripts raised (or logged) since the last call:
/// a module that does not load, an exception in a handler. Failed requests
/// are left out (the page asks for a request's chart before the server has
/// it, for example).
pub async fn console_errors(client: &Client) -> Vec<String> {
    let entries = client.issue_cmd(BrowserLog).await.expect("the console log");
    entries
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .filter_map(|entry| entry["message"].as_str())
        .filter(|message| !message.contains("Failed to load resource"))
        .map(str::to_string)
        .collect()
}

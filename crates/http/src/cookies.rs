//! The cookie jar glue: the `Cookie` header sent, and `Set-Cookie` headers stored.

use cookie_store::{CookieStore, RawCookie};
use http::header::SET_COOKIE;
use http::{HeaderMap, HeaderValue};

/// The `Cookie` header for `url`, if the jar holds matching cookies.
pub(crate) fn request_header(jar: &CookieStore, url: &str) -> Option<HeaderValue> {
    jar.iter_any().next()?;
    let url = url::Url::parse(url).ok()?;
    let mut header = String::new();
    for (name, value) in jar.get_request_values(&url) {
        if !header.is_empty() {
            header.push_str("; ");
        }
        header.push_str(name);
        header.push('=');
        header.push_str(value);
    }
    if header.is_empty() {
        return None;
    }
    HeaderValue::from_str(&header).ok()
}

/// Stores the `Set-Cookie` headers of a response from `url`.
pub(crate) fn store_response(jar: &mut CookieStore, url: &str, headers: &HeaderMap) {
    let mut set_cookies = headers.get_all(SET_COOKIE).iter().peekable();
    if set_cookies.peek().is_none() {
        return;
    }
    let Ok(url) = url::Url::parse(url) else {
        return;
    };
    let cookies = set_cookies
        .filter_map(|v| v.to_str().ok())
        .filter_map(|s| RawCookie::parse(s.to_owned()).ok());
    jar.store_response_cookies(cookies, &url);
}

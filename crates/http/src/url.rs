//! URL handling: the client's base host, parsed once, and the target of each
//! request (base host + relative path by concatenation, or an absolute URL).

use std::ops::Range;

use base64::Engine as _;
use http::HeaderValue;

use crate::error::HttpError;

/// The client's base host (`http://h:8080`, `https://user:pass@h/base`), parsed once.
#[derive(Debug)]
pub(crate) struct BaseUrl {
    /// `scheme://host[:port]`, without user info.
    origin: String,
    /// Path prefix, without a trailing slash (`""` or `"/base"`).
    path: String,
    https: bool,
    /// Host name or IP to connect to (no brackets).
    host: String,
    port: u16,
    host_header: HeaderValue,
    auth: Option<HeaderValue>,
}

/// Where one request goes.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The full URL: origin then path and query.
    pub url: String,
    /// Start of the path and query in `url`.
    pub path_start: usize,
    pub https: bool,
    host: Range<usize>,
    authority: Range<usize>,
    pub port: u16,
    /// The target has the base host's origin (its Host header and auth apply).
    pub on_base: bool,
    /// Basic auth from user info in an absolute URL.
    pub auth: Option<HeaderValue>,
}

impl BaseUrl {
    /// Parses a base host such as `http://127.0.0.1:8080` or `https://u:p@h/base`.
    pub(crate) fn parse(host: &str) -> Result<BaseUrl, HttpError> {
        if !is_absolute_http(host) {
            return Err(HttpError::InvalidUrl(format!(
                "host '{host}' must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:8080"
            )));
        }
        let parsed = url::Url::parse(host)
            .map_err(|e| HttpError::InvalidUrl(format!("invalid host '{host}': {e}")))?;
        let parts = Parts::of(&parsed, host)?;
        let mut path = parsed.path().trim_end_matches('/').to_owned();
        if path == "/" {
            path.clear();
        }
        let host_header = HeaderValue::from_str(&parts.authority)
            .map_err(|_| HttpError::InvalidUrl(format!("invalid host '{host}'")))?;
        Ok(BaseUrl {
            origin: parts.origin,
            path,
            https: parts.https,
            host: parts.host,
            port: parts.port,
            host_header,
            auth: parts.auth,
        })
    }

    /// The `Host` header of requests to the base origin.
    pub(crate) fn host_header(&self) -> &HeaderValue {
        &self.host_header
    }

    /// Basic auth from `user:pass@` in the host.
    pub(crate) fn auth(&self) -> Option<&HeaderValue> {
        self.auth.as_ref()
    }

    fn same_origin(&self, https: bool, host: &str, port: u16) -> bool {
        self.https == https && self.port == port && self.host.eq_ignore_ascii_case(host)
    }
}

/// Components of an absolute URL's origin.
struct Parts {
    https: bool,
    host: String,
    port: u16,
    origin: String,
    authority: String,
    auth: Option<HeaderValue>,
}

impl Parts {
    fn of(url: &url::Url, original: &str) -> Result<Parts, HttpError> {
        let https = url.scheme() == "https";
        let host_str = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| HttpError::InvalidUrl(format!("no host in URL '{original}'")))?;
        let port = url.port().unwrap_or(if https { 443 } else { 80 });
        let authority = match url.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_owned(),
        };
        let origin = format!("{}://{authority}", url.scheme());
        let host = host_str
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let auth = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            Some(basic_auth_value(
                &percent_decode(url.username()),
                &percent_decode(url.password().unwrap_or("")),
            ))
        };
        Ok(Parts {
            https,
            host,
            port,
            origin,
            authority,
            auth,
        })
    }
}

impl Target {
    /// Resolves `url` against `base`, appending the encoded `query`.
    pub(crate) fn resolve(
        base: Option<&BaseUrl>,
        url: &str,
        query: Option<&str>,
    ) -> Result<Target, HttpError> {
        if is_absolute_http(url) {
            return Target::absolute(base, url, query);
        }
        // A path ("/…", the common case) cannot name a scheme: skip the search.
        let scheme_end = if url.starts_with('/') {
            None
        } else {
            url.find("://")
        };
        if let Some(i) = scheme_end {
            let scheme = &url[..i];
            if !scheme.contains(['/', '?', '#']) {
                let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
                return Err(HttpError::InvalidUrl(if valid {
                    format!("unsupported scheme in URL '{url}': only http and https are supported")
                } else {
                    format!("invalid URL '{url}'")
                }));
            }
        }
        let Some(base) = base else {
            return Err(HttpError::InvalidUrl(format!(
                "relative URL '{url}' needs a host: set the host or use an absolute URL"
            )));
        };
        let extra = query.map_or(0, |q| q.len() + 1);
        let mut full =
            String::with_capacity(base.origin.len() + base.path.len() + url.len() + extra + 1);
        full.push_str(&base.origin);
        let path_start = full.len();
        full.push_str(&base.path);
        if !url.starts_with('/') && (base.path.is_empty() || url.is_empty() || url.starts_with('?'))
        {
            full.push('/');
        }
        push_request_target(&mut full, url);
        append_query(&mut full, path_start, query);
        let scheme_len = if base.https { 8 } else { 7 };
        let authority = scheme_len..path_start;
        let host_start = scheme_len + usize::from(full.as_bytes()[scheme_len] == b'[');
        Ok(Target {
            host: host_start..host_start + base.host.len(),
            authority,
            url: full,
            path_start,
            https: base.https,
            port: base.port,
            on_base: true,
            auth: None,
        })
    }

    fn absolute(
        base: Option<&BaseUrl>,
        url: &str,
        query: Option<&str>,
    ) -> Result<Target, HttpError> {
        let parsed = url::Url::parse(url)
            .map_err(|e| HttpError::InvalidUrl(format!("invalid URL '{url}': {e}")))?;
        let parts = Parts::of(&parsed, url)?;
        let mut full = parts.origin;
        let path_start = full.len();
        full.push_str(parsed.path());
        if let Some(q) = parsed.query() {
            full.push('?');
            full.push_str(q);
        }
        append_query(&mut full, path_start, query);
        let scheme_len = if parts.https { 8 } else { 7 };
        let host_start = scheme_len + usize::from(full.as_bytes()[scheme_len] == b'[');
        Ok(Target {
            host: host_start..host_start + parts.host.len(),
            authority: scheme_len..path_start,
            on_base: base.is_some_and(|b| b.same_origin(parts.https, &parts.host, parts.port)),
            url: full,
            path_start,
            https: parts.https,
            port: parts.port,
            auth: parts.auth,
        })
    }

    /// The target of a redirect to `location` from this target.
    pub(crate) fn redirect(
        &self,
        base: Option<&BaseUrl>,
        location: &str,
    ) -> Result<Target, HttpError> {
        if is_absolute_http(location) {
            return Target::absolute(base, location, None);
        }
        let current = url::Url::parse(&self.url)
            .map_err(|e| HttpError::InvalidUrl(format!("invalid URL '{}': {e}", self.url)))?;
        let next = current.join(location).map_err(|e| {
            HttpError::InvalidUrl(format!("invalid redirect location '{location}': {e}"))
        })?;
        if !matches!(next.scheme(), "http" | "https") {
            return Err(HttpError::InvalidUrl(format!(
                "unsupported redirect location '{location}'"
            )));
        }
        Target::absolute(base, next.as_str(), None)
    }

    /// The host name or IP to connect to.
    pub(crate) fn host(&self) -> &str {
        &self.url[self.host.clone()]
    }

    /// `host[:port]`, for the Host header.
    pub(crate) fn authority(&self) -> &str {
        &self.url[self.authority.clone()]
    }

    /// The path and query (the request target and the default statistics name).
    pub(crate) fn path_and_query(&self) -> &str {
        &self.url[self.path_start..]
    }
}

/// `http://` or `https://`, case-insensitively.
fn is_absolute_http(url: &str) -> bool {
    let b = url.as_bytes();
    (b.len() >= 7 && b[..7].eq_ignore_ascii_case(b"http://"))
        || (b.len() >= 8 && b[..8].eq_ignore_ascii_case(b"https://"))
}

fn append_query(full: &mut String, path_start: usize, query: Option<&str>) {
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        full.push(if full[path_start..].contains('?') {
            '&'
        } else {
            '?'
        });
        full.push_str(q);
    }
}

/// Appends a path (and query) percent-encoding what may not appear in a request
/// target (like python-requests' `requote_uri`); a fragment is dropped.
fn push_request_target(out: &mut String, path: &str) {
    let path = path.split_once('#').map_or(path, |(p, _)| p);
    let bytes = path.as_bytes();
    let needs_encoding = |i: usize, b: u8| -> bool {
        match b {
            b'%' => {
                !(i + 2 < bytes.len()
                    && bytes[i + 1].is_ascii_hexdigit()
                    && bytes[i + 2].is_ascii_hexdigit())
            }
            0..=0x20 | 0x7f..=0xff => true,
            b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' => true,
            _ => false,
        }
    };
    if !bytes.iter().enumerate().any(|(i, &b)| needs_encoding(i, b)) {
        out.push_str(path);
        return;
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (i, &b) in bytes.iter().enumerate() {
        if needs_encoding(i, b) {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push(b as char);
        }
    }
}

/// Decodes `%XX` escapes (user info in URLs).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `Basic base64(user:pass)`, marked sensitive.
pub(crate) fn basic_auth_value(user: &str, pass: &str) -> HeaderValue {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    let mut value =
        HeaderValue::from_str(&format!("Basic {encoded}")).expect("base64 is a valid header value");
    value.set_sensitive(true);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_concatenate_with_the_base() {
        let base = BaseUrl::parse("http://h:1/base").unwrap();
        let t = Target::resolve(Some(&base), "/x?a=1", Some("b=2")).unwrap();
        assert_eq!(t.url, "http://h:1/base/x?a=1&b=2");
        assert_eq!(t.path_and_query(), "/base/x?a=1&b=2");
        assert_eq!(t.host(), "h");
        assert_eq!(t.authority(), "h:1");
        assert_eq!(t.port, 1);
        let base = BaseUrl::parse("http://h:1/").unwrap();
        let t = Target::resolve(Some(&base), "?q", None).unwrap();
        assert_eq!(t.path_and_query(), "/?q");
        let t = Target::resolve(Some(&base), "", None).unwrap();
        assert_eq!(t.path_and_query(), "/");
    }

    #[test]
    fn unsafe_characters_are_encoded_and_fragments_dropped() {
        let base = BaseUrl::parse("https://h").unwrap();
        let t = Target::resolve(Some(&base), "/a b/é?x=\"1\"%zz%41#frag", None).unwrap();
        assert_eq!(t.path_and_query(), "/a%20b/%C3%A9?x=%221%22%25zz%41");
        assert_eq!(t.port, 443);
        assert_eq!(t.authority(), "h");
    }

    #[test]
    fn ipv6_and_user_info() {
        let base = BaseUrl::parse("http://us%40er:p%3Ass@[::1]:8080").unwrap();
        assert_eq!(base.host, "::1");
        assert_eq!(base.origin, "http://[::1]:8080");
        assert_eq!(
            base.auth().unwrap().to_str().unwrap(),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("us@er:p:ss")
            )
        );
        let t = Target::resolve(Some(&base), "/x", None).unwrap();
        assert_eq!(t.host(), "::1");
        assert_eq!(t.authority(), "[::1]:8080");
    }

    #[test]
    fn invalid_urls_are_errors() {
        assert!(BaseUrl::parse("localhost:8080").is_err());
        assert!(BaseUrl::parse("http://").is_err());
        assert!(Target::resolve(None, "/x", None).is_err());
        let base = BaseUrl::parse("http://h").unwrap();
        let e = Target::resolve(Some(&base), "ht!tp://x", None).unwrap_err();
        assert!(e.to_string().contains("invalid URL"), "{e}");
        let e = Target::resolve(Some(&base), "ftp://x/y", None).unwrap_err();
        assert!(e.to_string().contains("unsupported scheme"), "{e}");
    }

    #[test]
    fn absolute_urls_and_redirects() {
        let base = BaseUrl::parse("http://h:1").unwrap();
        let t = Target::resolve(Some(&base), "HTTP://H:1/a/b?c", None).unwrap();
        assert!(t.on_base);
        assert_eq!(t.url, "http://h:1/a/b?c");
        let r = t.redirect(Some(&base), "../z").unwrap();
        assert_eq!(r.url, "http://h:1/z");
        let r = t.redirect(Some(&base), "https://other/").unwrap();
        assert!(!r.on_base);
        assert!(r.https);
    }
}

//! Methods, bodies, query strings, headers, URL joining, basic auth.

use base64::Engine as _;
use locusta_http::{ClientConfig, Method, Multipart};

use crate::support::{client, last, ok, status, Captured, Server};

async fn echo_server() -> Server {
    Server::start(|req: &Captured| match req.uri.as_str() {
        "/missing" => status(404),
        "/boom" => status(503),
        _ => ok(format!("{} {}", req.method, req.uri)),
    })
    .await
}

#[tokio::test]
async fn every_method_reaches_the_server_with_its_body() {
    let server = echo_server().await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] {
        let builder = match method {
            "GET" => c.get("/m"),
            "POST" => c.post("/m"),
            "PUT" => c.put("/m"),
            "PATCH" => c.patch("/m"),
            "DELETE" => c.delete("/m"),
            "HEAD" => c.head("/m"),
            _ => c.options("/m"),
        };
        let r = builder.body(format!("body of {method}")).send().await;
        assert_eq!(r.status(), 200, "{method}: {:?}", r.error());
        assert!(r.ok());
        let seen = server.last();
        assert_eq!(seen.method, method);
        assert_eq!(seen.body, format!("body of {method}"));
        if method == "HEAD" {
            assert_eq!(r.text(), "");
        } else {
            assert_eq!(r.text(), format!("{method} /m"));
        }
        let rec = last(&records);
        assert_eq!((rec.method.as_str(), rec.name.as_str()), (method, "/m"));
        assert_eq!(rec.error, None);
        assert_eq!(rec.url, format!("{}/m", server.url()));
    }
    let r = c
        .request(Method::from_bytes(b"PURGE").unwrap(), "/m")
        .send()
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(server.last().method, "PURGE");
}

#[tokio::test]
async fn bodyless_requests_send_the_right_content_length() {
    let server = echo_server().await;
    let (mut c, _) = client(Some(&server.url()), ClientConfig::default());
    c.get("/").send().await;
    assert_eq!(server.last().header("content-length"), None);
    c.post("/").send().await;
    assert_eq!(server.last().header("content-length"), Some("0"));
}

#[tokio::test]
async fn query_pairs_are_appended_and_encoded() {
    let server = echo_server().await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    let r = c
        .get("/search?fixed=1")
        .query(&[("q", "a b&c"), ("lang", "é")])
        .query(&[("page", "2")])
        .send()
        .await;
    assert!(r.ok());
    let expected = "/search?fixed=1&q=a+b%26c&lang=%C3%A9&page=2";
    assert_eq!(server.last().uri, expected);
    assert_eq!(last(&records).name, expected);
    c.get("/plain").query(&[("x", "1")]).send().await;
    assert_eq!(server.last().uri, "/plain?x=1");
}

#[tokio::test]
async fn json_form_and_multipart_bodies_arrive_intact() {
    let server = echo_server().await;
    let (mut c, _) = client(Some(&server.url()), ClientConfig::default());

    let payload = serde_json::json!({"name": "widget", "tags": ["a", "b"], "price": 9.5});
    c.post("/json").json(&payload).send().await;
    let seen = server.last();
    assert_eq!(seen.header("content-type"), Some("application/json"));
    let parsed: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(parsed, payload);
    assert_eq!(
        seen.header("content-length"),
        Some(seen.body.len().to_string().as_str())
    );

    c.post("/form")
        .form(&[("user", "ann"), ("note", "a b&c=d")])
        .send()
        .await;
    let seen = server.last();
    assert_eq!(
        seen.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&seen.body).unwrap();
    assert_eq!(
        pairs,
        vec![
            ("user".into(), "ann".into()),
            ("note".into(), "a b&c=d".into())
        ]
    );

    let file = vec![0u8, 1, 2, 255, b'\r', b'\n', b'-', b'-'];
    let form = Multipart::new()
        .text("title", "hello world")
        .file(
            "upload",
            "data.bin",
            Some("application/x-test"),
            file.clone(),
        )
        .file("plain", "a.txt", None, "text");
    c.post("/upload").multipart(form).send().await;
    let seen = server.last();
    let ct = seen.header("content-type").unwrap().to_owned();
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart content type");
    let parts = parse_multipart(&seen.body, boundary);
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0].0, "form-data; name=\"title\"");
    assert_eq!(parts[0].1, None);
    assert_eq!(parts[0].2, b"hello world");
    assert_eq!(
        parts[1].0,
        "form-data; name=\"upload\"; filename=\"data.bin\""
    );
    assert_eq!(parts[1].1.as_deref(), Some("application/x-test"));
    assert_eq!(parts[1].2, file);
    assert_eq!(parts[2].1.as_deref(), Some("application/octet-stream"));
    assert_eq!(parts[2].2, b"text");
}

/// (Content-Disposition, Content-Type, data) of each part.
fn parse_multipart(body: &[u8], boundary: &str) -> Vec<(String, Option<String>, Vec<u8>)> {
    let delimiter = format!("\r\n--{boundary}");
    let mut text = b"\r\n".to_vec();
    text.extend_from_slice(body);
    let mut parts = Vec::new();
    let mut rest = &text[..];
    loop {
        let start = find(rest, delimiter.as_bytes()).expect("delimiter") + delimiter.len();
        rest = &rest[start..];
        if rest.starts_with(b"--") {
            return parts;
        }
        rest = &rest[2..];
        let end = find(rest, delimiter.as_bytes()).expect("closing delimiter");
        let part = &rest[..end];
        let head_end = find(part, b"\r\n\r\n").unwrap();
        let head = String::from_utf8(part[..head_end].to_vec()).unwrap();
        let mut disposition = String::new();
        let mut content_type = None;
        for line in head.split("\r\n") {
            let (k, v) = line.split_once(": ").unwrap();
            match k.to_ascii_lowercase().as_str() {
                "content-disposition" => disposition = v.to_owned(),
                "content-type" => content_type = Some(v.to_owned()),
                _ => {}
            }
        }
        parts.push((disposition, content_type, part[head_end + 4..].to_vec()));
        rest = &rest[end..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn default_and_custom_headers() {
    let server = echo_server().await;
    let (mut c, _) = client(Some(&server.url()), ClientConfig::default());
    c.get("/h").send().await;
    let seen = server.last();
    assert_eq!(seen.header("host"), Some(server.addr.to_string().as_str()));
    assert_eq!(
        seen.header("user-agent"),
        Some(concat!("locusta/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(seen.header("accept-encoding"), Some("gzip, deflate, br"));
    assert_eq!(seen.header("accept"), Some("*/*"));

    c.post("/h")
        .header("X-Custom", "yes")
        .header("User-Agent", "mine")
        .header("content-type", "text/csv")
        .json(&1)
        .send()
        .await;
    let seen = server.last();
    assert_eq!(seen.header("x-custom"), Some("yes"));
    assert_eq!(seen.header("user-agent"), Some("mine"));
    assert_eq!(seen.header("content-type"), Some("text/csv"));

    let r = c.get("/h").header("bad header", "x").send().await;
    assert_eq!(r.status(), 0);
    assert!(
        r.error().unwrap().contains("invalid header name"),
        "{:?}",
        r.error()
    );
}

#[tokio::test]
async fn base_path_relative_paths_and_absolute_urls() {
    let server = echo_server().await;
    let other = echo_server().await;
    let (mut c, records) = client(
        Some(&format!("{}/base", server.url())),
        ClientConfig::default(),
    );
    c.get("/x?y=1").send().await;
    assert_eq!(server.last().uri, "/base/x?y=1");
    assert_eq!(last(&records).name, "/base/x?y=1");
    assert_eq!(last(&records).url, format!("{}/base/x?y=1", server.url()));

    let absolute = format!("{}/abs/path", other.url());
    let r = c.get(&absolute).send().await;
    assert!(r.ok());
    assert_eq!(other.last().uri, "/abs/path");
    assert_eq!(
        other.last().header("host"),
        Some(other.addr.to_string().as_str())
    );
    assert_eq!(r.url(), absolute);
    assert_eq!(last(&records).name, "/abs/path");
    assert_eq!(server.requests.lock().unwrap().len(), 1);

    let r = c.get("/named/42").name("/named/[id]").send().await;
    assert_eq!(r.name(), "/named/[id]");
    assert_eq!(last(&records).name, "/named/[id]");
}

#[tokio::test]
async fn basic_auth_from_the_host_is_sent_and_stripped_from_urls() {
    let server = echo_server().await;
    let host = format!("http://ann:s%3Acret@{}", server.addr);
    let (mut c, records) = client(Some(&host), ClientConfig::default());
    let r = c.get("/private").send().await;
    assert!(r.ok());
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("ann:s:cret")
    );
    assert_eq!(
        server.last().header("authorization"),
        Some(expected.as_str())
    );
    assert_eq!(r.url(), format!("{}/private", server.url()));
    assert_eq!(last(&records).url, format!("{}/private", server.url()));

    c.get("/private").basic_auth("bob", "pw").send().await;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("bob:pw")
    );
    assert_eq!(
        server.last().header("authorization"),
        Some(expected.as_str())
    );
}

#[tokio::test]
async fn error_statuses_are_failures_named_like_locust() {
    let server = echo_server().await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    let r = c.get("/missing").send().await;
    assert_eq!(r.status(), 404);
    assert!(!r.ok());
    assert_eq!(r.error(), None);
    assert_eq!(
        last(&records).error.as_deref(),
        Some("HTTPError('404 Client Error: Not Found for url: /missing')")
    );
    c.get("/boom").name("boom").send().await;
    assert_eq!(
        last(&records).error.as_deref(),
        Some("HTTPError('503 Server Error: Service Unavailable for url: boom')")
    );
    let rec = last(&records);
    assert_eq!(rec.status, 503);
    assert!(rec.response_time.is_some());
}

#[tokio::test]
async fn response_accessors() {
    let server = Server::start(|_| {
        let mut r = ok(r#"{"id": 7, "tags": ["x"]}"#);
        r.headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        r
    })
    .await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    let r = c.get("/item").send().await;
    #[derive(serde::Deserialize)]
    struct Item {
        id: u32,
        tags: Vec<String>,
    }
    let item: Item = r.json().unwrap();
    assert_eq!((item.id, item.tags), (7, vec!["x".to_owned()]));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.content_length(), r.bytes().len() as u64);
    assert!(r.history().is_empty());
    assert!(r.start_time() > 1.6e9);
    let rec = last(&records);
    assert_eq!(rec.length, r.content_length());
    assert_eq!(rec.response_time, Some(r.elapsed()));
    assert!(r.json::<Vec<u8>>().is_err());
}

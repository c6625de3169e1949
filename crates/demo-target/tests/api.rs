//! Every endpoint of the demo target, served in-process on a free port.

mod common;

use std::time::{Duration, Instant};

use common::{get, send, Reply};
use hyper::{Method, StatusCode};
use locusta_demo_target::{spawn, TargetConfig};
use serde_json::json;

async fn post_json(addr: std::net::SocketAddr, path: &str, cookie: &str, body: &str) -> Reply {
    let mut headers = vec![("content-type", "application/json")];
    if !cookie.is_empty() {
        headers.push(("cookie", cookie));
    }
    send(addr, Method::POST, path, &headers, body).await
}

/// Logs in as ann (a JSON body).
async fn login(addr: std::net::SocketAddr) -> Reply {
    post_json(
        addr,
        "/login",
        "",
        r#"{"username": "ann", "password": "x"}"#,
    )
    .await
}

/// Logs in as ann and returns the session token.
async fn session_token(addr: std::net::SocketAddr) -> String {
    login(addr).await.json()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn index_is_a_100_byte_text_body() {
    let target = spawn(TargetConfig::default());
    assert!(target.url().starts_with("http://127.0.0.1:"));
    let reply = get(target.addr(), "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.len(), 100);
    assert_eq!(reply.header("content-length"), Some("100"));
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
}

#[tokio::test]
async fn products_list_and_lookup() {
    let target = spawn(TargetConfig::default());
    let list = get(target.addr(), "/products").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.header("content-type"), Some("application/json"));
    let products = list.json();
    let products = products.as_array().unwrap();
    assert_eq!(products.len(), 20);
    for p in products {
        assert!(p["id"].is_u64() && p["name"].is_string() && p["price"].is_number());
    }
    let one = get(target.addr(), "/products/3").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json(), products[2]);
    for unknown in ["/products/0", "/products/21", "/products/abc"] {
        let reply = get(target.addr(), unknown).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{unknown}");
        assert!(reply.json()["error"].is_string());
    }
}

#[tokio::test]
async fn login_accepts_json_and_form_and_sets_a_cookie() {
    let target = spawn(TargetConfig::default());
    let addr = target.addr();
    let by_json = login(addr).await;
    assert_eq!(by_json.status, StatusCode::OK);
    let token = by_json.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        by_json.header("set-cookie"),
        Some(format!("session={token}; Path=/").as_str())
    );
    let by_form = send(
        addr,
        Method::POST,
        "/login",
        &[("content-type", "application/x-www-form-urlencoded")],
        "username=bob&password=secret%21",
    )
    .await;
    assert_eq!(by_form.status, StatusCode::OK);
    assert_ne!(by_form.json()["token"], json!(token));
}

#[tokio::test]
async fn login_without_credentials_is_a_400() {
    let target = spawn(TargetConfig::default());
    for body in [
        r#"{"username": "ann"}"#,
        r#"{"username": "ann", "password": ""}"#,
        r#"{"password": "x"}"#,
        "{not json",
        "",
    ] {
        let reply = post_json(target.addr(), "/login", "", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(reply.json()["error"].is_string(), "{body}");
        assert!(reply.header("set-cookie").is_none());
    }
}

#[tokio::test]
async fn login_cart_checkout_with_the_session_cookie() {
    let target = spawn(TargetConfig::default());
    let addr = target.addr();
    let login = login(addr).await;
    let cookie = login
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    let empty = send(addr, Method::GET, "/cart", &[("cookie", &cookie)], "").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json()["items"], json!([]));
    let nothing = post_json(addr, "/checkout", &cookie, "").await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);

    let added = post_json(
        addr,
        "/cart",
        &cookie,
        r#"{"product_id": 2, "quantity": 3}"#,
    )
    .await;
    assert_eq!(added.status, StatusCode::OK);
    let added = post_json(addr, "/cart", &cookie, r#"{"product_id": 2}"#).await;
    assert_eq!(added.json()["items"][0]["quantity"], json!(4));
    let added = post_json(
        addr,
        "/cart",
        &cookie,
        r#"{"product_id": 5, "quantity": 1}"#,
    )
    .await;
    assert_eq!(added.json()["items"].as_array().unwrap().len(), 2);

    let cart = send(addr, Method::GET, "/cart", &[("cookie", &cookie)], "").await;
    assert_eq!(cart.json(), added.json());
    let total = cart.json()["total"].as_f64().unwrap();
    assert!(total > 0.0);

    let order = post_json(addr, "/checkout", &cookie, "").await;
    assert_eq!(order.status, StatusCode::OK);
    assert!(order.json()["order_id"].as_u64().unwrap() >= 1);
    assert_eq!(order.json()["total"].as_f64(), Some(total));

    let after = send(addr, Method::GET, "/cart", &[("cookie", &cookie)], "").await;
    assert_eq!(after.json()["items"], json!([]));
    let again = post_json(addr, "/checkout", &cookie, "").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bearer_token_works_like_the_cookie() {
    let target = spawn(TargetConfig::default());
    let addr = target.addr();
    let bearer = format!("Bearer {}", session_token(addr).await);
    let cart = send(
        addr,
        Method::GET,
        "/cart",
        &[("authorization", &bearer)],
        "",
    )
    .await;
    assert_eq!(cart.status, StatusCode::OK);
}

#[tokio::test]
async fn cart_rejects_bad_items() {
    let target = spawn(TargetConfig::default());
    let addr = target.addr();
    let cookie = format!("session={}", session_token(addr).await);
    let unknown = post_json(addr, "/cart", &cookie, r#"{"product_id": 99}"#).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    for body in [
        r#"{"product_id": 1, "quantity": 0}"#,
        r#"{"quantity": 1}"#,
        "not json",
    ] {
        let reply = post_json(addr, "/cart", &cookie, body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
    }
}

#[tokio::test]
async fn session_endpoints_need_a_session() {
    let target = spawn(TargetConfig::default());
    let addr = target.addr();
    for cookie in ["", "session=unknown", "other=1"] {
        let cart = send(addr, Method::GET, "/cart", &[("cookie", cookie)], "").await;
        assert_eq!(cart.status, StatusCode::UNAUTHORIZED, "{cookie}");
        assert!(cart.json()["error"].is_string());
        let add = post_json(addr, "/cart", cookie, r#"{"product_id": 1}"#).await;
        assert_eq!(add.status, StatusCode::UNAUTHORIZED, "{cookie}");
        let checkout = post_json(addr, "/checkout", cookie, "").await;
        assert_eq!(checkout.status, StatusCode::UNAUTHORIZED, "{cookie}");
    }
}

#[tokio::test]
async fn oldest_sessions_are_evicted_beyond_the_bound() {
    let target = spawn(TargetConfig {
        max_sessions: 2,
        ..TargetConfig::default()
    });
    let addr = target.addr();
    let mut cookies = Vec::new();
    for _ in 0..3 {
        cookies.push(format!("session={}", session_token(addr).await));
    }
    let statuses: Vec<StatusCode> = cart_statuses(addr, &cookies).await;
    assert_eq!(
        statuses,
        [StatusCode::UNAUTHORIZED, StatusCode::OK, StatusCode::OK]
    );
}

async fn cart_statuses(addr: std::net::SocketAddr, cookies: &[String]) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for cookie in cookies {
        statuses.push(
            send(addr, Method::GET, "/cart", &[("cookie", cookie)], "")
                .await
                .status,
        );
    }
    statuses
}

#[tokio::test]
async fn sleep_waits_the_requested_time() {
    let target = spawn(TargetConfig::default());
    let started = Instant::now();
    let reply = get(target.addr(), "/sleep?ms=120").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(get(target.addr(), "/sleep").await.status, StatusCode::OK);
    for bad in ["/sleep?ms=abc", "/sleep?ms=-1", "/sleep?ms=60001"] {
        assert_eq!(
            get(target.addr(), bad).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn status_redirect_and_headers_helpers() {
    let target = spawn(TargetConfig::default());
    let addr = target.addr();
    for code in [200u16, 201, 204, 302, 404, 418, 500, 503] {
        let reply = get(addr, &format!("/status/{code}")).await;
        assert_eq!(reply.status.as_u16(), code);
    }
    let posted = send(addr, Method::POST, "/status/500", &[], "").await;
    assert_eq!(posted.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        get(addr, "/status/99").await.status,
        StatusCode::BAD_REQUEST
    );

    let redirect = get(addr, "/redirect?to=%2Fproducts%3Fa%3D1").await;
    assert_eq!(redirect.status, StatusCode::FOUND);
    assert_eq!(redirect.header("location"), Some("/products?a=1"));
    assert_eq!(get(addr, "/redirect").await.header("location"), Some("/"));
    for outside in [
        "/redirect?to=http://example.com/",
        "/redirect?to=//example.com",
    ] {
        assert_eq!(
            get(addr, outside).await.status,
            StatusCode::BAD_REQUEST,
            "{outside}"
        );
    }

    let echoed = send(
        addr,
        Method::GET,
        "/headers",
        &[("x-test", "one"), ("x-test", "two"), ("user-agent", "t")],
        "",
    )
    .await;
    assert_eq!(echoed.status, StatusCode::OK);
    let echoed = echoed.json();
    assert_eq!(echoed["x-test"], json!("one, two"));
    assert_eq!(echoed["user-agent"], json!("t"));
    assert_eq!(echoed["host"], json!(addr.to_string()));
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods() {
    let target = spawn(TargetConfig::default());
    let addr = target.addr();
    let missing = get(addr, "/nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.json()["error"].is_string());
    let wrong = send(addr, Method::DELETE, "/cart", &[], "").await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.header("allow"), Some("GET, POST"));
    assert_eq!(
        get(addr, "/login").await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn stats_counts_requests_but_not_itself() {
    let target = spawn(TargetConfig::default());
    let addr = target.addr();
    assert_eq!(get(addr, "/stats").await.json(), json!({"requests": 0}));
    for path in ["/", "/products", "/nope", "/status/500"] {
        get(addr, path).await;
    }
    assert_eq!(get(addr, "/stats").await.json(), json!({"requests": 4}));
    assert_eq!(target.requests_served(), 4);
}

#[tokio::test]
async fn latency_is_added_to_shop_endpoints_only() {
    let target = spawn(TargetConfig {
        latency: Duration::from_millis(150),
        ..TargetConfig::default()
    });
    let addr = target.addr();
    for path in ["/", "/products", "/products/1"] {
        let started = Instant::now();
        assert_eq!(get(addr, path).await.status, StatusCode::OK);
        assert!(started.elapsed() >= Duration::from_millis(140), "{path}");
    }
    let started = Instant::now();
    let login = post_json(addr, "/login", "", r#"{"username": "a", "password": "x"}"#).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(140));
    // The helpers stay immediate (not asserted: timing upper bounds are flaky).
    assert_eq!(
        get(addr, "/status/204").await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn error_rate_one_fails_every_shop_request() {
    let target = spawn(TargetConfig {
        error_rate: 1.0,
        ..TargetConfig::default()
    });
    let addr = target.addr();
    for path in ["/", "/products", "/products/1", "/cart"] {
        let reply = get(addr, path).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(reply.json()["error"].is_string());
    }
    let login = post_json(addr, "/login", "", r#"{"username": "a", "password": "x"}"#).await;
    assert_eq!(login.status, StatusCode::INTERNAL_SERVER_ERROR);
    // Helpers are not shop endpoints.
    assert_eq!(get(addr, "/sleep?ms=1").await.status, StatusCode::OK);
    assert_eq!(get(addr, "/stats").await.status, StatusCode::OK);
}

#[tokio::test]
async fn error_rate_zero_fails_nothing() {
    let target = spawn(TargetConfig::default());
    for _ in 0..50 {
        assert_eq!(get(target.addr(), "/").await.status, StatusCode::OK);
        assert_eq!(get(target.addr(), "/products").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn keep_alive_serves_many_requests_on_one_connection() {
    use http_body_util::{BodyExt, Full};
    use hyper_util::rt::TokioIo;

    let target = spawn(TargetConfig::default());
    let stream = tokio::net::TcpStream::connect(target.addr()).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    for _ in 0..100 {
        let request = hyper::Request::get("/")
            .header("host", "localhost")
            .body(Full::new(bytes::Bytes::new()))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.collect().await.unwrap().to_bytes().len(), 100);
    }
    assert_eq!(target.requests_served(), 100);
}

#[test]
fn dropping_the_target_stops_it() {
    let target = spawn(TargetConfig::default());
    let addr = target.addr();
    drop(target);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

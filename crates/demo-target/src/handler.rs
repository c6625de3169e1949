//! Request routing and the endpoints.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, ALLOW, AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE,
};
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::shop::{self, Product, Sessions};
use crate::TargetConfig;

type Resp = Response<Full<Bytes>>;

/// The body of `GET /`: exactly 100 bytes.
const INDEX_BODY: &[u8; 100] =
    b"Welcome to the locusta demo shop! This is the fast path: one static body of exactly 100 bytes.\n\n\n\n\n\n";

/// Longest request body read (login, cart).
const MAX_BODY: usize = 64 * 1024;

/// Longest `/sleep`.
const MAX_SLEEP_MS: u64 = 60_000;

/// Everything the endpoints share.
pub(crate) struct State {
    pub served: AtomicU64,
    latency: Duration,
    error_rate: f64,
    products: Vec<Product>,
    products_json: Bytes,
    sessions: Mutex<Sessions>,
    orders: AtomicU64,
}

impl State {
    pub fn new(config: TargetConfig) -> Self {
        let products = shop::catalogue();
        let list: Vec<Value> = products.iter().map(Product::to_json).collect();
        let products_json = Bytes::from(serde_json::to_vec(&list).expect("catalogue as JSON"));
        Self {
            served: AtomicU64::new(0),
            latency: config.latency,
            error_rate: config.error_rate,
            products,
            products_json,
            sessions: Mutex::new(Sessions::new(config.max_sessions)),
            orders: AtomicU64::new(0),
        }
    }

    fn sessions(&self) -> MutexGuard<'_, Sessions> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn product(&self, id: u32) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }
}

/// Serves one request.
pub(crate) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Resp, Infallible> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    if path == "/stats" {
        return Ok(match parts.method {
            Method::GET => json_response(
                StatusCode::OK,
                &json!({"requests": state.served.load(Ordering::Relaxed)}),
            ),
            _ => method_not_allowed("GET"),
        });
    }
    state.served.fetch_add(1, Ordering::Relaxed);
    if parts.method == Method::GET
        && path == "/"
        && state.latency.is_zero()
        && state.error_rate <= 0.0
    {
        return Ok(index());
    }
    if is_shop(path) {
        if !state.latency.is_zero() {
            tokio::time::sleep(state.latency).await;
        }
        if state.error_rate > 0.0 && rand::random::<f64>() < state.error_rate {
            return Ok(error(StatusCode::INTERNAL_SERVER_ERROR, "injected error"));
        }
    }
    Ok(route(&state, &parts, body).await)
}

fn is_shop(path: &str) -> bool {
    matches!(path, "/" | "/login" | "/products" | "/cart" | "/checkout")
        || path.starts_with("/products/")
}

async fn route(state: &State, parts: &Parts, body: Incoming) -> Resp {
    let path = parts.uri.path();
    let method = &parts.method;
    if let Some(code) = path.strip_prefix("/status/") {
        return status(code);
    }
    if path == "/headers" {
        return headers(parts);
    }
    if let Some(id) = path.strip_prefix("/products/") {
        return match *method {
            Method::GET => product(state, id),
            _ => method_not_allowed("GET"),
        };
    }
    match (path, method) {
        ("/", &Method::GET) => index(),
        ("/login", &Method::POST) => login(state, body).await,
        ("/products", &Method::GET) => bytes_response(
            StatusCode::OK,
            "application/json",
            state.products_json.clone(),
        ),
        ("/cart", &Method::GET) => cart(state, parts),
        ("/cart", &Method::POST) => add_to_cart(state, parts, body).await,
        ("/checkout", &Method::POST) => checkout(state, parts),
        ("/sleep", &Method::GET) => sleep(parts).await,
        ("/redirect", &Method::GET) => redirect(parts),
        ("/" | "/products" | "/sleep" | "/redirect", _) => method_not_allowed("GET"),
        ("/login" | "/checkout", _) => method_not_allowed("POST"),
        ("/cart", _) => method_not_allowed("GET, POST"),
        _ => error(StatusCode::NOT_FOUND, "not found"),
    }
}

fn index() -> Resp {
    bytes_response(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        Bytes::from_static(INDEX_BODY),
    )
}

fn product(state: &State, id: &str) -> Resp {
    match id.parse().ok().and_then(|id| state.product(id)) {
        Some(p) => json_response(StatusCode::OK, &p.to_json()),
        None => error(StatusCode::NOT_FOUND, "no such product"),
    }
}

async fn login(state: &State, body: Incoming) -> Resp {
    let fields = match read_body(body).await {
        Ok(bytes) => parse_fields(&bytes),
        Err(resp) => return resp,
    };
    let field = |name| {
        fields
            .as_ref()
            .and_then(|f| f.get(name))
            .filter(|v| !v.is_empty())
    };
    let Some(username) = field("username") else {
        return error(
            StatusCode::BAD_REQUEST,
            "username and password are required",
        );
    };
    if field("password").is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "username and password are required",
        );
    }
    let token = state.sessions().open();
    let mut resp = json_response(
        StatusCode::OK,
        &json!({"token": token, "username": username}),
    );
    if let Ok(cookie) = HeaderValue::from_str(&format!("session={token}; Path=/")) {
        resp.headers_mut().insert(SET_COOKIE, cookie);
    }
    resp
}

/// Login fields from a JSON object or a form; `None` if neither parses.
fn parse_fields(body: &[u8]) -> Option<BTreeMap<String, String>> {
    if body.trim_ascii_start().starts_with(b"{") {
        let object: serde_json::Map<String, Value> = serde_json::from_slice(body).ok()?;
        Some(
            object
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Number(n) => Some((k, n.to_string())),
                    _ => None,
                })
                .collect(),
        )
    } else {
        serde_urlencoded::from_bytes(body).ok()
    }
}

fn cart(state: &State, parts: &Parts) -> Resp {
    let Some(token) = session_token(parts) else {
        return unauthorized();
    };
    let mut sessions = state.sessions();
    match sessions.cart(token) {
        Some(cart) => json_response(StatusCode::OK, &cart_json(state, cart)),
        None => unauthorized(),
    }
}

async fn add_to_cart(state: &State, parts: &Parts, body: Incoming) -> Resp {
    let Some(token) = session_token(parts) else {
        return unauthorized();
    };
    let bytes = match read_body(body).await {
        Ok(bytes) => bytes,
        Err(resp) => return resp,
    };
    let Ok(item) = serde_json::from_slice::<Value>(&bytes) else {
        return error(StatusCode::BAD_REQUEST, "expected a JSON object");
    };
    let product_id = item.get("product_id").and_then(Value::as_u64);
    let quantity = match item.get("quantity") {
        None => Some(1),
        Some(q) => q.as_u64().filter(|q| (1..=1000).contains(q)),
    };
    let (Some(product_id), Some(quantity)) = (product_id, quantity) else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected {\"product_id\": n, \"quantity\": 1 to 1000}",
        );
    };
    let Some(product) = u32::try_from(product_id)
        .ok()
        .and_then(|id| state.product(id))
    else {
        return error(StatusCode::NOT_FOUND, "no such product");
    };
    let mut sessions = state.sessions();
    let Some(cart) = sessions.cart(token) else {
        return unauthorized();
    };
    shop::add_to_cart(cart, product.id, quantity as u32);
    json_response(StatusCode::OK, &cart_json(state, cart))
}

fn checkout(state: &State, parts: &Parts) -> Resp {
    let Some(token) = session_token(parts) else {
        return unauthorized();
    };
    let mut sessions = state.sessions();
    let Some(cart) = sessions.cart(token) else {
        return unauthorized();
    };
    if cart.is_empty() {
        return error(StatusCode::BAD_REQUEST, "cart is empty");
    }
    let summary = cart_json(state, cart);
    cart.clear();
    let order_id = state.orders.fetch_add(1, Ordering::Relaxed) + 1;
    json_response(
        StatusCode::OK,
        &json!({"order_id": order_id, "items": summary["items"], "total": summary["total"]}),
    )
}

fn cart_json(state: &State, cart: &shop::Cart) -> Value {
    let mut total = 0;
    let items: Vec<Value> = cart
        .iter()
        .filter_map(|&(id, quantity)| {
            let p = state.product(id)?;
            total += p.price_cents * u64::from(quantity);
            Some(json!({
                "product_id": id,
                "name": p.name,
                "price": shop::price(p.price_cents),
                "quantity": quantity,
            }))
        })
        .collect();
    json!({"items": items, "total": shop::price(total)})
}

/// The session token from the `session` cookie or an `Authorization: Bearer` header.
fn session_token(parts: &Parts) -> Option<&str> {
    let from_cookie = parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("session="));
    from_cookie.or_else(|| {
        parts
            .headers
            .get(AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")
    })
}

async fn sleep(parts: &Parts) -> Resp {
    let ms = match query_param(parts, "ms") {
        None => 0,
        Some(ms) => match ms.parse::<u64>() {
            Ok(ms) if ms <= MAX_SLEEP_MS => ms,
            _ => return error(StatusCode::BAD_REQUEST, "ms must be 0 to 60000"),
        },
    };
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    bytes_response(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        Bytes::from(format!("slept {ms} ms\n")),
    )
}

fn status(code: &str) -> Resp {
    match code.parse::<u16>().ok().filter(|c| (200..=599).contains(c)) {
        Some(code) => {
            let mut resp = Response::new(Full::new(Bytes::new()));
            *resp.status_mut() = StatusCode::from_u16(code).expect("a valid status code");
            resp
        }
        None => error(StatusCode::BAD_REQUEST, "status must be 200 to 599"),
    }
}

fn redirect(parts: &Parts) -> Resp {
    let to = query_param(parts, "to").unwrap_or_else(|| "/".to_owned());
    // Only local paths: a redirect never leads a load test to another host.
    let local = to.starts_with('/') && !to.starts_with("//");
    match HeaderValue::from_str(&to) {
        Ok(location) if local => {
            let mut resp = Response::new(Full::new(Bytes::new()));
            *resp.status_mut() = StatusCode::FOUND;
            resp.headers_mut().insert(LOCATION, location);
            resp
        }
        _ => error(StatusCode::BAD_REQUEST, "to must be a local path"),
    }
}

fn headers(parts: &Parts) -> Resp {
    let mut echoed: BTreeMap<&str, String> = BTreeMap::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        echoed
            .entry(name.as_str())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    json_response(StatusCode::OK, &json!(echoed))
}

/// A decoded query parameter.
fn query_param(parts: &Parts, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// The request body, or a response explaining why it cannot be read.
async fn read_body(body: Incoming) -> Result<Bytes, Resp> {
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(_) => Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body unreadable or over 64 KiB",
        )),
    }
}

fn bytes_response(status: StatusCode, content_type: &'static str, body: Bytes) -> Resp {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn json_response(status: StatusCode, value: &Value) -> Resp {
    let body = serde_json::to_vec(value).expect("a JSON value serializes");
    bytes_response(status, "application/json", Bytes::from(body))
}

fn error(status: StatusCode, message: &str) -> Resp {
    json_response(status, &json!({"error": message}))
}

fn unauthorized() -> Resp {
    error(StatusCode::UNAUTHORIZED, "log in first: POST /login")
}

fn method_not_allowed(allow: &'static str) -> Resp {
    let mut resp = error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    resp.headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    resp
}

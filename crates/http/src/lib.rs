//! locusta's HTTP client: what each simulated user's `self.client` is.
//!
//! One [`HttpClient`] per user, like Locust's `HttpSession`: its own cookie jar
//! and its own HTTP/1.1 keep-alive connections (httparse, rustls). Every request is
//! reported to a [`locusta_stats::Recorder`]; failures never surface as `Err` or
//! panics, they come back as a [`Response`] with [`Response::error`] set (status 0
//! for connection-level errors) and are recorded as failures.
//!
//! ```no_run
//! # async fn demo(recorder: locusta_stats::Recorder) -> Result<(), locusta_http::HttpError> {
//! use std::sync::Arc;
//! use locusta_http::{ClientConfig, HttpClient};
//!
//! let mut client = HttpClient::new(Some("http://127.0.0.1:8080"), Arc::new(ClientConfig::default()), recorder)?;
//! let response = client.get("/items").query(&[("page", "2")]).name("/items?page=[n]").send().await;
//! let mut caught = client.post("/login").form(&[("user", "a")]).catch_response().send().await;
//! if !caught.text().contains("welcome") {
//!     caught.failure("no welcome");
//! }
//! # Ok(()) }
//! ```

mod body;
mod client;
mod connection;
mod cookies;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod multipart;
mod request;
mod response;
mod stream;
mod tls;
mod url;

pub use bytes::Bytes;
pub use client::{check_host, ClientConfig, HttpClient};
pub use cookie_store;
pub use error::HttpError;
pub use http::{HeaderMap, Method};
pub use multipart::Multipart;
pub use request::{CatchRequest, RequestBuilder};
pub use response::{CaughtResponse, Hop, Response};
pub use stream::{Amount, BodyStream};

//! Integration tests of the HTTP client against real servers on 127.0.0.1.

mod catch_response;
mod connections;
mod encoding;
mod framing;
mod redirects;
mod requests;
mod streaming;
mod support;
mod tls;

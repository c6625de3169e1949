//! The network side of the tests: free ports on 127.0.0.1, and plain
//! HTTP/1.1 requests (one a connection) to the programs' web UIs.
//!
//! Shared by the tests of `crates/locusta` and `crates/wheel` (the wheel's
//! `tests/common` includes this file with `#[path]`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A TCP port free on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// An answer: its status line, headers and body.
pub struct Answer {
    pub status_line: String,
    /// `(lower-case name, value)`, in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0)
    }

    /// The value of a header (`name` in lower case), if there is one.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request to `address` (`host:port`) with these headers and
/// body; fails when nothing answers.
pub fn request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    try_request(address, method, path, headers, body)
        .unwrap_or_else(|e| panic!("{method} {path} on {address}: {e}"))
}

/// As [`request`], with an error while nothing answers (a program still
/// starting).
pub fn try_request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    Ok(Answer {
        status_line,
        headers,
        body: body.to_string(),
    })
}

/// One HTTP/1.1 request with a form body; the answer's status line and body.
pub fn http(address: &str, method: &str, path: &str, form: &str) -> (String, String) {
    let answer = request(
        address,
        method,
        path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form,
    );
    (answer.status_line, answer.body)
}

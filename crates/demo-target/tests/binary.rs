//! The `locusta-demo-target` executable: startup line, options, signals.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// Starts the binary and returns it with the `host:port` from its first line.
fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_locusta-demo-target"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the demo target");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, addr)
}

/// One `GET` on a fresh connection; returns the status line.
fn status_line(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.lines().next().unwrap_or_default().to_owned()
}

fn stop(child: Child, signal: libc::c_int) -> String {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on the pid of a child we own and have not reaped.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{:?}", output.status);
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn prints_its_address_serves_and_reports_on_sigterm() {
    let (child, addr) = start(&[]);
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    for _ in 0..3 {
        assert_eq!(status_line(&addr, "/"), "HTTP/1.1 200 OK");
    }
    assert_eq!(status_line(&addr, "/stats"), "HTTP/1.1 200 OK");
    assert_eq!(stop(child, libc::SIGTERM), "served 3 requests\n");
}

#[test]
fn options_reach_the_server_and_sigint_stops_it() {
    let (child, addr) = start(&["--threads", "2", "--error-rate", "1", "--latency-ms", "1"]);
    assert_eq!(
        status_line(&addr, "/products"),
        "HTTP/1.1 500 Internal Server Error"
    );
    assert_eq!(stop(child, libc::SIGINT), "served 1 requests\n");
}

#[test]
fn rejects_a_bad_error_rate() {
    let output = Command::new(env!("CARGO_BIN_EXE_locusta-demo-target"))
        .args(["--error-rate", "1.5"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("0.0 to 1.0"));
}

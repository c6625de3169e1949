//! Streamed responses (`stream=True`) in Python locustfiles, against a test
//! server on 127.0.0.1 whose bodies come in timed pieces: chunks reach Python
//! before the body ends, closed or dropped streams retire their connection,
//! reads wait in the hub while other users run.
#![cfg(feature = "python")]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

mod common;

use common::programs::{locusta, locustfile};
use common::text::assert_contains;
use common::timed::Run;

/// The server's shared state: accepted connections, and whether chunk 1 of
/// `/chunked` has been received (Python says so with `/got-first`).
#[derive(Default)]
struct State {
    accepted: AtomicUsize,
    got_first: Mutex<bool>,
    signal: Condvar,
}

/// Serves the endpoints the locustfile uses (see `answer`), keep-alive.
fn start_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(State::default());
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            state.accepted.fetch_add(1, Ordering::SeqCst);
            let _ = tcp.set_nodelay(true);
            let state = state.clone();
            std::thread::spawn(move || serve(tcp, &state));
        }
    });
    url
}

fn serve(tcp: TcpStream, state: &State) {
    let mut reader = BufReader::new(tcp.try_clone().unwrap());
    let mut tcp = tcp;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
        }
        let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
        if answer(&mut tcp, &path, state).is_err() {
            return;
        }
    }
}

fn with_length(tcp: &mut TcpStream, body: &[u8]) -> std::io::Result<()> {
    write!(
        tcp,
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )?;
    tcp.write_all(body)
}

fn chunk(tcp: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    write!(tcp, "{:x}\r\n", data.len())?;
    tcp.write_all(data)?;
    tcp.write_all(b"\r\n")
}

const CHUNKED: &str = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n";

fn answer(tcp: &mut TcpStream, path: &str, state: &State) -> std::io::Result<()> {
    match path {
        "/count" => with_length(
            tcp,
            state.accepted.load(Ordering::SeqCst).to_string().as_bytes(),
        ),
        "/fast" => with_length(tcp, b"ok"),
        "/fixed" => with_length(tcp, "fixed body ".repeat(100).as_bytes()),
        "/got-first" => {
            *state.got_first.lock().unwrap() = true;
            state.signal.notify_all();
            with_length(tcp, b"ok")
        }
        "/chunked" => {
            write!(tcp, "{CHUNKED}\r\n")?;
            chunk(tcp, b"first\n")?;
            // Chunk 2 only once Python has chunk 1 (or "late" after 10 s).
            let got = state.got_first.lock().unwrap();
            let (mut got, _) = state
                .signal
                .wait_timeout_while(got, Duration::from_secs(10), |got| !*got)
                .unwrap();
            let second: &[u8] = if *got { b"second\n" } else { b"late\n" };
            *got = false;
            drop(got);
            chunk(tcp, second)?;
            chunk(tcp, b"")
        }
        "/endless" => {
            write!(tcp, "{CHUNKED}\r\n")?;
            loop {
                chunk(tcp, b"tick\n")?;
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        "/slow" => {
            write!(tcp, "{CHUNKED}\r\n")?;
            for i in 0..10 {
                chunk(tcp, format!("slow {i}\n").as_bytes())?;
                std::thread::sleep(Duration::from_millis(200));
            }
            chunk(tcp, b"")
        }
        "/slow-length" => {
            write!(tcp, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")?;
            for _ in 0..5 {
                std::thread::sleep(Duration::from_millis(200));
                tcp.write_all(b"0123456789")?;
            }
            Ok(())
        }
        "/gzip" => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all("compressed line\n".repeat(200).as_bytes())?;
            let gzipped = encoder.finish()?;
            write!(tcp, "{CHUNKED}Content-Encoding: gzip\r\n\r\n")?;
            let (a, b) = gzipped.split_at(gzipped.len() / 2);
            chunk(tcp, a)?;
            std::thread::sleep(Duration::from_millis(100));
            chunk(tcp, b)?;
            chunk(tcp, b"")
        }
        _ => write!(tcp, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
    }
}

/// Runs `classes` of the streaming locustfile against a new server.
fn run(classes: &[&str], extra: &[&str]) -> Run {
    let (file, url) = (locustfile("streaming.py"), start_server());
    let mut args = vec!["-f", file.as_str(), "-H", url.as_str(), "--json"];
    args.extend_from_slice(extra);
    args.extend_from_slice(classes);
    locusta(&args)
}

#[test]
fn http_session_streams_bodies_as_requests_does() {
    let run = run(&["Streamer"], &["-i", "1"]);
    assert!(run.stdout.contains("STREAMER_OK"), "{}", run.stderr);
    assert!(!run.stderr.contains("Traceback"), "{}", run.stderr);
    assert_eq!(run.code, Some(1), "the caught failure: {}", run.stderr);
    let rows = run.rows();
    assert_eq!(rows.get("caught"), Some(&(1, 1)), "{rows:?}");
    assert_contains(&run.stderr, "GET caught: read it all");
    assert_eq!(rows.get("chunked"), Some(&(1, 0)), "{rows:?}");
}

#[test]
fn a_slow_stream_read_leaves_the_hub_to_other_users() {
    let run = run(
        &["SlowReader", "Busy"],
        &["-u", "2", "-r", "10", "-t", "30"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("SLOW_READ"))
        .unwrap_or_else(|| panic!("no SLOW_READ line:\n{}\n{}", run.stdout, run.stderr));
    assert!(line.contains("chunks=10"), "{line}");
    let during: usize = line
        .rsplit("busy_during=")
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    // 1.8 s between the first and last chunk, a request every 10 ms or so.
    assert!(during >= 20, "{line}");
}

#[test]
fn a_run_ends_cleanly_while_a_user_reads_an_endless_stream() {
    let started = std::time::Instant::now();
    let run = run(&["EndlessReader"], &["-u", "2", "-r", "10", "-t", "2"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(!run.stderr.contains("Traceback"), "{}", run.stderr);
    assert_eq!(run.rows().get("endless"), Some(&(2, 0)));
}

#[test]
fn fast_http_session_streams_as_locusts_does() {
    let run = run(&["FastStreamer"], &["-i", "1"]);
    assert!(run.stdout.contains("FAST_STREAMER_OK"), "{}", run.stderr);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

//! Hostile peers against the real binary (the one cargo built for this
//! test; `LOCUSTA_TEST_BINARY` names another, e.g. an older build to see
//! these tests fail): a peer that opens the master's port and sends
//! ZMTP frames, commands, READY properties and msgpack containers claiming
//! up to 2^62 bytes must cost the master that one connection, nothing more:
//! the run goes on with its real worker, ends on time, and its reports hold
//! every request the target served. And a worker whose "master" sends such a
//! frame drops that connection, reconnects, and obeys the next master.
//!
//! Every process is bounded by `-t` and by the time limits of `wait_for`;
//! everything listens on 127.0.0.1.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use common::net::free_port;
use common::process::{words, Proc};
use common::programs::{locusta_binary, locustfile};
use common::scratch::scratch;
use locusta_cluster::message::map;
use locusta_cluster::zmtp::{self, Assembler, Event, SocketType};
use locusta_cluster::Message;
use locusta_demo_target::{spawn, TargetConfig};

/// A long frame header: `flags | LONG`, then `size` as eight bytes.
fn long_header(flags: u8, size: u64) -> Vec<u8> {
    let mut bytes = vec![flags | 0x02];
    bytes.extend_from_slice(&size.to_be_bytes());
    bytes
}

/// A READY command whose Socket-Type property claims `claimed` bytes.
fn ready_with_lying_property(claimed: u32) -> Vec<u8> {
    let mut body = vec![5];
    body.extend_from_slice(b"READY");
    body.push(11);
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&claimed.to_be_bytes());
    body.extend_from_slice(b"DEALER");
    let mut frame = vec![0x04, body.len() as u8];
    frame.extend(body);
    frame
}

/// What hostile peers send after a valid greeting, by name, and whether the
/// master must drop the connection for it (a frame that is not a message is
/// only skipped).
fn attacks() -> Vec<(&'static str, Vec<u8>, bool)> {
    let ready = zmtp::ready(SocketType::Dealer, b"intruder");
    let one_frame = |payload: &[u8]| [ready.clone(), zmtp::encode_message(&[payload])].concat();
    vec![
        (
            "a message frame of 2^62 bytes",
            [ready.clone(), long_header(0, 1 << 62)].concat(),
            true,
        ),
        (
            "a command of 2^62 bytes",
            long_header(0x04, (1 << 62) + 65_545),
            true,
        ),
        (
            "a READY property of 4 GiB",
            ready_with_lying_property(u32::MAX),
            true,
        ),
        (
            "frames adding up past the limit",
            // With LOCUSTA_MAX_MESSAGE_MB=1: 600 KiB, then 600 KiB more.
            [
                ready.clone(),
                long_header(0x01, 600 << 10),
                vec![0; 600 << 10],
                long_header(0, 600 << 10),
            ]
            .concat(),
            true,
        ),
        (
            "a msgpack array of 2^32 - 1 items",
            one_frame(&[0x93, 0xa1, b'x', 0xdd, 0xff, 0xff, 0xff, 0xff]),
            false,
        ),
        (
            "a msgpack string of 4 GiB",
            one_frame(&[0x93, 0xdb, 0xff, 0xff, 0xff, 0xff, b'x']),
            false,
        ),
    ]
}

/// Connects to the master as a ZMTP peer and sends `attack` after a valid
/// greeting; returns whether the master closed the connection within 10 s
/// (with `expect_close`; otherwise the connection is closed here after
/// half a second, and the answer is true).
fn attack_master(port: u16, attack: &[u8], expect_close: bool) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut greeting = [0u8; zmtp::GREETING_LEN];
    if stream.write_all(&zmtp::greeting()).is_err() || stream.read_exact(&mut greeting).is_err() {
        return false;
    }
    let _ = stream.write_all(attack);
    if !expect_close {
        std::thread::sleep(Duration::from_millis(500));
        return true;
    }
    // Whatever the master still sends (its READY), then the close.
    let mut sink = [0u8; 4096];
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return started.elapsed() < Duration::from_secs(10),
            Ok(_) => {}
        }
    }
    false
}

/// The rows of a stats CSV (`--csv`): name → request count.
fn csv_requests(path: &Path) -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            Some((
                fields.get(1)?.trim_matches('"').to_string(),
                fields.get(2)?.parse().ok()?,
            ))
        })
        .collect()
}

#[test]
fn a_hostile_peer_costs_the_master_one_connection_and_the_run_goes_on() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("master");
    let port = free_port();
    let file = locustfile("steady.py");
    let mut master = Proc::start_with_env(
        locusta_binary(),
        &words(&format!(
            "-f {file} --master --headless --expect-workers 1 --expect-workers-max-wait 30 -u 2 -r 2 -t 6s --stop-timeout 3 --master-bind-host 127.0.0.1 --master-bind-port {port} -H {} --csv {}/run --json --only-summary",
            target.url(),
            dir.display()
        )),
        &dir,
        "master",
        &[("LOCUSTA_MAX_MESSAGE_MB", "1")],
    );
    let mut worker = Proc::start(
        locusta_binary(),
        &words(&format!(
            "-f {file} --worker --master-host 127.0.0.1 --master-port {port}"
        )),
        &dir,
        "worker",
    );
    assert!(
        master.wait_for_log("All users spawned", Duration::from_secs(30)),
        "the run never started:\n{}",
        master.log()
    );
    let served_before = target.requests_served();
    for (name, attack, closes) in attacks() {
        let closed = attack_master(port, &attack, closes);
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            master.running(),
            "the master died of {name}: {:?}\n{}",
            master.child.try_wait(),
            master.log()
        );
        assert!(closed, "the master kept a connection that sent {name}");
    }
    let status = master.wait_for(Duration::from_secs(40));
    let log = master.log();
    assert_eq!(status.and_then(|s| s.code()), Some(0), "master:\n{log}");
    assert!(
        target.requests_served() > served_before,
        "no load after the attacks"
    );
    // Every attack is named in the log, and none cost the real worker.
    let dropped = attacks().iter().filter(|a| a.2).count();
    assert_eq!(
        log.matches("dropped the connection").count(),
        dropped,
        "{log}"
    );
    assert_eq!(
        log.matches("corrupt message from worker intruder").count(),
        2,
        "{log}"
    );
    assert!(!log.contains("missing"), "the real worker was lost:\n{log}");
    // The reports: the worker's requests, all of them, in CSV and JSON.
    let _ = worker.wait_for(Duration::from_secs(20));
    let stdout = master.stdout();
    let rows = csv_requests(&dir.join("run_stats.csv"));
    let aggregated = rows
        .iter()
        .find(|(name, _)| name == "Aggregated")
        .map(|r| r.1)
        .unwrap_or(0);
    let index = rows
        .iter()
        .find(|(name, _)| name == "/")
        .map(|r| r.1)
        .unwrap_or(0);
    assert!(index > 20, "too few requests in the CSV: {rows:?}");
    assert_eq!(aggregated, index, "{rows:?}");
    // At most a request in flight per user when the run stopped may have
    // been served and not recorded.
    let served = target.requests_served();
    assert!(
        aggregated <= served && served <= aggregated + 2,
        "the reports miss requests the target served: {aggregated} of {served}"
    );
    assert!(
        stdout.contains("\"num_requests\": ") || stdout.contains("\"num_requests\":"),
        "no JSON report:\n{stdout}"
    );
}

/// One accepted connection of the fake master (within 20 s): handshake,
/// then the worker's first message (its `client_ready`).
fn accept_worker(listener: &TcpListener, worker: &mut Proc) -> (TcpStream, Message) {
    listener.set_nonblocking(true).unwrap();
    let started = Instant::now();
    let mut stream = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(
                    worker.running(),
                    "the worker died: {:?}\n{}",
                    worker.child.try_wait(),
                    worker.log()
                );
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "the worker did not connect within 20 s"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(error) => panic!("accept: {error}"),
        }
    };
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(&zmtp::greeting()).unwrap();
    stream
        .write_all(&zmtp::ready(SocketType::Router, b""))
        .unwrap();
    let mut greeting = [0u8; zmtp::GREETING_LEN];
    stream.read_exact(&mut greeting).unwrap();
    let mut assembler = Assembler::new(1 << 20);
    let mut buffer = BytesMut::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Some(event) = assembler.next(&mut buffer).expect("a valid worker") {
            if let Event::Message(parts) = event {
                let message = Message::decode(parts.last().unwrap()).unwrap();
                return (stream, message);
            }
        }
        let n = stream.read(&mut chunk).expect("the worker speaks");
        assert!(n > 0, "the worker closed the connection");
        buffer.extend_from_slice(&chunk[..n]);
    }
}

#[test]
fn a_worker_drops_a_hostile_master_and_obeys_the_next() {
    let dir = scratch("worker");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut worker = Proc::start(
        locusta_binary(),
        &words(&format!(
            "-f {} --worker --master-host 127.0.0.1 --master-port {port}",
            locustfile("steady.py")
        )),
        &dir,
        "worker",
    );
    let (mut hostile, ready) = accept_worker(&listener, &mut worker);
    assert_eq!(ready.kind, "client_ready");
    hostile.write_all(&long_header(0, 1 << 62)).unwrap();
    // The worker drops that connection and connects again.
    let (mut good, ready) = accept_worker(&listener, &mut worker);
    assert_eq!(ready.kind, "client_ready", "after reconnecting");
    assert!(worker.running(), "the worker died:\n{}", worker.log());
    let id = ready.node_id.clone();
    for message in [
        Message::new("ack", map(vec![("index", 0.into())]), &id),
        Message::new("quit", rmpv::Value::Nil, &id),
    ] {
        good.write_all(&zmtp::encode_message(&[&message.encode()]))
            .unwrap();
    }
    let status = worker.wait_for(Duration::from_secs(20));
    let log = worker.log();
    assert_eq!(status.and_then(|s| s.code()), Some(0), "worker:\n{log}");
    assert!(
        log.contains("dropped the connection to the master"),
        "{log}"
    );
    assert!(log.contains("Got quit message from master"), "{log}");
}

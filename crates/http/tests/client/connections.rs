//! Keep-alive, reconnection and connection-level failures.

use std::sync::atomic::Ordering;
use std::time::Duration;

use locusta_http::{ClientConfig, HttpError};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::support::{client, last, ok, raw_server, read_head, Server};

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let server = Server::start(|_| ok("hi")).await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    for _ in 0..20 {
        assert!(c.get("/").send().await.ok());
    }
    c.post("/").json(&[1, 2]).send().await;
    assert_eq!(server.accepted(), 1);
    assert_eq!(records.lock().unwrap().len(), 21);

    // A second client has its own connection.
    let (mut other, _) = client(Some(&server.url()), ClientConfig::default());
    other.get("/").send().await;
    c.get("/").send().await;
    assert_eq!(server.accepted(), 2);
}

#[tokio::test]
async fn reconnects_after_the_server_closes_an_idle_connection() {
    // Answers one request per connection, then closes it (without saying so).
    let (closed_tx, mut closed_rx) = mpsc::unbounded_channel();
    let (addr, accepted) = raw_server(move |mut tcp| {
        let closed = closed_tx.clone();
        async move {
            if read_head(&mut tcp).await.is_some() {
                let _ = tcp
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
            }
            drop(tcp);
            let _ = closed.send(());
        }
    })
    .await;
    let (mut c, records) = client(Some(&format!("http://{addr}")), ClientConfig::default());
    for i in 1..=3 {
        let r = c.get("/").send().await;
        assert_eq!(r.status(), 200, "request {i}: {:?}", r.error());
        assert_eq!(r.text(), "ok");
        closed_rx.recv().await.unwrap();
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
    assert!(records.lock().unwrap().iter().all(|r| r.error.is_none()));
}

#[tokio::test]
async fn a_post_after_the_server_closed_the_idle_connection_goes_on_a_new_one() {
    // Regression: a non-idempotent request on a connection the server had just
    // closed used to reach an `unreachable!` instead of being sent or reported.
    let (closed_tx, mut closed_rx) = mpsc::unbounded_channel();
    let (addr, accepted) = raw_server(move |mut tcp| {
        let closed = closed_tx.clone();
        async move {
            if read_head(&mut tcp).await.is_some() {
                let _ = tcp
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
            }
            drop(tcp);
            let _ = closed.send(());
        }
    })
    .await;
    let (mut c, records) = client(Some(&format!("http://{addr}")), ClientConfig::default());
    assert_eq!(c.get("/").send().await.status(), 200);
    closed_rx.recv().await.unwrap();
    for i in 1..=3 {
        let r = c.post("/").body("x").send().await;
        assert_eq!(r.status(), 200, "POST {i}: {:?}", r.error());
        closed_rx.recv().await.unwrap();
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 4);
    assert!(records.lock().unwrap().iter().all(|r| r.error.is_none()));
}

#[tokio::test]
async fn a_response_announcing_close_is_not_reused() {
    // Says `Connection: close` but leaves the socket open for a while: the
    // client must not send the next request on it.
    let (addr, accepted) = raw_server(|mut tcp| async move {
        if read_head(&mut tcp).await.is_some() {
            let _ = tcp
                .write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
                .await;
            // A second request on this connection would never be answered.
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    })
    .await;
    let config = ClientConfig {
        timeout: Duration::from_secs(2),
        ..ClientConfig::default()
    };
    let (mut c, records) = client(Some(&format!("http://{addr}")), config);
    for i in 1..=3 {
        let r = c.get("/").send().await;
        assert_eq!(r.status(), 200, "request {i}: {:?}", r.error());
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
    assert!(records.lock().unwrap().iter().all(|r| r.error.is_none()));
}

#[tokio::test]
async fn connection_refused_is_status_zero_with_an_error() {
    // Bind then drop a listener to get a port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (mut c, records) = client(
        Some(&format!("http://127.0.0.1:{port}")),
        ClientConfig::default(),
    );
    let r = c.get("/x").send().await;
    assert_eq!(r.status(), 0);
    assert!(!r.ok());
    let expected = format!("ConnectionRefused: connection refused (127.0.0.1:{port})");
    assert_eq!(r.error(), Some(expected.as_str()));
    assert!(matches!(
        r.http_error(),
        Some(HttpError::ConnectionRefused(_))
    ));
    let rec = last(&records);
    assert_eq!(rec.error.as_deref(), Some(expected.as_str()));
    assert_eq!((rec.status, rec.name.as_str()), (0, "/x"));
}

#[tokio::test]
async fn read_timeout_against_a_server_that_never_answers() {
    let (addr, _) = raw_server(|mut tcp| async move {
        let _ = read_head(&mut tcp).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let config = ClientConfig {
        timeout: Duration::from_millis(300),
        ..ClientConfig::default()
    };
    let (mut c, records) = client(Some(&format!("http://{addr}")), config);
    let r = c.get("/slow").send().await;
    assert_eq!(r.status(), 0);
    assert_eq!(r.error(), Some("Timeout: no response within 0.300 s"));
    assert!(r.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        last(&records).error.as_deref(),
        Some("Timeout: no response within 0.300 s")
    );
    // The per-request timeout overrides the client's.
    let r = c
        .get("/slow")
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert_eq!(r.error(), Some("Timeout: no response within 0.100 s"));
}

#[tokio::test]
async fn a_timeout_beyond_the_clocks_range_is_no_timeout() {
    let (addr, _) = raw_server(|mut tcp| async move {
        while read_head(&mut tcp).await.is_some() {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = tcp
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
        }
    })
    .await;
    let config = ClientConfig {
        timeout: Duration::MAX,
        ..ClientConfig::default()
    };
    let (mut c, _) = client(Some(&format!("http://{addr}")), config);
    // A new connection, then a kept-alive one.
    for _ in 0..2 {
        let r = c.get("/").send().await;
        assert_eq!((r.status(), r.error()), (200, None));
        assert!(r.elapsed() >= Duration::from_millis(20));
    }
    let r = c
        .get("/")
        .timeout(Duration::from_secs(u64::MAX))
        .send()
        .await;
    assert_eq!((r.status(), r.error()), (200, None));
}

#[tokio::test]
async fn reset_in_the_middle_of_the_body() {
    let (addr, _) = raw_server(|mut tcp| async move {
        let _ = read_head(&mut tcp).await;
        let _ = tcp
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial body")
            .await;
        let _ = tcp.flush().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = tcp.set_zero_linger();
        drop(tcp);
    })
    .await;
    let (mut c, records) = client(Some(&format!("http://{addr}")), ClientConfig::default());
    let r = c.get("/").send().await;
    assert_eq!(r.status(), 0);
    let error = r.error().unwrap();
    assert!(error.starts_with("ConnectionReset: "), "{error}");
    assert_eq!(last(&records).error.as_deref(), Some(error));
}

#[tokio::test]
async fn early_close_and_invalid_http_are_failures() {
    let (addr, _) = raw_server(|mut tcp| async move {
        let head = read_head(&mut tcp).await.unwrap_or_default();
        let reply: &[u8] = if head.starts_with("GET /short") {
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"
        } else {
            b"this is not HTTP at all\r\n\r\n"
        };
        let _ = tcp.write_all(reply).await;
    })
    .await;
    let (mut c, _) = client(Some(&format!("http://{addr}")), ClientConfig::default());
    let r = c.get("/short").send().await;
    assert_eq!(r.status(), 0);
    assert!(
        r.error().unwrap().starts_with("ConnectionClosed: "),
        "{:?}",
        r.error()
    );
    let r = c.get("/garbage").send().await;
    assert_eq!(r.status(), 0);
    assert!(
        r.error().unwrap().starts_with("ProtocolError: "),
        "{:?}",
        r.error()
    );
}

#[tokio::test]
async fn huge_bodies_are_counted_beyond_the_memory_limit() {
    const TOTAL: usize = 100 << 20;
    let (addr, _) = raw_server(|mut tcp| async move {
        let _ = read_head(&mut tcp).await;
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {TOTAL}\r\n\r\n");
        let _ = tcp.write_all(head.as_bytes()).await;
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..TOTAL >> 20 {
            if tcp.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = read_head(&mut tcp).await;
    })
    .await;
    let config = ClientConfig {
        max_body_bytes: 1 << 20,
        ..ClientConfig::default()
    };
    let (mut c, records) = client(Some(&format!("http://{addr}")), config);
    let r = c.get("/big").send().await;
    assert_eq!(r.status(), 200, "{:?}", r.error());
    assert_eq!(r.content_length(), TOTAL as u64);
    assert_eq!(r.bytes().len(), 1 << 20);
    assert_eq!(last(&records).length, TOTAL as u64);
}

#[tokio::test]
async fn invalid_urls_are_recorded_failures() {
    let (mut c, records) = client(Some("http://127.0.0.1:9"), ClientConfig::default());
    let r = c.get("ht!tp://x").send().await;
    assert_eq!(r.status(), 0);
    assert_eq!(r.error(), Some("InvalidUrl: invalid URL 'ht!tp://x'"));
    let rec = last(&records);
    assert_eq!((rec.name.as_str(), rec.status), ("ht!tp://x", 0));
    assert!(rec.error.is_some());

    let (mut c, records) = client(None, ClientConfig::default());
    let r = c.get("/relative").send().await;
    assert_eq!(r.status(), 0);
    assert!(
        r.error().unwrap().contains("needs a host"),
        "{:?}",
        r.error()
    );
    assert_eq!(last(&records).name, "/relative");

    let config = std::sync::Arc::new(ClientConfig::default());
    let recorder = locusta_stats::SharedStats::new().recorder();
    for bad in [
        "127.0.0.1:8080",
        "ftp://h",
        "http://",
        "http://exa mple.com",
    ] {
        let err = locusta_http::HttpClient::new(Some(bad), config.clone(), recorder.clone())
            .err()
            .unwrap_or_else(|| panic!("{bad} should be rejected"));
        assert!(err.to_string().starts_with("InvalidUrl: "), "{err}");
    }
}

#[tokio::test]
async fn unresolvable_host_is_a_dns_failure() {
    let (mut c, _) = client(
        Some("http://does-not-exist.invalid"),
        ClientConfig::default(),
    );
    let r = c.get("/").send().await;
    assert_eq!(r.status(), 0);
    assert!(
        r.error().unwrap().starts_with("DnsError: "),
        "{:?}",
        r.error()
    );
}

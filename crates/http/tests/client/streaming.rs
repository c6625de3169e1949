//! Streamed responses (`stream(true)`): the request returns at the head, the
//! body is read from the connection as asked, and the connection is reused
//! only once the body has been read to its end.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use locusta_http::{Amount, ClientConfig, HttpError};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::support::{client, last, raw_server, read_head};

/// A server whose every response is chunked: "first" at once, then, once
/// the test says so on the channel, "second" and the end.
#[tokio::test]
async fn chunks_arrive_before_the_body_ends() {
    let (go_tx, go_rx) = mpsc::unbounded_channel::<()>();
    let go_rx = std::sync::Arc::new(tokio::sync::Mutex::new(go_rx));
    let (addr, accepted) = raw_server(move |mut tcp| {
        let go = go_rx.clone();
        async move {
            while read_head(&mut tcp).await.is_some() {
                let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n";
                let _ = tcp.write_all(head.as_bytes()).await;
                if go.lock().await.recv().await.is_none() {
                    return;
                }
                let _ = tcp.write_all(b"6\r\nsecond\r\n0\r\n\r\n").await;
            }
        }
    })
    .await;
    let (mut c, records) = client(Some(&format!("http://{addr}")), ClientConfig::default());
    for round in 0..2 {
        let mut response = c.get("/").stream(true).send().await;
        assert_eq!(response.status(), 200, "{:?}", response.error());
        assert_eq!(response.bytes().len(), 0);
        // Reported at the head, with no length (no Content-Length).
        assert_eq!(last(&records).length, 0);
        let mut body = response.take_stream().expect("a stream");
        assert!(body.is_chunked());
        let first = body.read(Amount::AtLeast(1), true).await.unwrap();
        assert_eq!(&first[..], b"first", "round {round}");
        go_tx.send(()).unwrap();
        let rest = body.read(Amount::Rest, true).await.unwrap();
        assert_eq!(&rest[..], b"second");
        assert!(body.is_done());
        assert!(body
            .read(Amount::AtLeast(1), true)
            .await
            .unwrap()
            .is_empty());
    }
    // Read to its end, the first stream's connection served the second request.
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unread_stream_retires_its_connection() {
    // Content-Length says 1 MB, and an endless trickle follows.
    let (addr, accepted) = raw_server(|mut tcp| async move {
        if read_head(&mut tcp).await.is_none() {
            return;
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n";
        if tcp.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        while tcp.write_all(b"0123456789").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let (mut c, records) = client(Some(&format!("http://{addr}")), ClientConfig::default());
    let started = Instant::now();
    let mut response = c.get("/").stream(true).send().await;
    assert_eq!(response.status(), 200);
    // The request's time and length: to the head, and the announced length.
    let record = last(&records);
    assert_eq!(record.length, 1_000_000);
    assert!(record.response_time.unwrap() < Duration::from_secs(1));
    let mut body = response.take_stream().unwrap();
    let piece = body.read(Amount::AtLeast(25), false).await.unwrap();
    assert!(piece.len() >= 25);
    assert!(piece.starts_with(b"0123456789012345678901234"));
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(body);
    drop(response);
    let again = c.get("/").stream(true).send().await;
    assert_eq!(again.status(), 200);
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
    // Closing has the same effect.
    let mut body = { again }.take_stream().unwrap();
    body.close();
    assert!(body
        .read(Amount::AtLeast(1), false)
        .await
        .unwrap()
        .is_empty());
    c.get("/").stream(true).send().await;
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_gzip_stream_is_decoded_unless_read_as_sent() {
    let text = "streamed line\n".repeat(2000);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    let gzipped = encoder.finish().unwrap();
    let sent = gzipped.clone();
    let (addr, _) = raw_server(move |mut tcp| {
        let gzipped = sent.clone();
        async move {
            while read_head(&mut tcp).await.is_some() {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                    gzipped.len()
                );
                let _ = tcp.write_all(head.as_bytes()).await;
                for piece in gzipped.chunks(100) {
                    let _ = tcp.write_all(piece).await;
                }
            }
        }
    })
    .await;
    let (mut c, _) = client(Some(&format!("http://{addr}")), ClientConfig::default());
    let mut body = c.get("/").stream(true).send().await.take_stream().unwrap();
    let mut decoded = Vec::new();
    loop {
        let piece = body.read(Amount::AtLeast(1000), true).await.unwrap();
        if piece.is_empty() {
            break;
        }
        assert!(piece.len() >= 1000 || decoded.len() + piece.len() == text.len());
        decoded.extend_from_slice(&piece);
    }
    assert_eq!(decoded, text.as_bytes());
    let mut body = c.get("/").stream(true).send().await.take_stream().unwrap();
    let raw = body.read(Amount::Rest, false).await.unwrap();
    assert_eq!(raw, gzipped);
}

#[tokio::test]
async fn a_stalled_stream_times_out_and_stays_failed() {
    let (addr, _) = raw_server(|mut tcp| async move {
        if read_head(&mut tcp).await.is_some() {
            let _ = tcp
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
                .await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
    })
    .await;
    let config = ClientConfig {
        timeout: Duration::from_millis(300),
        ..ClientConfig::default()
    };
    let (mut c, _) = client(Some(&format!("http://{addr}")), config);
    let mut body = c.get("/").stream(true).send().await.take_stream().unwrap();
    assert_eq!(
        &body.read(Amount::AtLeast(1), false).await.unwrap()[..],
        b"abc"
    );
    let error = body.read(Amount::AtLeast(1), false).await.unwrap_err();
    assert!(matches!(error, HttpError::Timeout(_)), "{error:?}");
    assert_eq!(body.read(Amount::Rest, false).await.unwrap_err(), error);
}

#[tokio::test]
async fn a_redirect_is_followed_before_the_stream_starts() {
    let (addr, accepted) = raw_server(|mut tcp| async move {
        while let Some(head) = read_head(&mut tcp).await {
            let answer = if head.starts_with("GET /old") {
                "HTTP/1.1 302 Found\r\nLocation: /new\r\nContent-Length: 5\r\n\r\nmoved"
            } else {
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew"
            };
            let _ = tcp.write_all(answer.as_bytes()).await;
        }
    })
    .await;
    let (mut c, _) = client(Some(&format!("http://{addr}")), ClientConfig::default());
    let mut response = c.get("/old").stream(true).send().await;
    assert_eq!(response.history().len(), 1);
    let mut body = response.take_stream().unwrap();
    assert_eq!(&body.read(Amount::Rest, true).await.unwrap()[..], b"new");
    c.get("/again").send().await;
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

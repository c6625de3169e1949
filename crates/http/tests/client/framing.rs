//! How responses are delimited and parsed: chunked bodies, bodies that end with
//! the connection, interim responses, HTTP/1.0, bodiless statuses, heads that
//! arrive a byte at a time, and malformed framing. Each server is scripted byte
//! for byte, so every case is exactly what the client sees.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use locusta_http::ClientConfig;
use tokio::io::AsyncWriteExt;

use crate::support::{client, last, ok, raw_server, read_head, Server};

/// One scripted answer: its pieces, written apart, and whether the server then
/// closes the connection.
struct Answer {
    pieces: Vec<&'static [u8]>,
    close: bool,
}

fn answer(pieces: &[&'static [u8]]) -> Answer {
    Answer {
        pieces: pieces.to_vec(),
        close: false,
    }
}

fn answer_then_close(pieces: &[&'static [u8]]) -> Answer {
    Answer {
        pieces: pieces.to_vec(),
        close: true,
    }
}

/// A server giving the scripted answers in order, one per request, whatever
/// connection the request comes on; the URL and the accepted-connection count.
async fn scripted(answers: Vec<Answer>) -> (String, Arc<AtomicUsize>) {
    let answers = Arc::new(answers);
    let next = Arc::new(AtomicUsize::new(0));
    let (addr, accepted) = raw_server(move |mut tcp| {
        let (answers, next) = (answers.clone(), next.clone());
        async move {
            while read_head(&mut tcp).await.is_some() {
                let Some(answer) = answers.get(next.fetch_add(1, Ordering::SeqCst)) else {
                    return;
                };
                for piece in &answer.pieces {
                    if tcp.write_all(piece).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                if answer.close {
                    return;
                }
            }
        }
    })
    .await;
    (format!("http://{addr}"), accepted)
}

#[tokio::test]
async fn chunked_bodies_in_pieces_with_extensions_and_trailers() {
    let (url, accepted) = scripted(vec![
        answer(&[
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            b"lo\r\n1;name=value\r\n,\r\n",
            b"6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n",
        ]),
        answer(&[b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"]),
        answer(&[b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"]),
    ])
    .await;
    let (mut c, records) = client(Some(&url), ClientConfig::default());
    let r = c.get("/chunked").send().await;
    assert_eq!(r.status(), 200, "{:?}", r.error());
    assert_eq!(r.text(), "hello, world");
    assert_eq!(last(&records).length, 12);
    let r = c.get("/empty").send().await;
    assert_eq!((r.status(), r.text().as_ref()), (200, ""));
    let r = c.get("/after").send().await;
    assert_eq!(r.text(), "next");
    // Chunked bodies end without closing: one connection served all three.
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_body_without_length_ends_with_the_connection() {
    let (url, accepted) = scripted(vec![
        answer_then_close(&[b"HTTP/1.1 200 OK\r\n\r\nuntil ", b"the end"]),
        answer(&[b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]),
    ])
    .await;
    let (mut c, _) = client(Some(&url), ClientConfig::default());
    let r = c.get("/").send().await;
    assert_eq!(r.status(), 200, "{:?}", r.error());
    assert_eq!(r.text(), "until the end");
    let r = c.get("/").send().await;
    assert_eq!(r.text(), "ok");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn interim_responses_are_skipped() {
    let (url, _) = scripted(vec![answer(&[
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
        b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\nLink: </final>\r\n\r\ndone",
    ])])
    .await;
    let (mut c, _) = client(Some(&url), ClientConfig::default());
    let r = c.post("/").body("x").send().await;
    assert_eq!(r.status(), 201, "{:?}", r.error());
    assert_eq!(r.text(), "done");
    assert_eq!(r.headers()["link"], "</final>");
}

#[tokio::test]
async fn http_1_0_responses_close_unless_kept_alive() {
    let (url, accepted) = scripted(vec![
        answer(&[b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\none"]),
        answer(&[b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\ntwo"]),
        answer(&[b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nthree"]),
    ])
    .await;
    let (mut c, _) = client(Some(&url), ClientConfig::default());
    for expected in ["one", "two", "three"] {
        assert_eq!(c.get("/").send().await.text(), expected);
    }
    // The first response closed its connection; the second kept it for the third.
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn head_204_and_304_responses_have_no_body_and_keep_the_connection() {
    let (url, accepted) = scripted(vec![
        answer(&[b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"]),
        answer(&[b"HTTP/1.1 204 No Content\r\n\r\n"]),
        answer(&[b"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"]),
        answer(&[b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast"]),
    ])
    .await;
    let (mut c, _) = client(Some(&url), ClientConfig::default());
    let r = c.head("/").send().await;
    assert_eq!(
        (r.status(), r.content_length()),
        (200, 0),
        "{:?}",
        r.error()
    );
    assert_eq!(c.get("/").send().await.status(), 204);
    assert_eq!(c.get("/").send().await.status(), 304);
    assert_eq!(c.get("/").send().await.text(), "last");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_response_arriving_a_byte_at_a_time_is_assembled() {
    const RESPONSE: &[u8] =
        b"HTTP/1.1 200 OK\r\nX-Long-Header-Name: some value\r\nContent-Length: 5\r\n\r\nbytes";
    let pieces: Vec<&'static [u8]> = RESPONSE.chunks(1).collect();
    let (url, _) = scripted(vec![answer(&pieces)]).await;
    let (mut c, _) = client(Some(&url), ClientConfig::default());
    let r = c.get("/").send().await;
    assert_eq!(r.status(), 200, "{:?}", r.error());
    assert_eq!(r.headers()["x-long-header-name"], "some value");
    assert_eq!(r.text(), "bytes");
}

#[tokio::test]
async fn bytes_beyond_the_response_retire_the_connection() {
    let (url, accepted) = scripted(vec![
        answer(&[b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokSURPRISE"]),
        answer(&[b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]),
    ])
    .await;
    let (mut c, _) = client(Some(&url), ClientConfig::default());
    assert_eq!(c.get("/").send().await.text(), "ok");
    let r = c.get("/").send().await;
    assert_eq!(r.text(), "ok", "{:?}", r.error());
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn malformed_framing_is_a_protocol_failure() {
    let many_headers: &'static [u8] = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\n{}Content-Length: 0\r\n\r\n",
            "X-A: b\r\n".repeat(101)
        )
        .into_bytes()
        .into_boxed_slice(),
    );
    let huge_head: &'static [u8] = Box::leak(
        format!("HTTP/1.1 200 OK\r\nX-Big: {}\r\n\r\n", "v".repeat(70 << 10))
            .into_bytes()
            .into_boxed_slice(),
    );
    let (url, _) = scripted(vec![
        answer(&[b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok"]),
        answer(&[b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]),
        answer(&[b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXY"]),
        answer(&[many_headers]),
        answer(&[huge_head]),
        answer(&[b"HTTP/1.1 2000 Huh\r\n\r\n"]),
    ])
    .await;
    let (mut c, records) = client(Some(&url), ClientConfig::default());
    for what in [
        "conflicting lengths",
        "bad chunk size",
        "chunk without CRLF",
        "101 headers",
        "70 KiB head",
        "bad status",
    ] {
        let r = c.get("/").send().await;
        assert_eq!(r.status(), 0, "{what}");
        let error = r.error().unwrap();
        assert!(error.starts_with("ProtocolError: "), "{what}: {error}");
        assert_eq!(last(&records).error.as_deref(), Some(error), "{what}");
    }
}

#[tokio::test]
async fn large_request_bodies_arrive_whole() {
    let server = Server::start(|captured| ok(captured.body.len().to_string())).await;
    let (mut c, _) = client(Some(&server.url()), ClientConfig::default());
    for size in [0, 1, 16 << 10, (16 << 10) + 1, 3 << 20] {
        let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let r = c.post("/upload").body(body.clone()).send().await;
        assert_eq!(r.text(), size.to_string(), "{:?}", r.error());
        assert_eq!(server.last().body.as_ref(), &body[..]);
        assert_eq!(
            server.last().header("content-length"),
            Some(&*size.to_string())
        );
    }
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn every_split_of_a_chunked_response_reads_the_same() {
    // One keep-alive connection answers the same chunked response again and
    // again, cut in two at every byte in turn: the client must assemble the
    // same body whatever arrives in which read.
    const RESPONSE: &[u8] =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n4;x=y\r\nabcd\r\n3\r\nefg\r\n0\r\nT: v\r\n\r\n";
    let answers = (1..RESPONSE.len())
        .map(|cut| answer(&[&RESPONSE[..cut], &RESPONSE[cut..]]))
        .collect();
    let (url, accepted) = scripted(answers).await;
    let (mut c, _) = client(Some(&url), ClientConfig::default());
    for cut in 1..RESPONSE.len() {
        let r = c.get("/").send().await;
        assert_eq!(r.status(), 200, "cut at {cut}: {:?}", r.error());
        assert_eq!(r.text(), "abcdefg", "cut at {cut}");
        assert_eq!(r.headers()["x-a"], "b", "cut at {cut}");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_request_that_says_connection_close_does_not_reuse_its_connection() {
    // Each connection answers its first request, then holds the socket open
    // and answers nothing more (its client said close): a request sent on it
    // again would wait for the timeout.
    let (addr, accepted) = raw_server(|mut tcp| async move {
        if read_head(&mut tcp).await.is_some() {
            let _ = tcp
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    })
    .await;
    let config = ClientConfig {
        timeout: Duration::from_secs(5),
        ..ClientConfig::default()
    };
    let (mut c, records) = client(Some(&format!("http://{addr}")), config);
    let r = c.get("/").header("Connection", "close").send().await;
    assert_eq!(r.text(), "ok", "{:?}", r.error());
    let r = c.get("/").send().await;
    assert_eq!(r.text(), "ok", "{:?}", r.error());
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
    assert!(records.lock().unwrap().iter().all(|r| r.error.is_none()));
}

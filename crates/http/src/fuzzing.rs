//! Entry points for the fuzz targets in `fuzz/` and their regression tests:
//! each runs this crate's real response reading on untrusted bytes, as a
//! user's connection does when a server answers, without a load test. None
//! may panic, hang or allocate beyond the limits.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::CONTENT_ENCODING;
use http::{HeaderMap, HeaderValue, Method};
use tokio::io::AsyncWriteExt;

use crate::body::BodyReader;
use crate::connection::{Conn, Streaming};
use crate::url::{BaseUrl, Target};

/// A server on the loopback interface and the runtime that drives it, made
/// once per thread: each input is one connection to it.
struct Server {
    runtime: tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    target: Target,
}

thread_local! {
    static SERVER: RefCell<Option<Server>> = const { RefCell::new(None) };
}

fn server() -> Server {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(SocketAddr::from((
            [127, 0, 0, 1],
            0,
        ))))
        .expect("a loopback listener");
    let port = listener.local_addr().expect("an address").port();
    let base = BaseUrl::parse(&format!("http://127.0.0.1:{port}")).expect("a base URL");
    let target = Target::resolve(Some(&base), "/fuzz", None).expect("a target");
    Server {
        runtime,
        listener,
        target,
    }
}

/// A response as a connection reads it: the input's first byte sets how
/// the server cuts its bytes into writes (1 to 64 bytes each), the second
/// whether the request was a HEAD and how much of the body is kept; the
/// rest is what the server sends, then it closes. Up to three requests go
/// over the connection while it stays reusable (keep-alive). Then the same
/// bytes go through each body decoder directly.
pub fn http_response(data: &[u8]) {
    let [chunking, flags, response @ ..] = data else {
        return;
    };
    let piece = usize::from(chunking % 64) + 1;
    let head_request = flags & 1 != 0;
    let max_body = if flags & 2 != 0 { 16 } else { 1 << 20 };
    SERVER.with(|cell| {
        let mut cell = cell.borrow_mut();
        let server = cell.get_or_insert_with(server);
        server.runtime.block_on(async {
            let open = Conn::open(&server.target, Duration::from_secs(5), false);
            let (conn, accepted) = tokio::join!(open, server.listener.accept());
            let (Ok(mut conn), Ok((mut socket, _))) = (conn, accepted) else {
                return;
            };
            let bytes = response.to_vec();
            let writer = tokio::spawn(async move {
                for part in bytes.chunks(piece) {
                    if socket.write_all(part).await.is_err() {
                        return;
                    }
                    tokio::task::yield_now().await;
                }
                let _ = socket.shutdown().await;
                // Keep the socket open until the client is done reading.
                let mut sink = [0u8; 1024];
                while let Ok(n) = tokio::io::AsyncReadExt::read(&mut socket, &mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            });
            for _ in 0..3 {
                let method = if head_request {
                    Method::HEAD
                } else {
                    Method::GET
                };
                conn.start_request(&method, "/fuzz");
                conn.finish_request(None);
                let now = Instant::now();
                let (back, result) = Box::new(conn)
                    .round_trip(
                        head_request,
                        max_body,
                        Streaming {
                            leave_body: false,
                            follow: false,
                        },
                        Duration::from_secs(5),
                        now,
                    )
                    .await;
                conn = *back;
                match result {
                    Ok(exchange) => {
                        assert!(exchange.body.len() <= max_body);
                        assert!(exchange.length >= exchange.body.len() as u64);
                        assert!(exchange.headers.len() <= 100);
                    }
                    Err(_) => break,
                }
                if !conn.is_reusable(false, now) {
                    break;
                }
            }
            drop(conn);
            let _ = writer.await;
        });
    });
    body_decoders(piece, response);
}

/// `body` decoded by each Content-Encoding, fed in pieces of `piece` bytes.
fn body_decoders(piece: usize, body: &[u8]) {
    for encoding in ["identity", "gzip", "deflate", "br", "x-unknown"] {
        for max in [0, 7, 1 << 20] {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding));
            let mut reader = BodyReader::new(&headers, max);
            for part in body.chunks(piece) {
                reader.push(Bytes::copy_from_slice(part));
            }
            let (kept, length, _) = reader.finish();
            assert!(kept.len() <= max);
            assert!(length >= kept.len() as u64);
        }
    }
}

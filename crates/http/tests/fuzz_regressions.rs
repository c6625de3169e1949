//! The `http_response` fuzz target's inputs as tests: every committed seed
//! (`fuzz/seeds/http_response/`) and every input the fuzzer found that
//! broke something (below, with what it broke) go through
//! `locusta_http::fuzzing::http_response` on each `cargo test`.
//!
//! `LOCUSTA_WRITE_FUZZ_SEEDS=1 cargo test -p locusta-http --test
//! fuzz_regressions` writes the seeds again: the bytes a hyper server
//! really sends for bodies of every encoding and framing, plus heads that
//! a hyper server never sends (interim responses, trailers, HTTP/1.0).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use locusta_http::fuzzing;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Counts the bytes allocated now and at most, for the decompression bomb.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: the caller's layout goes to the system allocator as it is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/http_response")
}

const PAGE: &str = "<!doctype html><html><head><title>Shop</title></head>\
<body><h1>Products</h1><ul><li>Apple</li><li>Pear</li><li>Plum</li></ul></body></html>\n";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut e = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        e.write_all(data).unwrap();
    }
    out
}

/// What a hyper server answers to `GET /<path>` (or HEAD), every byte.
async fn hyper_bytes(path: &str, head: bool) -> Vec<u8> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let service = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
            let page = PAGE.as_bytes();
            let (encoding, body, status) = match req.uri().path() {
                "/gzip" => (Some("gzip"), gzip(page), 200),
                "/deflate" => (Some("deflate"), zlib(page), 200),
                "/raw-deflate" => (Some("deflate"), raw_deflate(page), 200),
                "/br" => (Some("br"), brotli(page), 200),
                "/json" => (None, br#"{"items":[1,2,3],"next":null}"#.to_vec(), 200),
                "/no-content" => (None, Vec::new(), 204),
                "/not-modified" => (None, Vec::new(), 304),
                "/error" => (None, b"Internal Server Error".to_vec(), 500),
                _ => (None, page.to_vec(), 200),
            };
            let mut response = Response::builder()
                .status(status)
                .header("content-type", "text/html; charset=utf-8")
                .header("set-cookie", "session=abc123; Path=/; HttpOnly");
            if let Some(encoding) = encoding {
                response = response.header("content-encoding", encoding);
            }
            Ok::<_, hyper::Error>(response.body(Full::new(Bytes::from(body))).unwrap())
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(tcp), service)
            .await;
    });
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let method = if head { "HEAD" } else { "GET" };
    let request = format!(
        "{method} /{path} HTTP/1.1\r\nhost: {addr}\r\naccept-encoding: gzip, deflate, br\r\nconnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut bytes))
        .await
        .unwrap()
        .unwrap();
    bytes
}

/// A chunked body as servers send it, with a trailer.
fn chunked(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-encoding: {encoding}\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for part in body.chunks(40) {
        out.extend(format!("{:x}\r\n", part.len()).bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\nx-checksum: 1234\r\n\r\n");
    out
}

/// Every seed: a name, and the input (chunking byte, flags byte, response).
async fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for path in [
        "",
        "gzip",
        "deflate",
        "raw-deflate",
        "br",
        "json",
        "no-content",
        "not-modified",
        "error",
    ] {
        let mut input = vec![63, 0];
        input.extend(hyper_bytes(path, false).await);
        seeds.push((
            format!("hyper_{}", if path.is_empty() { "index" } else { path }),
            input,
        ));
    }
    let mut head = vec![5, 1];
    head.extend(hyper_bytes("", true).await);
    seeds.push(("hyper_head".into(), head));
    let page = PAGE.as_bytes();
    let crafted: Vec<(&str, Vec<u8>)> = vec![
        ("chunked_identity", chunked("identity", page)),
        ("chunked_gzip", chunked("gzip", &gzip(page))),
        ("chunked_br", chunked("br", &brotli(page))),
        (
            "interim_then_final",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_vec(),
        ),
        (
            "http10_until_close",
            b"HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the server closes".to_vec(),
        ),
        (
            "keep_alive_pipelined",
            b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\none\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec(),
        ),
        (
            "duplicate_lengths",
            b"HTTP/1.1 200 OK\r\ncontent-length: 4, 4\r\ncontent-length: 4\r\n\r\nfour".to_vec(),
        ),
    ];
    for (name, bytes) in crafted {
        let mut input = vec![6, 2];
        input.extend(bytes);
        seeds.push((name.to_string(), input));
    }
    seeds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_and_found_crashes_pass_the_target() {
    let seeds = seeds().await;
    if std::env::var_os("LOCUSTA_WRITE_FUZZ_SEEDS").is_some() {
        std::fs::create_dir_all(seeds_dir()).unwrap();
        for (name, bytes) in &seeds {
            std::fs::write(seeds_dir().join(name), bytes).unwrap();
        }
    }
    let mut inputs: Vec<(String, Vec<u8>)> = seeds;
    for seed in std::fs::read_dir(seeds_dir()).expect("fuzz/seeds/http_response exists") {
        let path = seed.unwrap().path();
        inputs.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    for (what, bytes) in found_crashes() {
        inputs.push((what.to_string(), bytes));
    }
    assert!(inputs.len() >= 30, "only {} inputs", inputs.len());
    // The target runs its own runtime: off this one's threads, each within 30 s.
    for (what, bytes) in inputs {
        let run = tokio::task::spawn_blocking(move || fuzzing::http_response(&bytes));
        tokio::time::timeout(Duration::from_secs(30), run)
            .await
            .unwrap_or_else(|_| panic!("{what}: not done in 30 s"))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
    }
}

/// A small brotli body that decodes to 128 MiB of zeros (25 KB at quality
/// 1), kept to 16 bytes: decoding it took each chunk's whole output in
/// memory (found by hand while the fuzzer ran, 2026-12-04: a 386 KB body of
/// 2 GiB peaked at 425 MB per response). Now the decoders write into the
/// bounded body a few KiB at a time.
#[test]
fn a_decompression_bomb_is_counted_not_kept() {
    let mut bomb = Vec::new();
    {
        let mut e = brotli::CompressorWriter::new(&mut bomb, 1 << 16, 1, 24);
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..128 {
            e.write_all(&zeros).unwrap();
        }
    }
    let mut input = vec![63, 2];
    input.extend(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-encoding: br\r\ncontent-length: {}\r\n\r\n",
            bomb.len()
        )
        .bytes(),
    );
    input.extend_from_slice(&bomb);
    drop(bomb);
    let before = NOW.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    fuzzing::http_response(&input);
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert!(
        peak < 24 << 20,
        "decoding 128 MiB kept to 16 bytes (and to 1 MiB) peaked at {} MiB",
        peak >> 20
    );
}

/// Inputs the fuzzer found that broke something, with what they broke.
fn found_crashes() -> Vec<(&'static str, Vec<u8>)> {
    vec![]
}

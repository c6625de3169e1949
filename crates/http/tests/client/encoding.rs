//! Content-Encoding decoding.

use std::io::Write;

use bytes::Bytes;
use locusta_http::ClientConfig;

use crate::support::{client, last, ok, Captured, Server};

fn compress(encoding: &str, data: &[u8]) -> Vec<u8> {
    use flate2::Compression;
    match encoding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "br" => {
            let mut out = Vec::new();
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                w.write_all(data).unwrap();
            }
            out
        }
        _ => data.to_vec(),
    }
}

fn document() -> Vec<u8> {
    (0..20_000)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect()
}

#[tokio::test]
async fn gzip_deflate_and_br_bodies_are_decoded() {
    let server = Server::start(|req: &Captured| {
        let encoding = req.uri.trim_start_matches('/');
        let body = if encoding == "corrupt" {
            b"not gzip at all".to_vec()
        } else {
            compress(encoding, &document())
        };
        let mut r = ok(Bytes::from(body));
        let header = if encoding == "corrupt" {
            "gzip"
        } else {
            encoding
        };
        r.headers_mut()
            .insert("content-encoding", header.parse().unwrap());
        r
    })
    .await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    let doc = document();
    for encoding in ["gzip", "deflate", "br"] {
        let r = c.get(&format!("/{encoding}")).send().await;
        assert!(r.ok(), "{encoding}: {:?}", r.error());
        assert_eq!(r.bytes().as_ref(), &doc[..], "{encoding}");
        assert_eq!(r.content_length(), doc.len() as u64);
        assert_eq!(last(&records).length, doc.len() as u64);
    }
    let r = c.get("/corrupt").send().await;
    assert_eq!(r.status(), 200);
    assert!(!r.ok());
    assert!(
        r.error()
            .unwrap()
            .starts_with("DecodeError: invalid gzip response body"),
        "{:?}",
        r.error()
    );
    assert_eq!(last(&records).error.as_deref(), r.error());
    // The connection is still usable after a decode failure.
    assert!(c.get("/gzip").send().await.ok());
    assert_eq!(server.accepted(), 1);
}

//! Response bodies: decoding per Content-Encoding (gzip, deflate, br) into a
//! buffer that keeps at most `max_body_bytes` and counts the rest.

use std::io::Write;

use bytes::Bytes;
use flate2::write::{DeflateDecoder, GzDecoder, ZlibDecoder};
use http::header::CONTENT_ENCODING;
use http::HeaderMap;

use crate::error::HttpError;

/// Keeps up to `max` bytes and counts all of them.
pub(crate) struct BodySink {
    /// The first chunk, kept without copying while it is the only one.
    first: Bytes,
    rest: Vec<u8>,
    total: u64,
    max: usize,
}

impl BodySink {
    fn new(max: usize) -> BodySink {
        BodySink {
            first: Bytes::new(),
            rest: Vec::new(),
            total: 0,
            max,
        }
    }

    fn kept(&self) -> usize {
        self.first.len() + self.rest.len()
    }

    fn push_bytes(&mut self, data: Bytes) {
        self.total += data.len() as u64;
        if self.kept() == 0 && data.len() <= self.max {
            self.first = data;
        } else {
            self.keep(&data);
        }
    }

    fn keep(&mut self, data: &[u8]) {
        let room = self.max - self.kept();
        if room == 0 {
            return;
        }
        if self.rest.is_empty() && !self.first.is_empty() {
            self.rest.extend_from_slice(&self.first);
            self.first = Bytes::new();
        }
        self.rest.extend_from_slice(&data[..data.len().min(room)]);
    }

    fn finish(self) -> (Bytes, u64) {
        let body = if self.rest.is_empty() {
            self.first
        } else {
            Bytes::from(self.rest)
        };
        (body, self.total)
    }
}

/// The decoder chosen from Content-Encoding; decoders write into a scratch
/// buffer that is drained into the sink after each chunk.
enum Decoder {
    Identity,
    /// `deflate`: zlib-wrapped or raw, decided on the first bytes.
    DeflateUnknown,
    Gzip(Box<GzDecoder<Vec<u8>>>),
    Zlib(Box<ZlibDecoder<Vec<u8>>>),
    Deflate(Box<DeflateDecoder<Vec<u8>>>),
    Brotli(Box<brotli::DecompressorWriter<Vec<u8>>>),
    /// Only counting, after a decode error.
    Discard,
}

/// Reads one response body: decodes, keeps up to `max_body_bytes`, counts.
pub(crate) struct BodyReader {
    sink: BodySink,
    decoder: Decoder,
    encoding: &'static str,
    error: Option<HttpError>,
}

impl BodyReader {
    /// A reader for a response with `headers`, keeping at most `max` bytes.
    pub(crate) fn new(headers: &HeaderMap, max: usize) -> BodyReader {
        let encoding = headers
            .get(CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or("");
        let is = |name: &str| encoding.eq_ignore_ascii_case(name);
        let (decoder, encoding) = if is("gzip") || is("x-gzip") {
            (Decoder::Gzip(Box::new(GzDecoder::new(Vec::new()))), "gzip")
        } else if is("deflate") {
            (Decoder::DeflateUnknown, "deflate")
        } else if is("br") {
            let writer = brotli::DecompressorWriter::new(Vec::new(), 4096);
            (Decoder::Brotli(Box::new(writer)), "br")
        } else {
            // identity, and unknown encodings passed through like python-requests.
            (Decoder::Identity, "identity")
        };
        BodyReader {
            sink: BodySink::new(max),
            decoder,
            encoding,
            error: None,
        }
    }

    /// Feeds one chunk of the (encoded) body.
    pub(crate) fn push(&mut self, data: Bytes) {
        let result = match &mut self.decoder {
            Decoder::Identity => {
                self.sink.push_bytes(data);
                return;
            }
            Decoder::Discard => {
                self.sink.total += data.len() as u64;
                return;
            }
            Decoder::DeflateUnknown => {
                self.decoder = if is_zlib_header(&data) {
                    Decoder::Zlib(Box::new(ZlibDecoder::new(Vec::new())))
                } else {
                    Decoder::Deflate(Box::new(DeflateDecoder::new(Vec::new())))
                };
                return self.push(data);
            }
            Decoder::Gzip(d) => d
                .write_all(&data)
                .map(|()| drain(d.get_mut(), &mut self.sink)),
            Decoder::Zlib(d) => d
                .write_all(&data)
                .map(|()| drain(d.get_mut(), &mut self.sink)),
            Decoder::Deflate(d) => d
                .write_all(&data)
                .map(|()| drain(d.get_mut(), &mut self.sink)),
            Decoder::Brotli(d) => d
                .write_all(&data)
                .map(|()| drain(d.get_mut(), &mut self.sink)),
        };
        if let Err(e) = result {
            self.fail(&e.to_string());
        }
    }

    fn fail(&mut self, msg: &str) {
        self.decoder = Decoder::Discard;
        self.error = Some(HttpError::Decode(format!(
            "invalid {} response body: {msg}",
            self.encoding
        )));
    }

    /// Ends the body: the kept bytes, the decoded length, and a decode error if any.
    pub(crate) fn finish(mut self) -> (Bytes, u64, Option<HttpError>) {
        let sink = &mut self.sink;
        let result = match &mut self.decoder {
            Decoder::Identity | Decoder::DeflateUnknown | Decoder::Discard => Ok(()),
            Decoder::Gzip(d) => d.try_finish().map(|()| drain(d.get_mut(), sink)),
            Decoder::Zlib(d) => d.try_finish().map(|()| drain(d.get_mut(), sink)),
            Decoder::Deflate(d) => d.try_finish().map(|()| drain(d.get_mut(), sink)),
            Decoder::Brotli(d) => d.close().map(|()| drain(d.get_mut(), sink)),
        };
        if let Err(e) = result {
            self.fail(&e.to_string());
        }
        let (body, len) = self.sink.finish();
        (body, len, self.error)
    }
}

/// Moves decoded bytes from a decoder's scratch buffer into the sink.
fn drain(scratch: &mut Vec<u8>, sink: &mut BodySink) {
    if !scratch.is_empty() {
        sink.total += scratch.len() as u64;
        sink.keep(scratch);
        scratch.clear();
    }
}

/// A zlib stream starts with CMF/FLG bytes whose big-endian value is a multiple of 31.
fn is_zlib_header(data: &[u8]) -> bool {
    match data {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use http::HeaderValue;

    fn encoded(encoding: &str, data: &[u8]) -> Vec<u8> {
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
            "rawdeflate" => {
                let mut e = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
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

    fn read(
        encoding: &str,
        body: &[u8],
        chunk: usize,
        max: usize,
    ) -> (Bytes, u64, Option<HttpError>) {
        let mut headers = HeaderMap::new();
        let header = if encoding == "rawdeflate" {
            "deflate"
        } else {
            encoding
        };
        headers.insert(CONTENT_ENCODING, HeaderValue::from_str(header).unwrap());
        let mut reader = BodyReader::new(&headers, max);
        for c in body.chunks(chunk) {
            reader.push(Bytes::copy_from_slice(c));
        }
        reader.finish()
    }

    #[test]
    fn decodes_every_encoding_in_chunks() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for enc in ["identity", "gzip", "deflate", "rawdeflate", "br"] {
            let body = encoded(enc, &data);
            let (out, len, err) = read(enc, &body, 777, usize::MAX);
            assert!(err.is_none(), "{enc}: {err:?}");
            assert_eq!(len, data.len() as u64, "{enc}");
            assert_eq!(&out[..], &data[..], "{enc}");
            let (out, len, err) = read(enc, &body, 1 << 20, 1000);
            assert!(err.is_none(), "{enc}: {err:?}");
            assert_eq!(len, data.len() as u64, "{enc}");
            assert_eq!(&out[..], &data[..1000], "{enc}");
        }
    }

    #[test]
    fn truncated_or_corrupt_bodies_are_decode_errors() {
        let data = vec![7u8; 10_000];
        for enc in ["gzip", "deflate", "br"] {
            let body = encoded(enc, &data);
            let (_, _, err) = read(enc, &body[..body.len() / 2], 100, usize::MAX);
            assert!(
                matches!(err, Some(HttpError::Decode(_))),
                "{enc} truncated: {err:?}"
            );
            let (_, _, err) = read(enc, b"definitely not compressed", 100, usize::MAX);
            assert!(
                matches!(err, Some(HttpError::Decode(_))),
                "{enc} garbage: {err:?}"
            );
        }
    }

    #[test]
    fn single_chunk_identity_bodies_are_not_copied() {
        let data = Bytes::from_static(b"hello");
        let mut reader = BodyReader::new(&HeaderMap::new(), 100);
        reader.push(data.clone());
        let (out, len, err) = reader.finish();
        assert_eq!(out.as_ptr(), data.as_ptr());
        assert_eq!((len, err), (5, None));
    }
}

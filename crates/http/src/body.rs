//! Response bodies: decoding per Content-Encoding (gzip, deflate, br) into a
//! buffer that keeps at most `max_body_bytes` and counts the rest (read whole,
//! or taken out piece by piece as a streamed body is read).

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

    /// Takes the bytes kept so far (the count goes on).
    fn take(&mut self) -> Bytes {
        let first = std::mem::take(&mut self.first);
        if self.rest.is_empty() {
            first
        } else {
            Bytes::from(std::mem::take(&mut self.rest))
        }
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

/// Decoders write straight into a sink, a few KiB at a time: what is
/// decoded beyond `max` is only counted. (They once wrote each chunk's
/// whole output into a buffer first: a brotli body of 386 KB holding 2 GiB
/// of zeros took 425 MB per response, whatever `max_body_bytes` said.)
impl Write for BodySink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.total += data.len() as u64;
        self.keep(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The decoder chosen from Content-Encoding; each decoder owns the sink it
/// writes into while it decodes.
enum Decoder {
    Identity,
    /// `deflate`: zlib-wrapped or raw, decided on the first bytes.
    DeflateUnknown,
    Gzip(Box<GzDecoder<BodySink>>),
    Zlib(Box<ZlibDecoder<BodySink>>),
    Deflate(Box<DeflateDecoder<BodySink>>),
    Brotli(Box<brotli::DecompressorWriter<BodySink>>),
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
            (
                Decoder::Gzip(Box::new(GzDecoder::new(BodySink::new(max)))),
                "gzip",
            )
        } else if is("deflate") {
            (Decoder::DeflateUnknown, "deflate")
        } else if is("br") {
            let writer = brotli::DecompressorWriter::new(BodySink::new(max), 4096);
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
                    Decoder::Zlib(Box::new(ZlibDecoder::new(BodySink::new(self.sink.max))))
                } else {
                    Decoder::Deflate(Box::new(DeflateDecoder::new(BodySink::new(self.sink.max))))
                };
                return self.push(data);
            }
            Decoder::Gzip(d) => d.write_all(&data),
            Decoder::Zlib(d) => d.write_all(&data),
            Decoder::Deflate(d) => d.write_all(&data),
            Decoder::Brotli(d) => d.write_all(&data),
        };
        if let Err(e) = result {
            self.fail(&e.to_string());
        }
    }

    fn fail(&mut self, msg: &str) {
        self.take_decoded();
        self.decoder = Decoder::Discard;
        self.error = Some(HttpError::Decode(format!(
            "invalid {} response body: {msg}",
            self.encoding
        )));
    }

    /// Moves what the decoder decoded so far into `sink` (the decoder is
    /// finished or failed: it writes no more).
    fn take_decoded(&mut self) {
        let empty = || BodySink::new(0);
        let decoded = match &mut self.decoder {
            Decoder::Identity | Decoder::DeflateUnknown | Decoder::Discard => return,
            Decoder::Gzip(d) => std::mem::replace(d.get_mut(), empty()),
            Decoder::Zlib(d) => std::mem::replace(d.get_mut(), empty()),
            Decoder::Deflate(d) => std::mem::replace(d.get_mut(), empty()),
            Decoder::Brotli(d) => std::mem::replace(d.get_mut(), empty()),
        };
        self.sink = decoded;
        self.decoder = Decoder::Discard;
    }

    /// The bytes decoded since the last call (at most `max` of them; more
    /// are counted and dropped).
    pub(crate) fn take(&mut self) -> Bytes {
        match &mut self.decoder {
            Decoder::Identity | Decoder::DeflateUnknown | Decoder::Discard => self.sink.take(),
            Decoder::Gzip(d) => d.get_mut().take(),
            Decoder::Zlib(d) => d.get_mut().take(),
            Decoder::Deflate(d) => d.get_mut().take(),
            Decoder::Brotli(d) => d.get_mut().take(),
        }
    }

    /// Ends the body: the kept bytes, the decoded length, and a decode error if any.
    pub(crate) fn finish(mut self) -> (Bytes, u64, Option<HttpError>) {
        self.end();
        let (body, len) = self.sink.finish();
        (body, len, self.error)
    }

    /// Ends the body in place: the decoder's last bytes are then in
    /// [`take`](Self::take), and a decode error, if any, is returned.
    pub(crate) fn end(&mut self) -> Option<HttpError> {
        let result = match &mut self.decoder {
            Decoder::Identity | Decoder::DeflateUnknown | Decoder::Discard => Ok(()),
            Decoder::Gzip(d) => d.try_finish(),
            Decoder::Zlib(d) => d.try_finish(),
            Decoder::Deflate(d) => d.try_finish(),
            Decoder::Brotli(d) => d.close(),
        };
        if let Err(e) = result {
            self.fail(&e.to_string());
        }
        self.take_decoded();
        self.error.clone()
    }

    /// The first decode error met so far.
    pub(crate) fn error(&self) -> Option<&HttpError> {
        self.error.as_ref()
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

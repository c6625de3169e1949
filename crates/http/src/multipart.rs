//! `multipart/form-data` bodies: text fields and files.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

/// A `multipart/form-data` body (requests' `files=` and `data=` together).
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Bytes,
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// Adds a text field.
    pub fn text(mut self, name: &str, value: &str) -> Multipart {
        self.parts.push(Part {
            name: name.to_owned(),
            filename: None,
            content_type: None,
            data: Bytes::copy_from_slice(value.as_bytes()),
        });
        self
    }

    /// Adds a file field; `content_type` defaults to `application/octet-stream`.
    pub fn file(
        mut self,
        name: &str,
        filename: &str,
        content_type: Option<&str>,
        data: impl Into<Bytes>,
    ) -> Multipart {
        self.parts.push(Part {
            name: name.to_owned(),
            filename: Some(filename.to_owned()),
            content_type: Some(
                content_type
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
            ),
            data: data.into(),
        });
        self
    }

    /// The Content-Type header value and the encoded body.
    pub(crate) fn encode(&self) -> (String, Bytes) {
        let boundary = boundary();
        let mut out = Vec::with_capacity(
            self.parts
                .iter()
                .map(|p| p.data.len() + p.name.len() + 160)
                .sum::<usize>()
                + 64,
        );
        for part in &self.parts {
            out.extend_from_slice(b"--");
            out.extend_from_slice(boundary.as_bytes());
            out.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
            push_quoted(&mut out, &part.name);
            out.push(b'"');
            if let Some(filename) = &part.filename {
                out.extend_from_slice(b"; filename=\"");
                push_quoted(&mut out, filename);
                out.push(b'"');
            }
            out.extend_from_slice(b"\r\n");
            if let Some(ct) = &part.content_type {
                out.extend_from_slice(b"Content-Type: ");
                out.extend_from_slice(ct.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&part.data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"--\r\n");
        (
            format!("multipart/form-data; boundary={boundary}"),
            Bytes::from(out),
        )
    }
}

/// A quoted-string parameter, escaping `"` and line breaks as browsers do.
fn push_quoted(out: &mut Vec<u8>, value: &str) {
    for b in value.bytes() {
        match b {
            b'"' => out.extend_from_slice(b"%22"),
            b'\r' => out.extend_from_slice(b"%0D"),
            b'\n' => out.extend_from_slice(b"%0A"),
            _ => out.push(b),
        }
    }
}

/// A boundary unlikely to appear in the data: 32 hex digits from a random hasher.
fn boundary() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let state = RandomState::new();
    let a = state.hash_one(n);
    let b = state.hash_one(a);
    format!("{a:016x}{b:016x}")
}

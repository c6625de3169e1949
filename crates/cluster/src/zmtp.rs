//! ZMTP 3.0 framing with the NULL security mechanism, as libzmq, pyzmq and
//! Locust speak it, with every length read from the network bounded before
//! anything is allocated for it.
//!
//! This module is sans-I/O: it builds and parses greetings, commands and
//! frames from byte buffers, so that the fuzz targets (`fuzz/`) drive exactly
//! the code the sockets in [`crate::transport`] run. A peer that breaks a
//! rule gets a [`ZmtpError`]; the transport then drops that one connection.
//!
//! The wire format (<https://rfc.zeromq.org/spec/23/>):
//!
//! * greeting, 64 bytes: `FF 00×8 7F`, version major and minor, the
//!   mechanism name padded with zeros to 20 bytes, as-server, 31 zeros;
//! * then frames: a flags byte (bit 0 MORE, bit 1 LONG, bit 2 COMMAND), a
//!   size (one byte, or eight bytes big-endian when LONG), the body;
//! * the first frame each side sends is the command `READY`, whose body is
//!   the name length, `READY`, then properties (name length in one byte,
//!   name, value length in four bytes big-endian, value): `Socket-Type`, and
//!   `Identity` for the DEALER that names itself.

use bytes::{Buf, Bytes, BytesMut};

/// Length of a greeting.
pub const GREETING_LEN: usize = 64;

/// The largest message (all its frames together) a peer may send: 64 MiB by
/// default, `LOCUSTA_MAX_MESSAGE_MB` to change it. A locusta worker's
/// statistics report is about 0.5 KiB per request name, so the default
/// holds well over 100,000 names (the warning about too many names fires
/// long before).
pub const DEFAULT_MAX_MESSAGE_BYTES: u64 = 64 << 20;

/// The largest command body (READY, PING, …): their properties are a socket
/// type and an identity of at most 255 bytes.
pub const MAX_COMMAND_BYTES: u64 = 64 << 10;

/// The most frames in one message (Locust's have one; a ROUTER's two).
pub const MAX_FRAMES: usize = 16;

/// How much buffer is reserved ahead of the data at most: a frame that
/// claims more grows its buffer only as its bytes actually arrive.
pub const READ_CHUNK: usize = 64 << 10;

const FLAG_MORE: u8 = 0x01;
const FLAG_LONG: u8 = 0x02;
const FLAG_COMMAND: u8 = 0x04;

/// The message size limit in force: [`DEFAULT_MAX_MESSAGE_BYTES`], or
/// `LOCUSTA_MAX_MESSAGE_MB` mebibytes (read once).
pub fn max_message_bytes() -> u64 {
    static LIMIT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var("LOCUSTA_MAX_MESSAGE_MB")
            .ok()
            .and_then(|mb| mb.trim().parse::<u64>().ok())
            .filter(|&mb| mb > 0)
            .map_or(DEFAULT_MAX_MESSAGE_BYTES, |mb| mb.saturating_mul(1 << 20))
    })
}

/// A broken rule of the protocol: the connection that sent it is dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZmtpError(pub String);

impl std::fmt::Display for ZmtpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ZmtpError {}

fn error<T>(text: impl Into<String>) -> Result<T, ZmtpError> {
    Err(ZmtpError(text.into()))
}

/// The two socket types locusta uses (and those they accept as peers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketType {
    /// The master's socket.
    Router,
    /// A worker's socket.
    Dealer,
}

impl SocketType {
    /// The name in the READY command.
    pub fn name(self) -> &'static str {
        match self {
            SocketType::Router => "ROUTER",
            SocketType::Dealer => "DEALER",
        }
    }

    /// Whether a peer of type `peer` may talk to this socket (ZMTP's
    /// compatibility table for ROUTER and DEALER).
    pub fn accepts(self, peer: &[u8]) -> bool {
        let allowed: &[&[u8]] = match self {
            SocketType::Router => &[b"DEALER", b"ROUTER", b"REQ"],
            SocketType::Dealer => &[b"ROUTER", b"DEALER", b"REP"],
        };
        allowed.contains(&peer)
    }
}

/// This side's greeting: ZMTP 3.0, mechanism NULL, not as-server.
pub fn greeting() -> [u8; GREETING_LEN] {
    let mut bytes = [0u8; GREETING_LEN];
    bytes[0] = 0xFF;
    bytes[9] = 0x7F;
    bytes[10] = 3;
    bytes[11] = 0;
    bytes[12..16].copy_from_slice(b"NULL");
    bytes
}

/// Checks a peer's greeting: the signature, major version 3 or later, the
/// NULL mechanism. Returns the (major, minor) version.
pub fn parse_greeting(bytes: &[u8]) -> Result<(u8, u8), ZmtpError> {
    if bytes.len() < GREETING_LEN {
        return error(format!("a greeting of {} bytes, not 64", bytes.len()));
    }
    if bytes[0] != 0xFF || bytes[9] & 0x01 != 0x01 {
        return error("not a ZMTP peer (bad signature)");
    }
    let (major, minor) = (bytes[10], bytes[11]);
    if major < 3 {
        return error(format!(
            "ZMTP {major}.{minor} is not supported (3.0 or later)"
        ));
    }
    let mechanism = &bytes[12..32];
    let end = mechanism.iter().position(|&b| b == 0).unwrap_or(20);
    if &mechanism[..end] != b"NULL" {
        return error(format!(
            "security mechanism {:?} is not supported (NULL only)",
            String::from_utf8_lossy(&mechanism[..end])
        ));
    }
    Ok((major, minor))
}

/// One frame off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A command (READY, PING, …): its whole body.
    Command(Bytes),
    /// A message frame; `more` when further frames of the same message follow.
    Message {
        /// Further frames follow.
        more: bool,
        /// The frame's bytes.
        body: Bytes,
    },
}

/// Splits frames off a byte stream. Every size is checked against the
/// limits before a byte is reserved for it, and a frame's buffer grows only
/// with the bytes that arrived.
#[derive(Debug)]
pub struct FrameDecoder {
    max_message: u64,
    /// Bytes of the message being assembled so far, its frames' count.
    message_bytes: u64,
    message_frames: usize,
}

impl FrameDecoder {
    /// A decoder that refuses messages above `max_message` bytes.
    pub fn new(max_message: u64) -> Self {
        FrameDecoder {
            max_message,
            message_bytes: 0,
            message_frames: 0,
        }
    }

    /// How many more bytes `src` should have room for before the next read:
    /// what the frame at its head still lacks, at most [`READ_CHUNK`].
    pub fn wanted(&self, src: &[u8]) -> usize {
        match header(src) {
            Ok(Some((header_len, size, _))) => {
                let missing = (header_len as u64 + size).saturating_sub(src.len() as u64);
                missing.clamp(1, READ_CHUNK as u64) as usize
            }
            _ => READ_CHUNK,
        }
    }

    /// The next whole frame at the head of `src` (removed from it), `None`
    /// when more bytes are needed, an error when the peer broke a limit.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, ZmtpError> {
        let Some((header_len, size, flags)) = header(src)? else {
            return Ok(None);
        };
        let command = flags & FLAG_COMMAND != 0;
        if command {
            if size > MAX_COMMAND_BYTES {
                return error(format!(
                    "a command of {size} bytes (at most {MAX_COMMAND_BYTES})"
                ));
            }
            if self.message_frames > 0 {
                return error("a command in the middle of a multi-frame message");
            }
        } else {
            let total = self.message_bytes.saturating_add(size);
            if total > self.max_message {
                return error(format!(
                    "a message of at least {total} bytes (at most {}; LOCUSTA_MAX_MESSAGE_MB raises it)",
                    self.max_message
                ));
            }
            if self.message_frames + 1 > MAX_FRAMES {
                return error(format!("a message of more than {MAX_FRAMES} frames"));
            }
        }
        // `size` is now bounded by the limits, which fit in memory.
        let size = size as usize;
        if src.len() < header_len + size {
            return Ok(None);
        }
        src.advance(header_len);
        let body = src.split_to(size).freeze();
        if command {
            return Ok(Some(Frame::Command(body)));
        }
        let more = flags & FLAG_MORE != 0;
        if more {
            self.message_bytes += size as u64;
            self.message_frames += 1;
        } else {
            self.message_bytes = 0;
            self.message_frames = 0;
        }
        Ok(Some(Frame::Message { more, body }))
    }
}

/// The frame header at the head of `src`: (header length, body size, flags),
/// `None` if incomplete.
fn header(src: &[u8]) -> Result<Option<(usize, u64, u8)>, ZmtpError> {
    let Some(&flags) = src.first() else {
        return Ok(None);
    };
    if flags & !(FLAG_MORE | FLAG_LONG | FLAG_COMMAND) != 0 {
        return error(format!("reserved frame flags set ({flags:#04x})"));
    }
    if flags & FLAG_COMMAND != 0 && flags & FLAG_MORE != 0 {
        return error("a command frame with the MORE flag");
    }
    if flags & FLAG_LONG != 0 {
        let Some(size) = src.get(1..9) else {
            return Ok(None);
        };
        let size = u64::from_be_bytes(size.try_into().expect("eight bytes"));
        Ok(Some((9, size, flags)))
    } else {
        let Some(&size) = src.get(1) else {
            return Ok(None);
        };
        Ok(Some((2, u64::from(size), flags)))
    }
}

/// Appends one frame (header and body) to `out`.
fn put_frame(out: &mut Vec<u8>, flags: u8, body: &[u8]) {
    if body.len() > 255 {
        out.push(flags | FLAG_LONG);
        out.extend_from_slice(&(body.len() as u64).to_be_bytes());
    } else {
        out.push(flags);
        out.push(body.len() as u8);
    }
    out.extend_from_slice(body);
}

/// The bytes of a message of `parts` frames.
pub fn encode_message(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 9).sum());
    for (i, part) in parts.iter().enumerate() {
        let flags = if i + 1 < parts.len() { FLAG_MORE } else { 0 };
        put_frame(&mut out, flags, part);
    }
    out
}

/// The READY command frame of a socket of `kind` with `identity` (empty for
/// none).
pub fn ready(kind: SocketType, identity: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(64 + identity.len());
    body.push(5);
    body.extend_from_slice(b"READY");
    for (name, value) in [
        ("Socket-Type", kind.name().as_bytes()),
        ("Identity", identity),
    ] {
        body.push(name.len() as u8);
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(&(value.len() as u32).to_be_bytes());
        body.extend_from_slice(value);
    }
    let mut out = Vec::with_capacity(body.len() + 9);
    put_frame(&mut out, FLAG_COMMAND, &body);
    out
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// READY: the peer's socket type and identity (empty if it set none).
    Ready {
        /// `Socket-Type`.
        socket_type: Bytes,
        /// `Identity`.
        identity: Bytes,
    },
    /// PING (ZMTP 3.1 heartbeat): the context to echo in PONG.
    Ping(Bytes),
    /// Any other command (PONG, ERROR, …), by name.
    Other(Bytes),
}

/// Parses a command body. Property lengths are checked against the body.
pub fn parse_command(body: &Bytes) -> Result<Command, ZmtpError> {
    let Some(&name_len) = body.first() else {
        return error("an empty command");
    };
    let name_end = 1 + name_len as usize;
    let Some(name) = body.get(1..name_end) else {
        return error("a command name longer than the command");
    };
    match name {
        b"READY" => {
            let mut socket_type = None;
            let mut identity = Bytes::new();
            let mut at = name_end;
            while at < body.len() {
                let key_len = body[at] as usize;
                let key_end = at + 1 + key_len;
                let Some(key) = body.get(at + 1..key_end) else {
                    return error("a READY property name longer than the command");
                };
                let Some(len) = body.get(key_end..key_end + 4) else {
                    return error("a READY property without its value length");
                };
                let len = u32::from_be_bytes(len.try_into().expect("four bytes")) as u64;
                let value_start = key_end + 4;
                if len > (body.len() - value_start) as u64 {
                    return error(format!(
                        "a READY property claiming {len} bytes, with {} left",
                        body.len() - value_start
                    ));
                }
                let value = body.slice(value_start..value_start + len as usize);
                if key.eq_ignore_ascii_case(b"Socket-Type") {
                    socket_type = Some(value);
                } else if key.eq_ignore_ascii_case(b"Identity") {
                    if value.len() > 255 {
                        return error("an identity longer than 255 bytes");
                    }
                    identity = value;
                }
                at = value_start + len as usize;
            }
            let Some(socket_type) = socket_type else {
                return error("READY without Socket-Type");
            };
            Ok(Command::Ready {
                socket_type,
                identity,
            })
        }
        b"PING" => {
            // TTL (2 bytes), then a context of at most 16 bytes.
            let context = body.slice(name_end.min(body.len())..);
            let context = if context.len() >= 2 {
                context.slice(2..context.len().min(18))
            } else {
                Bytes::new()
            };
            Ok(Command::Ping(context))
        }
        _ => Ok(Command::Other(body.slice(1..name_end))),
    }
}

/// The PONG command frame answering a PING with `context`.
pub fn pong(context: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(5 + context.len());
    body.push(4);
    body.extend_from_slice(b"PONG");
    body.extend_from_slice(&context[..context.len().min(16)]);
    let mut out = Vec::new();
    put_frame(&mut out, FLAG_COMMAND, &body);
    out
}

/// What a peer sends after its greeting, assembled: whole messages, and the
/// commands between them. Used by the transport and by the fuzz targets.
#[derive(Debug)]
pub struct Assembler {
    decoder: FrameDecoder,
    parts: Vec<Bytes>,
}

/// One event from [`Assembler::next`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A command.
    Command(Command),
    /// A whole message: its frames.
    Message(Vec<Bytes>),
}

impl Assembler {
    /// An assembler refusing messages above `max_message` bytes.
    pub fn new(max_message: u64) -> Self {
        Assembler {
            decoder: FrameDecoder::new(max_message),
            parts: Vec::new(),
        }
    }

    /// See [`FrameDecoder::wanted`].
    pub fn wanted(&self, src: &[u8]) -> usize {
        self.decoder.wanted(src)
    }

    /// The next event from the head of `src`, `None` if more bytes are needed.
    pub fn next(&mut self, src: &mut BytesMut) -> Result<Option<Event>, ZmtpError> {
        loop {
            match self.decoder.decode(src)? {
                None => return Ok(None),
                Some(Frame::Command(body)) => {
                    return parse_command(&body).map(|c| Some(Event::Command(c)))
                }
                Some(Frame::Message { more, body }) => {
                    self.parts.push(body);
                    if !more {
                        return Ok(Some(Event::Message(std::mem::take(&mut self.parts))));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], max: u64) -> Result<Vec<Event>, ZmtpError> {
        let mut assembler = Assembler::new(max);
        let mut src = BytesMut::from(bytes);
        let mut events = Vec::new();
        while let Some(event) = assembler.next(&mut src)? {
            events.push(event);
        }
        Ok(events)
    }

    #[test]
    fn greeting_round_trips() {
        assert_eq!(parse_greeting(&greeting()), Ok((3, 0)));
        let mut curve = greeting();
        curve[12..17].copy_from_slice(b"CURVE");
        assert!(parse_greeting(&curve).is_err());
        let mut old = greeting();
        old[10] = 2;
        assert!(parse_greeting(&old).is_err());
        assert!(parse_greeting(b"GET / HTTP/1.1\r\n").is_err());
    }

    #[test]
    fn messages_and_ready_round_trip() {
        let mut bytes = ready(SocketType::Dealer, b"worker_1");
        bytes.extend(encode_message(&[b"id", &[7u8; 300]]));
        bytes.extend(pong(b"ctx"));
        let events = decode_all(&bytes, 1 << 20).unwrap();
        assert_eq!(
            events[0],
            Event::Command(Command::Ready {
                socket_type: Bytes::from_static(b"DEALER"),
                identity: Bytes::from_static(b"worker_1"),
            })
        );
        assert_eq!(
            events[1],
            Event::Message(vec![Bytes::from_static(b"id"), Bytes::from(vec![7u8; 300])])
        );
        assert_eq!(
            events[2],
            Event::Command(Command::Other(Bytes::from_static(b"PONG")))
        );
    }

    #[test]
    fn huge_claims_are_refused_before_allocating() {
        // A frame claiming 2^62 bytes, then nothing.
        let mut frame = vec![FLAG_LONG];
        frame.extend_from_slice(&(1u64 << 62).to_be_bytes());
        let error = decode_all(&frame, DEFAULT_MAX_MESSAGE_BYTES).unwrap_err();
        assert!(error.0.contains("4611686018427387904"), "{error}");
        // A command claiming as much.
        let mut command = vec![FLAG_COMMAND | FLAG_LONG];
        command.extend_from_slice(&(1u64 << 62).to_be_bytes());
        assert!(decode_all(&command, DEFAULT_MAX_MESSAGE_BYTES).is_err());
        // A READY property claiming 4 GiB inside a small command.
        let mut body = vec![5];
        body.extend_from_slice(b"READY");
        body.push(11);
        body.extend_from_slice(b"Socket-Type");
        body.extend_from_slice(&u32::MAX.to_be_bytes());
        body.extend_from_slice(b"DEALER");
        assert!(parse_command(&Bytes::from(body)).is_err());
        // Many frames that add up past the limit.
        let mut parts = Vec::new();
        for _ in 0..4 {
            parts.extend(encode_message(&[&[0u8; 100], &[]]).split_at(102).0.to_vec());
        }
        assert!(decode_all(&parts, 250).is_err());
    }

    #[test]
    fn a_partial_frame_waits_and_reserves_little() {
        let mut frame = vec![FLAG_LONG];
        frame.extend_from_slice(&(50u64 << 20).to_be_bytes());
        frame.extend_from_slice(b"abc");
        let mut assembler = Assembler::new(DEFAULT_MAX_MESSAGE_BYTES);
        assert_eq!(assembler.wanted(&frame), READ_CHUNK);
        let mut src = BytesMut::from(&frame[..]);
        assert_eq!(assembler.next(&mut src), Ok(None));
        assert_eq!(src.len(), frame.len());
    }

    #[test]
    fn bad_flags_and_commands_are_errors() {
        assert!(decode_all(&[0x80, 0], 100).is_err());
        assert!(decode_all(&[FLAG_COMMAND | FLAG_MORE, 0], 100).is_err());
        assert!(decode_all(&[FLAG_COMMAND, 0], 100).is_err());
        assert!(decode_all(&[FLAG_COMMAND, 2, 9, b'R'], 100).is_err());
        let mut no_type = vec![FLAG_COMMAND, 6, 5];
        no_type.extend_from_slice(b"READY");
        assert!(decode_all(&no_type, 100).is_err());
    }
}

//! Locust's message envelope: a msgpack array `[type, data, node_id]`.
//!
//! `type` is a string such as `"client_ready"` or `"spawn"`, `data` any
//! msgpack value (maps may have integer keys, as Locust's response-time
//! buckets do), and `node_id` the worker's id: the sender's in a message from
//! a worker, the recipient's in one from the master.

use rmpv::Value;

/// One protocol message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The message type (`client_ready`, `heartbeat`, `spawn`, `stats`, …).
    pub kind: String,
    /// The payload (`Nil` for messages without one).
    pub data: Value,
    /// The worker this message is from or for.
    pub node_id: String,
}

impl Message {
    /// A message of `kind` with `data`, from or for `node_id`.
    pub fn new(kind: &str, data: Value, node_id: &str) -> Self {
        Message {
            kind: kind.to_string(),
            data,
            node_id: node_id.to_string(),
        }
    }

    /// The msgpack bytes of the envelope.
    pub fn encode(&self) -> Vec<u8> {
        let envelope = Value::Array(vec![
            Value::from(self.kind.as_str()),
            self.data.clone(),
            Value::from(self.node_id.as_str()),
        ]);
        let mut bytes = Vec::with_capacity(64);
        // Writing into a Vec cannot fail.
        let _ = rmpv::encode::write_value(&mut bytes, &envelope);
        bytes
    }

    /// Decodes an envelope; a message that is not `[str, any, str]` is an
    /// error, and so is one beyond the limits of [`check_shape`].
    pub fn decode(mut bytes: &[u8]) -> Result<Message, DecodeError> {
        check_shape(bytes)?;
        let value = rmpv::decode::read_value(&mut bytes).map_err(DecodeError::NotMsgpack)?;
        let Value::Array(mut items) = value else {
            return Err(DecodeError::NotAnArray);
        };
        if items.len() != 3 {
            return Err(DecodeError::Elements(items.len()));
        }
        let node_id = items.pop().unwrap_or(Value::Nil);
        let data = items.pop().unwrap_or(Value::Nil);
        let kind = items.pop().unwrap_or(Value::Nil);
        let (Some(kind), Some(node_id)) = (kind.as_str(), text_or_nil(&node_id)) else {
            return Err(DecodeError::NotStrings);
        };
        Ok(Message {
            kind: kind.to_string(),
            data,
            node_id,
        })
    }
}

/// A message that cannot be decoded ([`Message::decode`]).
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Its msgpack is beyond the limits of [`check_shape`].
    #[error(transparent)]
    Shape(#[from] ShapeError),
    /// Its bytes are not one msgpack value.
    #[error("not a msgpack value: {0}")]
    NotMsgpack(rmpv::decode::Error),
    /// Its value is not an array.
    #[error("the message is not a msgpack array")]
    NotAnArray,
    /// Its array has this many elements, not three.
    #[error("the message has {0} elements, not 3 ([type, data, node_id])")]
    Elements(usize),
    /// Its type, or its node id, is not a string (a nil node id is one).
    #[error("the message type or node id is not a string")]
    NotStrings,
}

/// Msgpack refused by [`check_shape`] before it is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// A length field that ends past the end of the bytes.
    #[error("a msgpack length past the end of the message")]
    LengthPastEnd,
    /// More than [`MAX_VALUES`] values in all.
    #[error("more than {MAX_VALUES} msgpack values")]
    TooManyValues,
    /// The bytes end before the value does.
    #[error("the msgpack value ends early")]
    EndsEarly,
    /// The marker 0xc1, which msgpack never uses.
    #[error("the reserved msgpack marker 0xc1")]
    ReservedMarker,
    /// A string, binary or extension longer than the bytes left.
    #[error("a msgpack field claiming {claimed} bytes, with {left} left")]
    FieldTooLong {
        /// The bytes the field claims.
        claimed: u64,
        /// The bytes left after its header.
        left: u64,
    },
    /// An array or map of more items than bytes left (each takes one at least).
    #[error("a msgpack container claiming {claimed} items, with {left} bytes left")]
    ContainerTooLong {
        /// The items the container claims (a map's keys and values both).
        claimed: u64,
        /// The bytes left after its header.
        left: u64,
    },
    /// Arrays and maps nested deeper than [`MAX_DEPTH`].
    #[error("msgpack nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// The deepest nesting of arrays and maps a message may have (Locust's
/// deepest, a statistics report, has five levels).
pub const MAX_DEPTH: usize = 64;

/// The most values (of any kind, nested ones included) in one message. A
/// decoded value takes 32 bytes or more however few bytes it took on the
/// wire; this bounds what one message can cost (a report of 20,000 request
/// names has about 4 million).
pub const MAX_VALUES: u64 = 16_000_000;

/// Walks the msgpack value at the head of `bytes` without allocating and
/// checks it before it is decoded: every length within the bytes that are
/// there, nesting at most [`MAX_DEPTH`], at most [`MAX_VALUES`] values.
pub fn check_shape(bytes: &[u8]) -> Result<(), ShapeError> {
    fn be(bytes: &[u8], at: usize, n: usize) -> Result<u64, ShapeError> {
        let field = bytes.get(at..at + n).ok_or(ShapeError::LengthPastEnd)?;
        Ok(field.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }
    // Items still to read at each open level, innermost last.
    let mut open: Vec<u64> = vec![1];
    let mut at = 0usize;
    let mut values = 0u64;
    while let Some(left) = open.last_mut() {
        if *left == 0 {
            open.pop();
            continue;
        }
        *left -= 1;
        values += 1;
        if values > MAX_VALUES {
            return Err(ShapeError::TooManyValues);
        }
        let marker = *bytes.get(at).ok_or(ShapeError::EndsEarly)?;
        at += 1;
        // (bytes to skip, items of a new level)
        let (skip, items): (u64, u64) = match marker {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
            0x80..=0x8f => (0, 2 * u64::from(marker & 0x0f)),
            0x90..=0x9f => (0, u64::from(marker & 0x0f)),
            0xa0..=0xbf => (u64::from(marker & 0x1f), 0),
            0xc1 => return Err(ShapeError::ReservedMarker),
            0xc4 | 0xd9 => (1 + be(bytes, at, 1)?, 0),
            0xc5 | 0xda => (2 + be(bytes, at, 2)?, 0),
            0xc6 | 0xdb => (4 + be(bytes, at, 4)?, 0),
            0xc7 => (2 + be(bytes, at, 1)?, 0),
            0xc8 => (3 + be(bytes, at, 2)?, 0),
            0xc9 => (5 + be(bytes, at, 4)?, 0),
            0xca => (4, 0),
            0xcb => (8, 0),
            0xcc | 0xd0 => (1, 0),
            0xcd | 0xd1 => (2, 0),
            0xce | 0xd2 => (4, 0),
            0xcf | 0xd3 => (8, 0),
            0xd4 => (2, 0),
            0xd5 => (3, 0),
            0xd6 => (5, 0),
            0xd7 => (9, 0),
            0xd8 => (17, 0),
            0xdc => {
                at += 2;
                (0, be(bytes, at - 2, 2)?)
            }
            0xdd => {
                at += 4;
                (0, be(bytes, at - 4, 4)?)
            }
            0xde => {
                at += 2;
                (0, 2 * be(bytes, at - 2, 2)?)
            }
            0xdf => {
                at += 4;
                (0, 2 * be(bytes, at - 4, 4)?)
            }
        };
        let remaining = (bytes.len() - at.min(bytes.len())) as u64;
        if skip > remaining || at > bytes.len() {
            return Err(ShapeError::FieldTooLong {
                claimed: skip,
                left: remaining,
            });
        }
        at += skip as usize;
        if items > 0 {
            // Each item takes at least a byte: a count beyond what is left
            // is a lie, caught before anything is read for it.
            if items > remaining {
                return Err(ShapeError::ContainerTooLong {
                    claimed: items,
                    left: remaining,
                });
            }
            if open.len() >= MAX_DEPTH {
                return Err(ShapeError::TooDeep);
            }
            open.push(items);
        }
    }
    Ok(())
}

/// A msgpack value as JSON, for custom messages: map keys that are not
/// strings become their JSON text, binary data an array of byte values,
/// extension values and non-finite floats null.
pub fn to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as Json;
    match value {
        Value::Nil | Value::Ext(..) => Json::Null,
        Value::Boolean(b) => Json::Bool(*b),
        Value::Integer(n) => n
            .as_i64()
            .map(Json::from)
            .or_else(|| n.as_u64().map(Json::from))
            .unwrap_or(Json::Null),
        Value::F32(x) => {
            serde_json::Number::from_f64(f64::from(*x)).map_or(Json::Null, Json::Number)
        }
        Value::F64(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        Value::Binary(bytes) => Json::Array(bytes.iter().map(|b| Json::from(*b)).collect()),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(pairs) => Json::Object(
            pairs
                .iter()
                .map(|(key, value)| (json_key(key), to_json(value)))
                .collect(),
        ),
    }
}

/// The JSON object key of a msgpack map key: a string as it is, a number,
/// boolean or nil as its JSON text, anything else (an array, a map, binary)
/// as a short text of it, at most [`MAX_KEY_CHARS`] characters. (Its JSON
/// text would escape the JSON of its own keys at each level of nesting,
/// doubling at each: a fuzzer found a message of 520 bytes that hung the
/// master that way.)
fn json_key(key: &Value) -> String {
    match key {
        Value::String(text) if text.as_str().is_some() => text.as_str().unwrap_or("").to_string(),
        Value::Nil | Value::Boolean(_) | Value::Integer(_) | Value::F32(_) | Value::F64(_) => {
            to_json(key).to_string()
        }
        other => {
            let mut text = String::new();
            key_text(other, &mut text);
            if let Some((end, _)) = text.char_indices().nth(MAX_KEY_CHARS) {
                text.truncate(end);
            }
            text
        }
    }
}

/// Appends a short text of `value` to `out`, stopping once `out` holds
/// [`MAX_KEY_CHARS`] bytes or more.
fn key_text(value: &Value, out: &mut String) {
    if out.len() >= MAX_KEY_CHARS {
        return;
    }
    match value {
        Value::String(text) => {
            out.push('"');
            out.push_str(&String::from_utf8_lossy(text.as_bytes()));
            out.push('"');
        }
        Value::Binary(bytes) => out.push_str(&format!("<{} bytes>", bytes.len())),
        Value::Ext(kind, bytes) => out.push_str(&format!("<ext {kind}, {} bytes>", bytes.len())),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if out.len() >= MAX_KEY_CHARS {
                    return;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                key_text(item, out);
            }
            out.push(']');
        }
        Value::Map(pairs) => {
            out.push('{');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if out.len() >= MAX_KEY_CHARS {
                    return;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                key_text(k, out);
                out.push_str(": ");
                key_text(v, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&to_json(scalar).to_string()),
    }
}

/// The longest JSON key made from a msgpack key that is not a string or a
/// number.
pub const MAX_KEY_CHARS: usize = 256;

/// JSON as a msgpack value, for custom messages.
pub fn from_json(value: &serde_json::Value) -> Value {
    use serde_json::Value as Json;
    match value {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(u)) => Value::from(u),
            _ => Value::F64(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        Json::Object(fields) => Value::Map(
            fields
                .iter()
                .map(|(key, value)| (Value::from(key.as_str()), from_json(value)))
                .collect(),
        ),
    }
}

/// A string value, or "" for nil (Locust sends `None` as the node id of some
/// master messages).
fn text_or_nil(value: &Value) -> Option<String> {
    match value {
        Value::Nil => Some(String::new()),
        other => other.as_str().map(str::to_string),
    }
}

/// Reading fields of msgpack maps (Locust's dicts) without panicking.
pub trait MapExt {
    /// The value under the string key `key`, if this is a map that has it.
    fn get(&self, key: &str) -> Option<&Value>;
    /// The value under `key` as an unsigned integer (a float is truncated).
    fn get_u64(&self, key: &str) -> Option<u64>;
    /// The value under `key` as a float (an integer is converted).
    fn get_f64(&self, key: &str) -> Option<f64>;
    /// The value under `key` as a string.
    fn get_str(&self, key: &str) -> Option<&str>;
}

impl MapExt for Value {
    fn get(&self, key: &str) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    fn get_u64(&self, key: &str) -> Option<u64> {
        as_u64(self.get(key)?)
    }

    fn get_f64(&self, key: &str) -> Option<f64> {
        as_f64(self.get(key)?)
    }

    fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }
}

/// A non-negative integer, or a float truncated to one (Python may send either).
pub fn as_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Integer(n) => n.as_u64(),
        Value::F32(x) if *x >= 0.0 => Some(*x as u64),
        Value::F64(x) if *x >= 0.0 => Some(*x as u64),
        _ => None,
    }
}

/// A number as a float.
pub fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Integer(n) => n.as_f64(),
        Value::F32(x) => Some(f64::from(*x)),
        Value::F64(x) => Some(*x),
        _ => None,
    }
}

/// A msgpack map from string keys.
pub fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_message_data_crosses_between_json_and_msgpack() {
        let json = serde_json::json!({
            "names": ["a", "b"], "count": 3, "big": u64::MAX, "negative": -7,
            "ratio": 0.5, "yes": true, "nothing": null, "nested": {"x": [1, {"y": "z"}]}
        });
        assert_eq!(to_json(&from_json(&json)), json);
        // What JSON has no words for, from a Python or Locust peer.
        let odd = Value::Map(vec![
            (Value::from(7), Value::Binary(vec![1, 2])),
            (Value::from("nan"), Value::F64(f64::NAN)),
        ]);
        assert_eq!(to_json(&odd), serde_json::json!({"7": [1, 2], "nan": null}));
    }

    #[test]
    fn nested_map_keys_stay_small() {
        // A map whose key is a map whose key is a map…: 24 levels (the text
        // doubled at each before the fix: 2^24 times).
        let mut value = Value::from(1);
        for _ in 0..24 {
            value = Value::Map(vec![(value.clone(), Value::from("v"))]);
        }
        let json = to_json(&value).to_string();
        assert!(json.len() < 1000, "{} bytes", json.len());
    }

    #[test]
    fn round_trips_and_rejects_garbage() {
        let message = Message::new(
            "spawn",
            map(vec![(
                "user_classes_count",
                map(vec![("A", Value::from(2))]),
            )]),
            "host_abc",
        );
        let decoded = Message::decode(&message.encode()).unwrap();
        assert_eq!(decoded, message);
        assert_eq!(
            decoded
                .data
                .get("user_classes_count")
                .and_then(|c| c.get_u64("A")),
            Some(2)
        );
        assert!(Message::decode(b"").is_err());
        assert!(Message::decode(&[0xc1]).is_err());
        let mut two = Vec::new();
        rmpv::encode::write_value(&mut two, &Value::Array(vec![1.into(), 2.into()])).unwrap();
        assert!(Message::decode(&two).is_err());
    }

    #[test]
    fn shapes_beyond_the_limits_are_refused() {
        // An array claiming 2^32 - 1 items, a string claiming 4 GiB, a
        // binary claiming 64 KiB: all in a few bytes.
        for lie in [
            &[0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0][..],
            &[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'],
            &[0xc5, 0xff, 0xff, 0],
            &[0xdf, 0x40, 0, 0, 0, 1, 2],
            &[0xc9, 0x7f, 0xff, 0xff, 0xff, 1],
        ] {
            assert!(check_shape(lie).is_err(), "{lie:?}");
            assert!(Message::decode(lie).is_err());
        }
        let deep = [vec![0x91u8; MAX_DEPTH + 1], vec![0xc0]].concat();
        assert!(check_shape(&deep).is_err());
        let fine = [vec![0x91u8; MAX_DEPTH - 1], vec![0xc0]].concat();
        assert_eq!(check_shape(&fine), Ok(()));
        let message = Message::new("x", Value::Array(vec![Value::Nil; 1000]), "id");
        assert_eq!(check_shape(&message.encode()), Ok(()));
    }
}

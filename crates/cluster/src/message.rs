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

    /// Decodes an envelope; a message that is not `[str, any, str]` is an error.
    pub fn decode(mut bytes: &[u8]) -> Result<Message, String> {
        let value = rmpv::decode::read_value(&mut bytes)
            .map_err(|e| format!("not a msgpack value: {e}"))?;
        let Value::Array(mut items) = value else {
            return Err("the message is not a msgpack array".into());
        };
        if items.len() != 3 {
            return Err(format!(
                "the message has {} elements, not 3 ([type, data, node_id])",
                items.len()
            ));
        }
        let node_id = items.pop().unwrap_or(Value::Nil);
        let data = items.pop().unwrap_or(Value::Nil);
        let kind = items.pop().unwrap_or(Value::Nil);
        let (Some(kind), Some(node_id)) = (kind.as_str(), text_or_nil(&node_id)) else {
            return Err("the message type or node id is not a string".into());
        };
        Ok(Message {
            kind: kind.to_string(),
            data,
            node_id,
        })
    }
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
                .map(|(key, value)| {
                    let key = match key.as_str() {
                        Some(text) => text.to_string(),
                        None => to_json(key).to_string(),
                    };
                    (key, to_json(value))
                })
                .collect(),
        ),
    }
}

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
}

//! Changing a user class's settings from outside the program: Locust's
//! `--config-users` and the web UI's `POST /user` (`docs/compatibility.md`,
//! "Options and configuration").
//!
//! Each setting names a class; `host`, `weight` and `fixed_count` replace the
//! class's own, `tasks` keeps only the named tasks of the class's original task
//! list, and any other key is an attribute of a Python class (a Rust class
//! refuses it, since it has no such attribute).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// New settings for one user class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserClassSettings {
    /// The class these settings are for.
    pub user_class_name: String,
    /// The class's own host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Weight among weighted classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Fixed number of users (0 = weighted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_count: Option<u64>,
    /// Names of the tasks to keep, from the class's original task list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<String>>,
    /// Other attributes (for Python classes).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl UserClassSettings {
    /// Reads settings from one JSON value: an object or a list of objects,
    /// each with a `user_class_name`.
    pub fn from_json(value: Value) -> Result<Vec<UserClassSettings>, ClassSettingsError> {
        let items = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        items
            .into_iter()
            .map(|item| {
                let Value::Object(object) = &item else {
                    return Err(ClassSettingsError::NotAnObject(item));
                };
                if !object.contains_key("user_class_name") {
                    return Err(ClassSettingsError::NoClassName);
                }
                let settings: UserClassSettings =
                    serde_json::from_value(item).map_err(ClassSettingsError::Malformed)?;
                settings.check()?;
                Ok(settings)
            })
            .collect()
    }

    /// Reads `--config-users` values: each is JSON text, or the path of a
    /// `.json` file holding it.
    pub fn from_config_values(
        values: &[String],
    ) -> Result<Vec<UserClassSettings>, ClassSettingsError> {
        let mut all = Vec::new();
        for text in values {
            let (source, json) = if text.trim_end().ends_with(".json") {
                let path = Path::new(text.trim());
                let json = std::fs::read_to_string(path).map_err(|error| {
                    ClassSettingsError::CannotRead {
                        file: text.clone(),
                        error,
                    }
                })?;
                (format!("the file {text}"), json)
            } else {
                ("the --config-users value".to_string(), text.clone())
            };
            let value: Value =
                serde_json::from_str(&json).map_err(|error| ClassSettingsError::NotJson {
                    error,
                    origin: source,
                })?;
            all.extend(Self::from_json(value)?);
        }
        Ok(all)
    }

    /// Checks the values that have a meaning for every class.
    fn check(&self) -> Result<(), ClassSettingsError> {
        if let Some(weight) = self.weight {
            if !weight.is_finite() || weight < 0.0 {
                return Err(ClassSettingsError::BadWeight {
                    class: self.user_class_name.clone(),
                    weight,
                });
            }
        }
        Ok(())
    }
}

/// Settings that cannot be read: [`UserClassSettings::from_json`] and
/// [`UserClassSettings::from_config_values`].
#[derive(Debug, thiserror::Error)]
pub enum ClassSettingsError {
    /// An item that is not a JSON object.
    #[error("a user config must be a JSON object, not {0}")]
    NotAnObject(Value),
    /// An object without `user_class_name`.
    #[error("The user config must specify a user_class_name")]
    NoClassName,
    /// An object whose values have the wrong types.
    #[error("bad user config: {0}")]
    Malformed(serde_json::Error),
    /// A weight that is negative or not finite.
    #[error("the weight of {class} must be a number ≥ 0, not {weight}")]
    BadWeight {
        /// The class named.
        class: String,
        /// The weight given.
        weight: f64,
    },
    /// A `.json` file that cannot be read.
    #[error("cannot read the user config file {file}: {error}")]
    CannotRead {
        /// The file, as given.
        file: String,
        /// Why it cannot be read.
        error: std::io::Error,
    },
    /// A `--config-users` value (or file) that is not JSON.
    #[error(
        "The --config-users argument must be a valid JSON string or file: {error} (in {origin})"
    )]
    NotJson {
        /// Where the text came from: "the file …" or "the --config-users value".
        origin: String,
        /// The JSON parser's error.
        error: serde_json::Error,
    },
}

/// For callers whose errors are messages (`locusta`'s `--config-users` parser).
impl From<ClassSettingsError> for String {
    fn from(error: ClassSettingsError) -> String {
        error.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_object_or_a_list_of_them() {
        let one =
            UserClassSettings::from_json(json!({"user_class_name": "A", "weight": 3})).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].weight, Some(3.0));
        let list = UserClassSettings::from_json(json!([
            {"user_class_name": "A", "tasks": ["browse"]},
            {"user_class_name": "B", "fixed_count": 2, "mqtt_port": 1883}
        ]))
        .unwrap();
        assert_eq!(list[0].tasks, Some(vec!["browse".to_string()]));
        assert_eq!(list[1].fixed_count, Some(2));
        assert_eq!(list[1].other.get("mqtt_port"), Some(&json!(1883)));
    }

    #[test]
    fn bad_configs_are_refused_with_a_reason() {
        let missing = UserClassSettings::from_json(json!({"weight": 3})).unwrap_err();
        assert!(missing.to_string().contains("user_class_name"), "{missing}");
        let negative = UserClassSettings::from_json(json!({"user_class_name": "A", "weight": -1}))
            .unwrap_err();
        assert!(negative.to_string().contains("weight"), "{negative}");
        let typed =
            UserClassSettings::from_json(json!({"user_class_name": "A", "fixed_count": "x"}))
                .unwrap_err();
        assert!(typed.to_string().contains("bad user config"), "{typed}");
        let not_json = UserClassSettings::from_config_values(&["{nope".into()]).unwrap_err();
        assert!(not_json.to_string().contains("valid JSON"), "{not_json}");
        let no_file =
            UserClassSettings::from_config_values(&["/nonexistent/u.json".into()]).unwrap_err();
        assert!(
            no_file.to_string().contains("/nonexistent/u.json"),
            "{no_file}"
        );
    }
}

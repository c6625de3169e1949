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
    pub fn from_json(value: Value) -> Result<Vec<UserClassSettings>, String> {
        let items = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        items
            .into_iter()
            .map(|item| {
                let Value::Object(object) = &item else {
                    return Err(format!("a user config must be a JSON object, not {item}"));
                };
                if !object.contains_key("user_class_name") {
                    return Err("The user config must specify a user_class_name".into());
                }
                let settings: UserClassSettings =
                    serde_json::from_value(item).map_err(|e| format!("bad user config: {e}"))?;
                settings.check()?;
                Ok(settings)
            })
            .collect()
    }

    /// Reads `--config-users` values: each is JSON text, or the path of a
    /// `.json` file holding it.
    pub fn from_config_values(values: &[String]) -> Result<Vec<UserClassSettings>, String> {
        let mut all = Vec::new();
        for text in values {
            let (source, json) = if text.trim_end().ends_with(".json") {
                let path = Path::new(text.trim());
                let json = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read the user config file {text}: {e}"))?;
                (format!("the file {text}"), json)
            } else {
                ("the --config-users value".to_string(), text.clone())
            };
            let value: Value = serde_json::from_str(&json).map_err(|e| {
                format!("The --config-users argument must be a valid JSON string or file: {e} (in {source})")
            })?;
            all.extend(Self::from_json(value)?);
        }
        Ok(all)
    }

    /// Checks the values that have a meaning for every class.
    fn check(&self) -> Result<(), String> {
        if let Some(weight) = self.weight {
            if !weight.is_finite() || weight < 0.0 {
                return Err(format!(
                    "the weight of {} must be a number ≥ 0, not {weight}",
                    self.user_class_name
                ));
            }
        }
        Ok(())
    }
}

/// What a user class offers for settings: the current values, and every task
/// that `tasks` may name (Locust's `User.json()` and `available_user_tasks`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserClassInfo {
    /// Class name.
    pub name: String,
    /// Host of the class, if it has its own.
    pub host: Option<String>,
    /// Weight among weighted classes.
    pub weight: f64,
    /// Fixed number of users (0 = weighted).
    pub fixed_count: u64,
    /// The tasks that run now.
    pub tasks: Vec<String>,
    /// Every task of the class that settings may keep.
    pub available_tasks: Vec<String>,
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
        assert!(missing.contains("user_class_name"), "{missing}");
        let negative = UserClassSettings::from_json(json!({"user_class_name": "A", "weight": -1}))
            .unwrap_err();
        assert!(negative.contains("weight"), "{negative}");
        let typed =
            UserClassSettings::from_json(json!({"user_class_name": "A", "fixed_count": "x"}))
                .unwrap_err();
        assert!(typed.contains("bad user config"), "{typed}");
        let not_json = UserClassSettings::from_config_values(&["{nope".into()]).unwrap_err();
        assert!(not_json.contains("valid JSON"), "{not_json}");
        let no_file =
            UserClassSettings::from_config_values(&["/nonexistent/u.json".into()]).unwrap_err();
        assert!(no_file.contains("/nonexistent/u.json"), "{no_file}");
    }
}

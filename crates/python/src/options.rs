//! Custom options from Python: what `init_command_line_parser` listeners
//! declared (recorded by `locust.main`'s parser) as the engine's
//! [`CustomOption`]s, and option values as `environment.parsed_options` holds
//! them (attribute names with `_` for `-`).

use std::collections::BTreeMap;

use locusta_engine::options::{CustomOption, OptionError, OptionKind, OptionValue};
use serde::Deserialize;
use serde_json::Value;

/// One `parser.add_argument(...)` call, as `locust.main` describes it.
#[derive(Deserialize)]
struct Declared {
    name: String,
    help: String,
    kind: String,
    choices: Vec<String>,
    default: Value,
    required: bool,
    secret: bool,
    include_in_web_ui: bool,
    env: Option<String>,
}

/// Options declared in Python that cannot become the engine's.
#[derive(Debug, thiserror::Error)]
pub enum DeclaredOptionsError {
    /// `locust.main`'s description is not the JSON expected (a bug).
    #[error("locusta: unreadable custom options from Python: {0}")]
    Unreadable(serde_json::Error),
    /// A default the option itself refuses.
    #[error("the default of the custom option --{0}")]
    Default(OptionError),
}

/// The options declared by the locustfile, from `locust.main`'s JSON.
pub(crate) fn from_json(json: &str) -> Result<Vec<CustomOption>, DeclaredOptionsError> {
    let declared: Vec<Declared> =
        serde_json::from_str(json).map_err(DeclaredOptionsError::Unreadable)?;
    declared.into_iter().map(custom_option).collect()
}

fn custom_option(declared: Declared) -> Result<CustomOption, DeclaredOptionsError> {
    let kind = match declared.kind.as_str() {
        "integer" => OptionKind::Integer,
        "float" => OptionKind::Float,
        "flag" => OptionKind::Flag,
        "choice" => OptionKind::Choice(declared.choices),
        "multichoice" => OptionKind::MultiChoice(declared.choices),
        _ => OptionKind::Text,
    };
    let mut option = CustomOption::new(declared.name, declared.help).kind(kind);
    option.default = default_value(&option, &declared.default)?;
    option.required = declared.required;
    option.secret = declared.secret;
    option.include_in_web_ui = declared.include_in_web_ui;
    option.env = declared.env;
    Ok(option)
}

/// A Python default as a value of the option's kind (`None` stays unset).
fn default_value(
    option: &CustomOption,
    default: &Value,
) -> Result<Option<OptionValue>, DeclaredOptionsError> {
    let text = match default {
        Value::Null => return Ok(None),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.clone(),
        Value::Array(values) => values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => String::new(),
    };
    if matches!(option.kind, OptionKind::MultiChoice(_)) && text.is_empty() {
        return Ok(Some(OptionValue::List(Vec::new())));
    }
    option
        .parse(&text)
        .map(Some)
        .map_err(DeclaredOptionsError::Default)
}

/// Option values keyed by their `parsed_options` attribute name.
pub fn attributes(values: &BTreeMap<String, OptionValue>) -> serde_json::Map<String, Value> {
    values
        .iter()
        .map(|(name, value)| (name.replace('-', "_"), json_value(value)))
        .collect()
}

fn json_value(value: &OptionValue) -> Value {
    match value {
        OptionValue::Text(text) => Value::from(text.as_str()),
        OptionValue::Integer(number) => Value::from(*number),
        OptionValue::Float(number) => Value::from(*number),
        OptionValue::Flag(flag) => Value::from(*flag),
        OptionValue::List(values) => Value::from(values.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_from_the_parser_description() {
        let json = r#"[
            {"name": "my-text", "help": "t", "kind": "text", "choices": [], "default": "x",
             "required": false, "secret": true, "include_in_web_ui": true, "env": "LOCUST_MY_TEXT"},
            {"name": "count", "help": "", "kind": "integer", "choices": [], "default": 3,
             "required": true, "secret": false, "include_in_web_ui": false, "env": null},
            {"name": "on", "help": "", "kind": "flag", "choices": [], "default": false,
             "required": false, "secret": false, "include_in_web_ui": true, "env": null},
            {"name": "pick", "help": "", "kind": "multichoice", "choices": ["a", "b"],
             "default": ["b"], "required": false, "secret": false, "include_in_web_ui": true, "env": null},
            {"name": "unset", "help": "", "kind": "float", "choices": [], "default": null,
             "required": false, "secret": false, "include_in_web_ui": true, "env": null}
        ]"#;
        let options = from_json(json).unwrap();
        assert_eq!(options[0].default, Some(OptionValue::Text("x".into())));
        assert!(options[0].secret);
        assert_eq!(options[0].env.as_deref(), Some("LOCUST_MY_TEXT"));
        assert_eq!(options[1].default, Some(OptionValue::Integer(3)));
        assert!(options[1].required && !options[1].include_in_web_ui);
        assert_eq!(options[2].default, Some(OptionValue::Flag(false)));
        assert_eq!(
            options[3].default,
            Some(OptionValue::List(vec!["b".into()]))
        );
        assert_eq!(options[4].default, None);
        let values = BTreeMap::from([("my-text".to_string(), OptionValue::Integer(1))]);
        assert_eq!(attributes(&values)["my_text"], Value::from(1));
    }

    #[test]
    fn a_default_of_the_wrong_kind_is_an_error() {
        let json = r#"[{"name": "n", "help": "", "kind": "integer", "choices": [],
            "default": "many", "required": false, "secret": false, "include_in_web_ui": true, "env": null}]"#;
        let error = from_json(json).unwrap_err().to_string();
        assert!(error.contains("'many' is not a whole number"), "{error}");
    }
}

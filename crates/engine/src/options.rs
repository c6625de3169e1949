//! Custom options: settings a test program declares (Locust's custom arguments
//! added in `init_command_line_parser`). They are parsed with the other options
//! (command line, environment, configuration files), appear in the web UI's
//! start form, can be changed there for the next start, and user code reads
//! their current values from [`crate::Environment::option`].

use std::fmt;

/// What kind of value an option holds, and so how it is parsed and shown.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionKind {
    /// Free text (a text field).
    Text,
    /// A whole number (a number field).
    Integer,
    /// A number with a fraction (a number field).
    Float,
    /// On or off (a checkbox; on the command line a flag, in files `true`/`false`).
    Flag,
    /// One of these values (a select).
    Choice(Vec<String>),
    /// Any subset of these values (a multi-select; on the command line, repeat
    /// the option or separate values with commas).
    MultiChoice(Vec<String>),
}

/// The value of a custom option.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// Text or a choice.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A number with a fraction.
    Float(f64),
    /// A flag.
    Flag(bool),
    /// The values picked in a multi-choice.
    List(Vec<String>),
}

impl OptionValue {
    /// The value as text, if it is text (or a choice).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            OptionValue::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The value as a whole number, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            OptionValue::Integer(value) => Some(*value),
            _ => None,
        }
    }

    /// The value as a number (whole numbers too).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            OptionValue::Integer(value) => Some(*value as f64),
            OptionValue::Float(value) => Some(*value),
            _ => None,
        }
    }

    /// The value as a flag, if it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            OptionValue::Flag(value) => Some(*value),
            _ => None,
        }
    }

    /// The picked values of a multi-choice.
    pub fn as_list(&self) -> Option<&[String]> {
        match self {
            OptionValue::List(values) => Some(values),
            _ => None,
        }
    }
}

impl fmt::Display for OptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionValue::Text(text) => f.write_str(text),
            OptionValue::Integer(value) => write!(f, "{value}"),
            OptionValue::Float(value) => write!(f, "{value}"),
            OptionValue::Flag(value) => write!(f, "{value}"),
            OptionValue::List(values) => f.write_str(&values.join(",")),
        }
    }
}

/// A setting declared by the test program.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomOption {
    /// The long option name without dashes (`my-setting`); also the key in
    /// configuration files and in the web form.
    pub name: String,
    /// One line for `--help` and the web form.
    pub help: String,
    /// What it holds.
    pub kind: OptionKind,
    /// The value when none is given; `None` means unset (and for a required
    /// option, that a value must be given).
    pub default: Option<OptionValue>,
    /// A value must be given (on the command line, in a file, or in the form).
    pub required: bool,
    /// The value is a secret: shown as a password field, never printed.
    pub secret: bool,
    /// Whether the web UI's start form shows it.
    pub include_in_web_ui: bool,
    /// The environment variable that sets it, if any (e.g. `LOCUST_MY_SETTING`).
    pub env: Option<String>,
}

impl CustomOption {
    /// A text option named `name` (long name without dashes) with `help`.
    pub fn new(name: impl Into<String>, help: impl Into<String>) -> Self {
        CustomOption {
            name: name.into(),
            help: help.into(),
            kind: OptionKind::Text,
            default: None,
            required: false,
            secret: false,
            include_in_web_ui: true,
            env: None,
        }
    }

    /// Sets the kind of value.
    pub fn kind(mut self, kind: OptionKind) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the default value.
    pub fn default_value(mut self, value: OptionValue) -> Self {
        self.default = Some(value);
        self
    }

    /// Makes a value mandatory.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Marks the value as a secret.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// Hides the option from the web UI's form.
    pub fn hidden_from_web_ui(mut self) -> Self {
        self.include_in_web_ui = false;
        self
    }

    /// Reads the option from this environment variable too.
    pub fn env(mut self, name: impl Into<String>) -> Self {
        self.env = Some(name.into());
        self
    }

    /// Parses one textual value (command line, file, environment or form) by
    /// the option's kind. Multi-choices take comma-separated values; flags take
    /// `true`/`false`/`yes`/`no`/`on`/`off`/`1`/`0`. The error names the option.
    pub fn parse(&self, text: &str) -> Result<OptionValue, OptionError> {
        self.parse_values(&[text])
    }

    /// Parses the values given for the option (several for a repeated
    /// multi-choice; otherwise the last one counts).
    pub fn parse_values(&self, texts: &[&str]) -> Result<OptionValue, OptionError> {
        let last = texts.last().copied().unwrap_or("").trim();
        match &self.kind {
            OptionKind::Text => Ok(OptionValue::Text(last.to_string())),
            OptionKind::Integer => {
                last.parse()
                    .map(OptionValue::Integer)
                    .map_err(|_| OptionError::NotWholeNumber {
                        name: self.name.clone(),
                        value: last.to_string(),
                    })
            }
            OptionKind::Float => match last.parse::<f64>() {
                Ok(value) if value.is_finite() => Ok(OptionValue::Float(value)),
                _ => Err(OptionError::NotNumber {
                    name: self.name.clone(),
                    value: last.to_string(),
                }),
            },
            OptionKind::Flag => match last.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Ok(OptionValue::Flag(true)),
                "false" | "no" | "off" | "0" | "" => Ok(OptionValue::Flag(false)),
                _ => Err(OptionError::NotFlag {
                    name: self.name.clone(),
                    value: last.to_string(),
                }),
            },
            OptionKind::Choice(choices) => {
                if choices.iter().any(|c| c == last) {
                    Ok(OptionValue::Text(last.to_string()))
                } else {
                    Err(OptionError::NotAChoice {
                        name: self.name.clone(),
                        value: last.to_string(),
                        choices: choices.clone(),
                    })
                }
            }
            OptionKind::MultiChoice(choices) => {
                let mut picked = Vec::new();
                for value in texts
                    .iter()
                    .flat_map(|t| t.split(','))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                {
                    if !choices.iter().any(|c| c == value) {
                        return Err(OptionError::NotAChoice {
                            name: self.name.clone(),
                            value: value.to_string(),
                            choices: choices.clone(),
                        });
                    }
                    if !picked.iter().any(|p| p == value) {
                        picked.push(value.to_string());
                    }
                }
                Ok(OptionValue::List(picked))
            }
        }
    }
}

/// A value a custom option refuses; the message names the option.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    /// An integer option got something else.
    #[error("{name}: '{value}' is not a whole number")]
    NotWholeNumber {
        /// The option's name.
        name: String,
        /// The value given.
        value: String,
    },
    /// A float option got something else (or not a finite number).
    #[error("{name}: '{value}' is not a number")]
    NotNumber {
        /// The option's name.
        name: String,
        /// The value given.
        value: String,
    },
    /// A flag got something else than true or false.
    #[error("{name}: '{value}' is not true or false (use true, false, yes, no, 1 or 0)")]
    NotFlag {
        /// The option's name.
        name: String,
        /// The value given.
        value: String,
    },
    /// A choice or multi-choice got a value it does not offer.
    #[error("{name}: '{value}' is not one of {}", choices.join(", "))]
    NotAChoice {
        /// The option's name.
        name: String,
        /// The value given.
        value: String,
        /// The values the option offers.
        choices: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_parsed_by_kind() {
        let count = CustomOption::new("count", "").kind(OptionKind::Integer);
        assert_eq!(count.parse(" 12 "), Ok(OptionValue::Integer(12)));
        assert!(count
            .parse("x")
            .unwrap_err()
            .to_string()
            .contains("count: 'x'"));
        let flag = CustomOption::new("fast", "").kind(OptionKind::Flag);
        assert_eq!(flag.parse("on"), Ok(OptionValue::Flag(true)));
        assert!(flag.parse("maybe").is_err());
        let pick =
            CustomOption::new("env", "").kind(OptionKind::Choice(vec!["a".into(), "b".into()]));
        assert_eq!(pick.parse("b"), Ok(OptionValue::Text("b".into())));
        assert_eq!(
            pick.parse("c").unwrap_err().to_string(),
            "env: 'c' is not one of a, b"
        );
        let many = CustomOption::new("regions", "").kind(OptionKind::MultiChoice(vec![
            "eu".into(),
            "us".into(),
            "ap".into(),
        ]));
        assert_eq!(
            many.parse_values(&["eu,us", "eu"]),
            Ok(OptionValue::List(vec!["eu".into(), "us".into()]))
        );
        assert!(many.parse("mars").is_err());
        let ratio = CustomOption::new("ratio", "").kind(OptionKind::Float);
        assert_eq!(ratio.parse("0.5").unwrap().as_f64(), Some(0.5));
        assert!(ratio.parse("NaN").is_err());
    }
}

//! Configuration files: where they are looked for, how `.conf` (ini-style)
//! and `.toml` files are read into [`ConfigFile`]s, and what can be wrong
//! with them ([`ConfigFileError`]: every problem names the file, and the line
//! when there is one).
//!
//! `.conf` files (and any `--config` file not ending in `.toml`) are ini-style,
//! as configargparse reads them: `key = value`, `key: value` or `key value`; a
//! bare `key` sets a flag; `[a, b]` (or a JSON array) is a list; lines starting
//! with `#`, `;` or `[` are skipped, as are comments after ` #` or ` ;`. TOML
//! files are read from their `[tool.locust]` table; their scalars become
//! strings and their arrays lists. Which key means what is the business of
//! [`super`], which checks every setting against the options.

use std::path::{Path, PathBuf};

/// The per-user file, in the home directory.
pub const HOME_CONFIG: &str = ".locust.conf";
/// The per-project ini-style file, in the current directory.
pub const LOCAL_CONFIG: &str = "locust.conf";
/// The per-project TOML file, in the current directory (`[tool.locust]` only).
pub const PYPROJECT: &str = "pyproject.toml";

/// The value of one setting in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A single value (flags read `true`/`false`/`yes`/`no`/`1`/`0`).
    Text(String),
    /// A list, for options that take several values (`tags`, `exclude-tags`).
    List(Vec<String>),
}

/// One `key = value` of a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The key as written: an option's long name without the dashes.
    pub key: String,
    /// The value.
    pub value: Value,
    /// The 1-based line the key is on.
    pub line: usize,
}

/// A configuration file that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its settings in file order (a key set twice: the last one counts).
    pub settings: Vec<Setting>,
}

impl ConfigFile {
    /// The setting for `key`, if the file has one.
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.key == key)
    }
}

/// A configuration file that cannot be read or used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// The file cannot be read.
    #[error("cannot read configuration file {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A `--config` TOML file without a `[tool.locust]` table.
    #[error("configuration file {} has no [tool.locust] table", path.display())]
    NoLocustTable {
        /// The file.
        path: PathBuf,
    },
    /// A line of the file that cannot be used.
    #[error("{}, line {line}: {problem}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong there.
        problem: LineProblem,
    },
}

impl ConfigFileError {
    /// A problem at `line` of the file at `path`.
    pub fn at(path: &Path, line: usize, problem: LineProblem) -> Self {
        ConfigFileError::Line {
            path: path.to_path_buf(),
            line,
            problem,
        }
    }
}

/// What is wrong with one line (one setting) of a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    /// An ini line that is not `key = value`, `key: value`, `key value` or `key`.
    #[error("cannot parse the line '{0}' (expected 'key = value')")]
    Unparsable(String),
    /// TOML that does not parse (the parser's message).
    #[error("invalid TOML: {0}")]
    Toml(String),
    /// A TOML list holding tables or lists.
    #[error("'{0}': a list may only hold plain values")]
    NestedList(String),
    /// A TOML table as a value.
    #[error("'{0}': a table is not a valid value")]
    Table(String),
    /// An option Locust removed: its migration message.
    #[error("{0}")]
    Removed(&'static str),
    /// `config` itself set in a file.
    #[error("'config' cannot be set in a configuration file")]
    ConfigKey,
    /// A key that names no option, with the closest one that does.
    #[error("unknown key '{key}'{}", did_you_mean(.suggestion.as_deref()))]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The option it is probably meant to be.
        suggestion: Option<String>,
    },
    /// A flag set to something else than a truth value.
    #[error(transparent)]
    Flag(#[from] FlagValueError),
    /// A list for an option that takes one value.
    #[error("'{0}' can't be set to a list")]
    List(String),
    /// A value the option's parser refuses.
    #[error("invalid value '{value}' for '{key}': {reason}")]
    InvalidValue {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// The parser's reason.
        reason: String,
    },
}

/// ` (did you mean 'users'?)`, or nothing without a suggestion.
fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

/// A flag set, in a file or the environment, to something else than
/// `true`/`false`/`yes`/`no`/`1`/`0`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Unexpected value for {name}: '{value}'. Expecting 'true', 'false', 'yes', 'no', '1' or '0'"
)]
pub struct FlagValueError {
    /// The key or environment variable.
    pub name: String,
    /// The value given.
    pub value: String,
}

/// Parses an ini-style configuration file the way configargparse does.
pub fn parse_ini(path: &Path, text: &str) -> Result<ConfigFile, ConfigFileError> {
    let mut settings = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';', '[']) || line.starts_with("---") {
            continue;
        }
        let key_end = line
            .find(|c: char| matches!(c, ':' | '=' | ';' | '#') || c.is_whitespace())
            .unwrap_or(line.len());
        let (key, rest) = line.split_at(key_end);
        let rest = strip_comment(rest);
        let trimmed = rest.trim_start();
        let value = if key.is_empty() {
            None
        } else if trimmed.is_empty() {
            Some("true")
        } else if let Some(value) = trimmed.strip_prefix([':', '=']) {
            Some(unquote(value.trim_start()))
        } else if trimmed.len() < rest.len() {
            Some(unquote(trimmed))
        } else {
            None
        };
        let Some(value) = value else {
            return Err(ConfigFileError::at(
                path,
                index + 1,
                LineProblem::Unparsable(line.to_string()),
            ));
        };
        settings.push(Setting {
            key: key.to_string(),
            value: ini_value(value.to_string()),
            line: index + 1,
        });
    }
    Ok(ConfigFile {
        path: path.to_path_buf(),
        settings,
    })
}

/// Cuts a trailing ` # comment` or ` ; comment`.
fn strip_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    let cut = (1..bytes.len())
        .find(|&i| matches!(bytes[i], b'#' | b';') && bytes[i - 1].is_ascii_whitespace())
        .unwrap_or(bytes.len());
    value[..cut].trim_end()
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

/// `[a, b]` (or a JSON array) is a list; anything else a single value.
fn ini_value(value: String) -> Value {
    if !(value.starts_with('[') && value.ends_with(']')) {
        return Value::Text(value);
    }
    if let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&value) {
        return Value::List(
            items
                .into_iter()
                .map(|item| match item {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect(),
        );
    }
    Value::List(
        value[1..value.len() - 1]
            .split(',')
            .map(|item| item.trim().to_string())
            .collect(),
    )
}

/// Parses the `[tool.locust]` table of a TOML file; `None` when the file has
/// no such table.
pub fn parse_toml(path: &Path, text: &str) -> Result<Option<ConfigFile>, ConfigFileError> {
    type Table = std::collections::BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>>;
    #[derive(serde::Deserialize)]
    struct Document {
        tool: Option<Tool>,
    }
    #[derive(serde::Deserialize)]
    struct Tool {
        locust: Option<Table>,
    }
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let document: Document = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |span| line_of(span.start));
        ConfigFileError::at(path, line, LineProblem::Toml(e.message().to_string()))
    })?;
    let Some(table) = document.tool.and_then(|tool| tool.locust) else {
        return Ok(None);
    };
    let mut settings = Vec::new();
    for (key, value) in table {
        let line = line_of(key.span().start);
        let key = key.into_inner();
        let value =
            match value.into_inner() {
                toml::Value::Array(items) => Value::List(
                    items
                        .into_iter()
                        .map(toml_scalar)
                        .collect::<Option<_>>()
                        .ok_or_else(|| {
                            ConfigFileError::at(path, line, LineProblem::NestedList(key.clone()))
                        })?,
                ),
                other => Value::Text(toml_scalar(other).ok_or_else(|| {
                    ConfigFileError::at(path, line, LineProblem::Table(key.clone()))
                })?),
            };
        settings.push(Setting { key, value, line });
    }
    settings.sort_by_key(|s| s.line);
    Ok(Some(ConfigFile {
        path: path.to_path_buf(),
        settings,
    }))
}

fn toml_scalar(value: toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::Array(_) | toml::Value::Table(_) => None,
    }
}

fn read(path: &Path) -> Result<String, ConfigFileError> {
    std::fs::read_to_string(path).map_err(|error| ConfigFileError::Read {
        path: path.to_path_buf(),
        error,
    })
}

/// Reads the configuration files that exist: `~/.locust.conf` (when `home` is
/// given), `cwd/locust.conf`, `cwd/pyproject.toml`, then `explicit` (the
/// `--config` file, relative to `cwd`; it must exist). They are returned from
/// the weakest to the strongest. A `.toml` file is read as TOML (and an
/// explicit one must have a `[tool.locust]` table), anything else as ini.
pub fn load(
    cwd: &Path,
    home: Option<&Path>,
    explicit: Option<&Path>,
) -> Result<Vec<ConfigFile>, ConfigFileError> {
    let mut files = Vec::new();
    let defaults = [
        home.map(|home| home.join(HOME_CONFIG)),
        Some(cwd.join(LOCAL_CONFIG)),
        Some(cwd.join(PYPROJECT)),
    ];
    for path in defaults.into_iter().flatten() {
        if path.is_file() {
            if let Some(file) = parse_file(&path)? {
                files.push(file);
            }
        }
    }
    if let Some(explicit) = explicit {
        let path = cwd.join(explicit);
        match parse_file(&path)? {
            Some(file) => files.push(file),
            None => return Err(ConfigFileError::NoLocustTable { path }),
        }
    }
    Ok(files)
}

fn parse_file(path: &Path) -> Result<Option<ConfigFile>, ConfigFileError> {
    let text = read(path)?;
    if path.extension().is_some_and(|e| e == "toml") {
        parse_toml(path, &text)
    } else {
        parse_ini(path, &text).map(Some)
    }
}

//! Configuration files, environment variables and their precedence
//! (`docs/compatibility.md`, "Options and configuration").
//!
//! Sources, from the strongest: the command line, `LOCUST_*` environment
//! variables, the `--config` file, `./pyproject.toml` (its `[tool.locust]`
//! table), `./locust.conf`, `~/.locust.conf`, then the defaults. A key is the
//! option's long name without the dashes (`users`, `spawn-rate`, `run-time`);
//! the strongest source that sets a key wins, even when it sets a flag to
//! false.
//!
//! `.conf` files (and any `--config` file not ending in `.toml`) are ini-style,
//! as configargparse reads them: `key = value`, `key: value` or `key value`; a
//! bare `key` sets a flag; `[a, b]` (or a JSON array) is a list; lines starting
//! with `#`, `;` or `[` are skipped, as are comments after ` #` or ` ;`. TOML
//! files are read from their `[tool.locust]` table; their scalars become
//! strings and their arrays lists.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

use locusta_engine::options::{CustomOption, OptionKind, OptionValue};

use crate::cli::{Options, REMOVED_OPTIONS};
use crate::suggest;

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

/// Why options could not be parsed.
#[derive(Debug)]
pub enum Error {
    /// A command-line or environment problem (exit code 2), or `--help` /
    /// `--version` (exit code 0): clap's error, printed by clap.
    Args(clap::Error),
    /// A configuration file problem (exit code 1); the message names the
    /// file, the line and the key.
    Config(String),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Args(error) => error.exit_code(),
            Error::Config(_) => 1,
        }
    }

    /// Prints the error as the command line shows it (help and version to
    /// stdout, errors to stderr). Fails, with a message, when `--help` or `--version` could not be
    /// written to standard output (a full device; a closed pipe is fine).
    pub fn print(&self) -> Result<(), String> {
        match self {
            Error::Args(error) => match error.print() {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(format!("cannot write to standard output: {e}"))
                }
                _ => Ok(()),
            },
            Error::Config(message) => {
                eprintln!("error: {message}");
                Ok(())
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Args(error) => write!(f, "{error}"),
            Error::Config(message) => write!(f, "error: {message}"),
        }
    }
}

impl std::error::Error for Error {}

fn at(path: &Path, line: usize, message: impl fmt::Display) -> String {
    format!("{}, line {line}: {message}", path.display())
}

/// Parses an ini-style configuration file the way configargparse does.
pub fn parse_ini(path: &Path, text: &str) -> Result<ConfigFile, String> {
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
            return Err(at(
                path,
                index + 1,
                format!("cannot parse the line '{line}' (expected 'key = value')"),
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
pub fn parse_toml(path: &Path, text: &str) -> Result<Option<ConfigFile>, String> {
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
        at(path, line, format!("invalid TOML: {}", e.message()))
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
                            at(
                                path,
                                line,
                                format!("'{key}': a list may only hold plain values"),
                            )
                        })?,
                ),
                other => Value::Text(toml_scalar(other).ok_or_else(|| {
                    at(path, line, format!("'{key}': a table is not a valid value"))
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

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read configuration file {}: {e}", path.display()))
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
) -> Result<Vec<ConfigFile>, String> {
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
            None => {
                return Err(format!(
                    "configuration file {} has no [tool.locust] table",
                    path.display()
                ))
            }
        }
    }
    Ok(files)
}

fn parse_file(path: &Path) -> Result<Option<ConfigFile>, String> {
    let text = read(path)?;
    if path.extension().is_some_and(|e| e == "toml") {
        parse_toml(path, &text)
    } else {
        parse_ini(path, &text).map(Some)
    }
}

/// Parses a command line (the first item is the program name) with the
/// environment `env` and the configuration files found in `cwd` and `home`
/// (plus `--config`), then applies `--headful`. This is what a run does.
pub fn parse<I, T>(
    args: I,
    env: &HashMap<String, String>,
    cwd: &Path,
    home: Option<&Path>,
) -> Result<Options, Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    parse_with(args, env, cwd, home, &[])
}

/// [`parse`] for a program that declared custom options: they are read from
/// the same sources, and their values land in [`Options::custom`].
pub fn parse_with<I, T>(
    args: I,
    env: &HashMap<String, String>,
    cwd: &Path,
    home: Option<&Path>,
    custom: &[CustomOption],
) -> Result<Options, Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let first = Options::command_with(custom)
        .try_get_matches_from(&args)
        .map_err(Error::Args)?;
    let explicit = first.get_one::<String>("config").map(PathBuf::from);
    let files = load(cwd, home, explicit.as_deref()).map_err(Error::Config)?;
    resolve_with(&args, env, &files, custom)
}

/// How an option takes its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Flag,
    List,
    Single,
}

fn kind(arg: &Arg) -> Kind {
    if matches!(arg.get_action(), ArgAction::SetTrue) {
        Kind::Flag
    } else if matches!(arg.get_action(), ArgAction::Append)
        || arg.get_num_args().is_some_and(|n| n.max_values() > 1)
    {
        Kind::List
    } else {
        Kind::Single
    }
}

/// The pure precedence logic: parses `args` (the first item is the program
/// name) with the environment `env` and the already-read `files` (weakest
/// first, as [`load`] returns them). For each option not on the command line,
/// its environment variable wins, then the strongest file that sets its key.
pub fn resolve(
    args: &[OsString],
    env: &HashMap<String, String>,
    files: &[ConfigFile],
) -> Result<Options, Error> {
    resolve_with(args, env, files, &[])
}

/// [`resolve`] with the program's custom options.
pub fn resolve_with(
    args: &[OsString],
    env: &HashMap<String, String>,
    files: &[ConfigFile],
    custom: &[CustomOption],
) -> Result<Options, Error> {
    let base = Options::command_with(custom);
    let first = base
        .clone()
        .try_get_matches_from(args)
        .map_err(Error::Args)?;
    for &(name, _, _, message) in REMOVED_OPTIONS {
        if first.value_source(name) == Some(ValueSource::CommandLine) {
            return Err(removed_error(&base, name, message));
        }
    }
    check_keys(&base, files)?;

    let mut env_names: HashMap<String, String> = Options::command()
        .get_arguments()
        .filter_map(|arg| {
            let env = arg.get_env()?.to_str()?;
            Some((arg.get_id().to_string(), env.to_string()))
        })
        .collect();
    for option in custom {
        if let Some(name) = &option.env {
            env_names.insert(option.name.clone(), name.clone());
        }
    }
    for &(name, env_name, _, message) in REMOVED_OPTIONS {
        if env_name.is_some_and(|e| env.get(e).is_some_and(|v| !v.is_empty())) {
            return Err(removed_error(&base, name, message));
        }
    }

    let mut defaults: Vec<(String, Vec<String>)> = Vec::new();
    for arg in base.get_arguments() {
        let id = arg.get_id().to_string();
        let from_env = env_names
            .get(&id)
            .and_then(|name| Some((name, env.get(name).filter(|v| !v.is_empty())?)));
        if let Some((name, value)) = from_env {
            defaults.push((id, env_value(&base, arg, name, value)?));
            continue;
        }
        let Some(long) = arg.get_long() else {
            continue;
        };
        if let Some((file, setting)) = files
            .iter()
            .rev()
            .find_map(|file| Some((file, file.get(long)?)))
        {
            defaults.push((id, file_value(arg, file, setting)?));
        }
    }

    let from_sources: Vec<String> = defaults.iter().map(|(id, _)| id.clone()).collect();
    let mut command = base;
    for (id, values) in defaults {
        command = command.mut_arg(id, |arg| arg.default_values(values));
    }
    let matches = command
        .clone()
        .try_get_matches_from(args)
        .map_err(Error::Args)?;
    let mut options = Options::from_arg_matches(&matches).map_err(Error::Args)?;
    options.custom = custom_values(&command, &matches, custom, &from_sources)?;
    if options.headful {
        options.headless = false;
    }
    if options.csv_full_history && options.csv_prefix.is_none() {
        return Err(Error::Args(command.error(
            ErrorKind::MissingRequiredArgument,
            "'--csv-full-history' requires '--csv'.",
        )));
    }
    Ok(options)
}

/// The values of the custom options after precedence (a default counts when
/// nothing else set the option). `from_sources` names the options that the
/// environment or a file set (clap sees those as defaults).
fn custom_values(
    command: &Command,
    matches: &clap::ArgMatches,
    custom: &[CustomOption],
    from_sources: &[String],
) -> Result<std::collections::BTreeMap<String, OptionValue>, Error> {
    let mut values = std::collections::BTreeMap::new();
    for option in custom {
        let value = if matches!(option.kind, OptionKind::Flag) {
            let given = matches.value_source(&option.name) == Some(ValueSource::CommandLine)
                || from_sources.contains(&option.name);
            if given {
                Some(OptionValue::Flag(matches.get_flag(&option.name)))
            } else {
                option.default.clone()
            }
        } else {
            match matches.get_many::<String>(&option.name) {
                Some(given) => {
                    let given: Vec<&str> = given.map(String::as_str).collect();
                    Some(option.parse_values(&given).map_err(|message| {
                        Error::Args(command.clone().error(ErrorKind::InvalidValue, message))
                    })?)
                }
                None => option.default.clone(),
            }
        };
        if let Some(value) = value {
            values.insert(option.name.clone(), value);
        }
    }
    Ok(values)
}

fn removed_error(command: &Command, name: &str, message: &str) -> Error {
    Error::Args(command.clone().error(
        ErrorKind::ArgumentConflict,
        format!("argument --{name}: {message}"),
    ))
}

/// `true`/`yes`/`1` or `false`/`no`/`0`, any case.
fn flag_value(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn flag_error(name: &str, value: &str) -> String {
    format!("Unexpected value for {name}: '{value}'. Expecting 'true', 'false', 'yes', 'no', '1' or '0'")
}

/// Checks one value with the option's own parser; `Err` holds the reason.
fn check_value(arg: &Arg, value: &str) -> Result<(), String> {
    let long = arg.get_long().unwrap_or_else(|| arg.get_id().as_str());
    let probe = Command::new("locusta").no_binary_name(true).arg(
        arg.clone()
            .required(false)
            .default_values(Vec::<String>::new()),
    );
    let argv = if arg.is_positional() {
        vec![value.to_string()]
    } else {
        vec![format!("--{long}={value}")]
    };
    probe
        .try_get_matches_from(argv)
        .map(|_| ())
        .map_err(|error| {
            std::error::Error::source(&error)
                .map(ToString::to_string)
                .unwrap_or_else(|| {
                    let text = error.to_string();
                    let first = text.lines().next().unwrap_or_default();
                    first.trim_start_matches("error: ").to_string()
                })
        })
}

/// The value of an option's environment variable. Lists accept `[a, b]`;
/// `LOCUST_USER_CLASSES` is split on whitespace. Errors exit with 2, like
/// Locust's argument errors.
fn env_value(command: &Command, arg: &Arg, name: &str, value: &str) -> Result<Vec<String>, Error> {
    let invalid = |reason: String| {
        Error::Args(command.clone().error(
            ErrorKind::InvalidValue,
            format!("invalid value '{value}' in environment variable {name}: {reason}"),
        ))
    };
    let values = if arg.is_positional() {
        value.split_whitespace().map(str::to_string).collect()
    } else {
        match kind(arg) {
            Kind::Flag => {
                let flag = flag_value(value).ok_or_else(|| {
                    Error::Args(
                        command
                            .clone()
                            .error(ErrorKind::InvalidValue, flag_error(name, value)),
                    )
                })?;
                vec![flag.to_string()]
            }
            Kind::List if value.starts_with('[') && value.ends_with(']') => value
                [1..value.len() - 1]
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect(),
            Kind::List | Kind::Single => vec![value.to_string()],
        }
    };
    if arg.is_positional() || kind(arg) != Kind::Flag {
        for item in &values {
            check_value(arg, item).map_err(invalid)?;
        }
    }
    Ok(values)
}

/// The value of a configuration file setting, checked with the option's parser.
fn file_value(arg: &Arg, file: &ConfigFile, setting: &Setting) -> Result<Vec<String>, Error> {
    let error = |message: String| Error::Config(at(&file.path, setting.line, message));
    let key = &setting.key;
    let values = match (kind(arg), &setting.value) {
        (Kind::Flag, Value::Text(text)) => {
            let flag = flag_value(text).ok_or_else(|| error(flag_error(key, text)))?;
            vec![flag.to_string()]
        }
        (Kind::List, Value::List(items)) => items.clone(),
        (_, Value::Text(text)) => vec![text.clone()],
        (_, Value::List(_)) => {
            return Err(error(format!("'{key}' can't be set to a list")));
        }
    };
    if kind(arg) != Kind::Flag {
        for value in &values {
            check_value(arg, value).map_err(|reason| {
                error(format!("invalid value '{value}' for '{key}': {reason}"))
            })?;
        }
    }
    Ok(values)
}

/// Every key of every file must name an option.
fn check_keys(command: &Command, files: &[ConfigFile]) -> Result<(), Error> {
    let keys: Vec<&str> = command
        .get_arguments()
        .filter(|arg| !matches!(arg.get_id().as_str(), "help" | "version" | "config"))
        .filter_map(Arg::get_long)
        .collect();
    for file in files {
        for setting in &file.settings {
            let key = setting.key.as_str();
            if let Some(&(_, _, _, message)) = REMOVED_OPTIONS.iter().find(|r| r.0 == key) {
                return Err(Error::Config(at(&file.path, setting.line, message)));
            }
            if key == "config" {
                return Err(Error::Config(at(
                    &file.path,
                    setting.line,
                    "'config' cannot be set in a configuration file",
                )));
            }
            if !keys.contains(&key) {
                let hint = suggest::closest_key(key, &keys)
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                return Err(Error::Config(at(
                    &file.path,
                    setting.line,
                    format!("unknown key '{key}'{hint}"),
                )));
            }
        }
    }
    Ok(())
}

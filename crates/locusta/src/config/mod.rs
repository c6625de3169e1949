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
//! Reading the files is [`files`]'s; here every source is checked against the
//! options and combined.

mod files;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

use locusta_engine::options::{CustomOption, OptionKind, OptionValue};

use crate::cli::{Options, REMOVED_OPTIONS};
use crate::stdout::StdoutError;
use crate::suggest;

pub use files::{
    load, parse_ini, parse_toml, ConfigFile, ConfigFileError, FlagValueError, LineProblem, Setting,
    Value, HOME_CONFIG, LOCAL_CONFIG, PYPROJECT,
};

/// Why options could not be parsed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line or environment problem (exit code 2), or `--help` /
    /// `--version` (exit code 0): clap's error, printed by clap.
    #[error("{0}")]
    Args(clap::Error),
    /// A configuration file problem (exit code 1); it names the file, the
    /// line and the key.
    #[error("error: {0}")]
    Config(#[from] ConfigFileError),
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
    /// stdout, errors to stderr). Fails when `--help` or `--version` could not be
    /// written to standard output (a full device; a closed pipe is fine).
    pub fn print(&self) -> Result<(), StdoutError> {
        match self {
            Error::Args(error) => match error.print() {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(StdoutError(e)),
                _ => Ok(()),
            },
            Error::Config(message) => {
                eprintln!("error: {message}");
                Ok(())
            }
        }
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
    let files = load(cwd, home, explicit.as_deref())?;
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

fn flag_error(name: &str, value: &str) -> FlagValueError {
    FlagValueError {
        name: name.to_string(),
        value: value.to_string(),
    }
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
                            .error(ErrorKind::InvalidValue, flag_error(name, value).to_string()),
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
    let error = |problem: LineProblem| {
        Error::Config(ConfigFileError::at(&file.path, setting.line, problem))
    };
    let key = &setting.key;
    let values = match (kind(arg), &setting.value) {
        (Kind::Flag, Value::Text(text)) => {
            let flag = flag_value(text).ok_or_else(|| error(flag_error(key, text).into()))?;
            vec![flag.to_string()]
        }
        (Kind::List, Value::List(items)) => items.clone(),
        (_, Value::Text(text)) => vec![text.clone()],
        (_, Value::List(_)) => {
            return Err(error(LineProblem::List(key.clone())));
        }
    };
    if kind(arg) != Kind::Flag {
        for value in &values {
            check_value(arg, value).map_err(|reason| {
                error(LineProblem::InvalidValue {
                    key: key.clone(),
                    value: value.clone(),
                    reason,
                })
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
                return Err(Error::Config(ConfigFileError::at(
                    &file.path,
                    setting.line,
                    LineProblem::Removed(message),
                )));
            }
            if key == "config" {
                return Err(Error::Config(ConfigFileError::at(
                    &file.path,
                    setting.line,
                    LineProblem::ConfigKey,
                )));
            }
            if !keys.contains(&key) {
                return Err(Error::Config(ConfigFileError::at(
                    &file.path,
                    setting.line,
                    LineProblem::UnknownKey {
                        key: key.to_string(),
                        suggestion: suggest::closest_key(key, &keys).map(str::to_string),
                    },
                )));
            }
        }
    }
    Ok(())
}

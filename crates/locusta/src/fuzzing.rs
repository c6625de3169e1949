//! Entry points for the fuzz targets in `fuzz/` and their regression tests:
//! each runs this crate's real configuration reading on untrusted text (a
//! `locust.conf`, a `pyproject.toml`, a `--config-users` value), as a run
//! does before it starts, without reading files or starting anything. None
//! may panic, hang or allocate beyond the limits.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::Path;

use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::options::{CustomOption, OptionKind, OptionValue};

use crate::config::{self, ConfigFile};

/// Custom options of every kind, so that files can set them too.
fn custom_options() -> Vec<CustomOption> {
    let choices = || vec!["a".to_string(), "b".to_string()];
    vec![
        CustomOption::new("my-text", "text"),
        CustomOption::new("my-int", "integer")
            .kind(OptionKind::Integer)
            .default_value(OptionValue::Integer(1)),
        CustomOption::new("my-float", "float").kind(OptionKind::Float),
        CustomOption::new("my-flag", "flag").kind(OptionKind::Flag),
        CustomOption::new("my-choice", "choice").kind(OptionKind::Choice(choices())),
        CustomOption::new("my-multi", "multi").kind(OptionKind::MultiChoice(choices())),
        CustomOption::new("my-secret", "secret").secret(),
    ]
}

/// The input read as an ini file (`locust.conf`) and as TOML
/// (`pyproject.toml`); each file that parses is resolved with the command
/// line and its options checked as a run checks them (which reads inline
/// `--config-users` JSON). The input is also read as `--config-users` JSON
/// text, and as JSON given to the per-class settings directly.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut files: Vec<ConfigFile> = Vec::new();
    if let Ok(file) = config::parse_ini(Path::new("locust.conf"), &text) {
        files.push(file);
    }
    if let Ok(Some(file)) = config::parse_toml(Path::new("pyproject.toml"), &text) {
        files.push(file);
    }
    let custom = custom_options();
    let env = HashMap::new();
    let args = [OsString::from("locusta")];
    for file in &files {
        for setting in &file.settings {
            assert!(setting.line >= 1 && setting.line <= text.lines().count().max(1));
        }
        let _ = file.get("users");
        resolve(&args, &env, std::slice::from_ref(file), &custom);
    }
    // Both at once: the TOML file wins over the ini one.
    if files.len() == 2 {
        resolve(&args, &env, &files, &custom);
    }
    // Files never read: a value naming one is left alone.
    if !text.trim_end().ends_with(".json") {
        let _ = UserClassSettings::from_config_values(&[text.to_string()]);
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = UserClassSettings::from_json(value);
    }
}

fn resolve(
    args: &[OsString],
    env: &HashMap<String, String>,
    files: &[ConfigFile],
    custom: &[CustomOption],
) {
    if let Ok(options) = config::resolve_with(args, env, files, custom) {
        let _ = options.validate();
        let _ = options.unavailable();
        if let Some(values) = &options.config_users {
            let inline: Vec<String> = values
                .iter()
                .filter(|v| !v.trim_end().ends_with(".json"))
                .cloned()
                .collect();
            let _ = UserClassSettings::from_config_values(&inline);
        }
    }
}

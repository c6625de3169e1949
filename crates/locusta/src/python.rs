//! The Python locustfile loader (feature `python`): `-f locustfile.py` runs a
//! Locust-style file in an embedded CPython (see the `locusta-python` crate);
//! `--python FILE.py [ARGS…]` runs a script as `__main__` in that same Python.

use std::ffi::OsString;
use std::path::Path;

use locusta_cluster::locustfiles::files_of;
use locusta_engine::options::CustomOption;

pub use locusta_python::exit;

use crate::app::program::{Fatal, Program};
use crate::cli::Options;
use crate::loader::LocustfileLoader;

/// Loads `*.py` locustfiles.
pub struct PythonLoader;

impl LocustfileLoader for PythonLoader {
    /// `file.py`, `a.py,b.py`, or a directory (of `.py` files).
    fn handles(&self, locustfile: &str) -> bool {
        locustfile.split(',').all(|part| part.ends_with(".py"))
            || std::path::Path::new(locustfile).is_dir()
    }

    fn declare(&self, locustfile: &str) -> Result<Vec<CustomOption>, Fatal> {
        locusta_python::start(&files_of(locustfile)).map_err(Fatal::startup)
    }

    /// `FILE [ARGS…]` as Python would run it, with the `locust` package.
    fn run_script(&self, script: &[OsString]) -> Option<i32> {
        let Some((file, args)) = script.split_first() else {
            eprintln!("--python needs a script: locusta --python FILE.py [ARGS…]");
            return Some(2);
        };
        Some(locusta_python::run_script(Path::new(file), args))
    }

    fn load(&self, locustfile: &str, options: &Options) -> Result<Program, Fatal> {
        let settings = locusta_python::Settings {
            locustfiles: files_of(locustfile),
            host: options.host.clone(),
            tags: options.tags.clone(),
            exclude_tags: options.exclude_tags.clone(),
            parsed_options: parsed_options(options),
        };
        let loaded = locusta_python::load(settings).map_err(Fatal::startup)?;
        Ok(Program {
            classes: loaded.classes,
            shapes: loaded.shapes,
            setup: Vec::new(),
            on_runner: vec![Box::new(locusta_python::attach)],
            hostless: loaded.hostless,
            web_extension: Some(locusta_python::web_extension()),
            custom_options: Vec::new(),
            thresholds: Vec::new(),
        })
    }
}

/// The options a locustfile can read from `environment.parsed_options`, with
/// Locust's attribute names.
fn parsed_options(options: &Options) -> serde_json::Value {
    let mut parsed = serde_json::json!({
        "locustfile": options.locustfile,
        "host": options.host,
        "num_users": options.users,
        "spawn_rate": options.spawn_rate,
        "run_time": options.run_time.map(|d| d.as_secs()),
        "headless": options.headless,
        "tags": options.tags,
        "exclude_tags": options.exclude_tags,
        "stop_timeout": options.stop_timeout.as_secs_f64(),
        "iterations": options.iterations,
        "loglevel": options.loglevel.as_str(),
        "user_classes": options.user_classes,
        "csv_prefix": options.csv_prefix,
        "json": options.json,
        "exit_code_on_error": options.exit_code_on_error,
        "reset_stats": options.reset_stats,
        "master": options.master,
        "worker": options.worker,
        "expect_workers": options.expect_workers,
        "processes": options.processes,
        "autostart": options.autostart,
        "autoquit": options.autoquit,
        "web_host": options.web_host,
        "web_port": options.web_port,
        "web_base_path": options.web_base_path,
        "web_login": options.web_login,
        "tls_cert": options.tls_cert,
        "tls_key": options.tls_key,
        "class_picker": options.class_picker,
        "threshold": options.thresholds.thresholds,
        "junit": options.thresholds.junit,
        "check_rps": options.thresholds.check_rps,
        "check_fail_ratio": options.thresholds.check_fail_ratio,
        "check_avg_response_time": options.thresholds.check_avg_response_time,
    });
    if let serde_json::Value::Object(parsed) = &mut parsed {
        parsed.extend(locusta_python::options::attributes(&options.custom));
    }
    parsed
}

//! The files and streams a run writes besides the console: `--csv` (rewritten
//! every second, flushed at the end), `--json`/`--json-file` (with its
//! companion `NAME.generator.json`, the generator's self-check: Locust's
//! array in `NAME.json` has no room for it) and `--html`.
//! Every path is checked before the test starts, so no run is wasted on an
//! unwritable path, and everything is written again at the end, also after
//! Ctrl-C or SIGTERM.

use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;

use locusta_engine::task::task_ratio_tree;
use locusta_engine::user::UserDefinition;
use locusta_engine::Environment;
use locusta_stats::csv::{CsvError, CsvWriter};
use locusta_stats::html::{html_file_name, render_report, ReportMeta};
use locusta_stats::{json, now_epoch, StatsHistory};

use crate::cli::Options;
use crate::stdout::StdoutError;

/// The outputs asked for on the command line, and the history they share.
pub struct Outputs {
    csv: Option<CsvWriter>,
    json_stdout: bool,
    json_file: Option<String>,
    generator_json: Option<String>,
    html: Option<String>,
    full_history: bool,
    history: Arc<Mutex<StatsHistory>>,
}

/// An output that cannot be prepared or written; it names the file.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The `--csv` files.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// `--json` on standard output.
    #[error(transparent)]
    Stdout(#[from] StdoutError),
    /// The folder of a file cannot be created.
    #[error("cannot create the folder of {what} {path}: {error}")]
    Folder {
        /// Which output: `the --json-file`, `the --html report`.
        what: &'static str,
        /// The file.
        path: String,
        /// Why.
        error: std::io::Error,
    },
    /// A file cannot be written.
    #[error("cannot write {what} {path}: {error}")]
    Write {
        /// Which output: `the --json-file`, `the --html report`.
        what: &'static str,
        /// The file.
        path: String,
        /// Why.
        error: std::io::Error,
    },
}

/// Creates (or truncates) a file to prove it can be written, creating parent folders.
pub(crate) fn check_writable(path: &str, what: &'static str) -> Result<(), OutputError> {
    let file = Path::new(path);
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| OutputError::Folder {
            what,
            path: path.to_string(),
            error,
        })?;
    }
    std::fs::File::create(file)
        .map(drop)
        .map_err(|error| OutputError::Write {
            what,
            path: path.to_string(),
            error,
        })
}

/// Writes a report at the end of the run; its folder is created again if it
/// was removed during the run. Errors name the file and the reason.
pub(crate) fn write_file(
    path: &str,
    what: &'static str,
    content: &[u8],
) -> Result<(), OutputError> {
    let file = Path::new(path);
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            log::warn!("the folder of {what} {path} was removed during the run: creating it again");
        }
        std::fs::create_dir_all(parent).map_err(|error| OutputError::Folder {
            what,
            path: path.to_string(),
            error,
        })?;
    }
    std::fs::write(file, content).map_err(|error| OutputError::Write {
        what,
        path: path.to_string(),
        error,
    })
}

impl Outputs {
    /// Opens the CSV files and checks the other paths; errors name the file.
    pub fn prepare(options: &Options) -> Result<Outputs, OutputError> {
        let csv = match &options.csv_prefix {
            Some(prefix) => Some(CsvWriter::create(prefix, options.csv_full_history)?),
            None => None,
        };
        let json_file = options
            .json_file
            .as_ref()
            .map(|name| format!("{name}.json"));
        if let Some(path) = &json_file {
            check_writable(path, "the --json-file")?;
        }
        let generator_json = options
            .json_file
            .as_ref()
            .map(|name| format!("{name}.generator.json"));
        let html = options.html.as_ref().map(|template| {
            html_file_name(
                template,
                options.users.unwrap_or(1),
                options.spawn_rate.unwrap_or(1.0),
                options.run_time.map(|d| d.as_secs()),
            )
        });
        if let Some(path) = &html {
            check_writable(path, "the --html report")?;
        }
        Ok(Outputs {
            csv,
            json_stdout: options.json,
            json_file,
            generator_json,
            html,
            full_history: options.csv_full_history,
            history: Arc::new(Mutex::new(StatsHistory::default())),
        })
    }

    /// The statistics history these outputs record, shared with the web UI.
    pub fn history(&self) -> Arc<Mutex<StatsHistory>> {
        self.history.clone()
    }

    /// Whether the final console tables are printed (`--json-file` suppresses them, as Locust).
    pub fn console_summary(&self) -> bool {
        self.json_file.is_none()
    }

    /// Once a second: a history point, the CSV history rows and rewritten CSV files.
    pub fn tick(&mut self, env: &Environment, user_count: u64) {
        let now = now_epoch();
        let exceptions = env.stats.exceptions();
        let mut stats = env.stats.collect();
        stats.snapshot_response_times(now, self.full_history);
        self.history.lock().record(&stats, user_count, now);
        if let Some(csv) = &mut self.csv {
            let result = csv
                .append_history(&stats, user_count, now)
                .and_then(|()| csv.rewrite(&stats, &exceptions));
            if let Err(error) = result {
                log::error!("{error}");
            }
        }
    }

    /// Writes every output one last time. Returns false if any could not be written.
    pub fn finish(&mut self, env: &Environment, user_count: u64, meta: &ReportMeta) -> bool {
        let now = now_epoch();
        let exceptions = env.stats.exceptions();
        let mut stats = env.stats.collect();
        stats.snapshot_response_times(now, self.full_history);
        self.history.lock().record(&stats, user_count, now);
        let mut ok = true;
        let mut report = |result: Result<(), OutputError>| {
            if let Err(error) = result {
                log::error!("{error}");
                ok = false;
            }
        };
        if let Some(csv) = &mut self.csv {
            report(
                csv.finish(&stats, &exceptions, user_count, now)
                    .map_err(OutputError::from),
            );
        }
        if let Some(path) = &self.generator_json {
            // A report of plain numbers and strings always serialises.
            let text = serde_json::to_string_pretty(&env.health.report()).unwrap_or_default();
            report(write_file(path, "the --json-file", text.as_bytes()));
        }
        if self.json_stdout || self.json_file.is_some() {
            let text = json::stats_json(&stats);
            if self.json_stdout {
                report(crate::stdout::line(&text).map_err(OutputError::from));
            }
            if let Some(path) = &self.json_file {
                report(write_file(path, "the --json-file", text.as_bytes()));
            }
        }
        if let Some(path) = &self.html {
            let page = render_report(&stats, &exceptions, &self.history.lock(), meta);
            report(write_file(path, "the --html report", page.as_bytes()));
        }
        ok
    }
}

/// The report's description of the run (with the generator's verdict so far).
pub fn report_meta(
    options: &Options,
    classes: &[Arc<dyn UserDefinition>],
    env: &Environment,
) -> ReportMeta {
    let start_time = env.stats.start_time();
    let host = options
        .host
        .clone()
        .or_else(|| classes.iter().find_map(|c| c.host().map(str::to_string)))
        .unwrap_or_default();
    let program = std::env::args()
        .next()
        .map(|p| {
            Path::new(&p)
                .file_name()
                .map_or(p.clone(), |n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    ReportMeta {
        profile: options.profile.clone(),
        start_time,
        end_time: now_epoch(),
        host,
        locustfile: options.locustfile.clone().unwrap_or(program),
        user_classes: task_ratio_tree(classes, &Default::default()),
        thresholds: Vec::new(),
        generator: Some(env.health.report().reason_texts()),
    }
}

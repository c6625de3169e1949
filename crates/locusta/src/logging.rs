//! Log lines in Locust's format:
//! `[YYYY-MM-DD HH:MM:SS,mmm] <short-hostname>/<LEVEL>/<logger>: <message>`, to
//! stderr or to `--logfile` (the options of `locust --help`'s group "Logging
//! options").

use std::fs::File;
use std::io::Write;
use std::sync::OnceLock;

use locusta_web::LogBuffer;
use parking_lot::Mutex;

use crate::cli::Options;

/// A `log` logger writing Locust's line format to a sink.
pub struct LocustLogger {
    hostname: String,
    level: log::LevelFilter,
    sink: Mutex<Box<dyn Write + Send>>,
}

impl LocustLogger {
    /// A logger for messages up to `level`, written to `sink`, naming this
    /// machine by its short host name.
    pub fn new(level: log::LevelFilter, sink: Box<dyn Write + Send>) -> Self {
        LocustLogger {
            hostname: short_hostname(),
            level,
            sink: Mutex::new(sink),
        }
    }
}

impl log::Log for LocustLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = format_line(
            &local_timestamp(),
            &self.hostname,
            record.level(),
            record.target(),
            &record.args().to_string(),
        );
        recent_lines().push(&line);
        let mut sink = self.sink.lock();
        let _ = sink.write_all(line.as_bytes());
        let _ = sink.flush();
    }

    fn flush(&self) {
        let _ = self.sink.lock().flush();
    }
}

/// One log line, newline included: Locust's level names (`WARNING`, not
/// `WARN`) and a dotted logger name.
pub fn format_line(
    timestamp: &str,
    hostname: &str,
    level: log::Level,
    target: &str,
    message: &str,
) -> String {
    let level = match level {
        log::Level::Error => "ERROR",
        log::Level::Warn => "WARNING",
        log::Level::Info => "INFO",
        log::Level::Debug | log::Level::Trace => "DEBUG",
    };
    format!(
        "[{timestamp}] {hostname}/{level}/{}: {message}\n",
        logger_name(target)
    )
}

/// The logger name of a `log` target: locusta's own crates become
/// `locusta.<module>` (`locusta_engine::runner` → `locusta.runner`), like
/// Locust's `locust.runners`; other targets get dots for `::`.
pub fn logger_name(target: &str) -> String {
    if target == "locusta" || target.starts_with("locusta_") || target.starts_with("locusta::") {
        let short = target.rsplit("::").next().unwrap_or(target);
        if short == "locusta" {
            return short.to_string();
        }
        return format!("locusta.{}", short.trim_start_matches("locusta_"));
    }
    target.replace("::", ".")
}

/// This machine's host name ([`locusta_cluster::hostname`]) up to the first dot.
pub fn short_hostname() -> String {
    let name = locusta_cluster::hostname();
    name.split('.').next().unwrap_or("localhost").to_string()
}

/// Local time as `YYYY-MM-DD HH:MM:SS,mmm`.
pub fn local_timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    // SAFETY: localtime_r writes into the zeroed struct we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    unsafe { libc::localtime_r(&secs, &mut tm) };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_millis()
    )
}

/// The last log lines written by locusta's logger, for the web UI's Logs tab.
pub fn recent_lines() -> &'static LogBuffer {
    static LINES: OnceLock<LogBuffer> = OnceLock::new();
    LINES.get_or_init(LogBuffer::default)
}

/// `--logfile` cannot be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open --logfile {path}: {error}")]
pub struct LogfileError {
    /// The file, as given.
    pub path: String,
    /// Why it cannot be opened.
    pub error: std::io::Error,
}

/// Installs the logger. Fails when `--logfile` cannot be opened.
pub fn init(level: log::LevelFilter, logfile: Option<&str>) -> Result<(), LogfileError> {
    let sink: Box<dyn Write + Send> = match logfile {
        Some(path) => Box::new(
            File::options()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|error| LogfileError {
                    path: path.to_string(),
                    error,
                })?,
        ),
        None => Box::new(std::io::stderr()),
    };
    // A second init (several runs in one process, as in tests) keeps the first logger.
    if log::set_boxed_logger(Box::new(LocustLogger::new(level, sink))).is_ok() {
        log::set_max_level(level);
    }
    Ok(())
}

/// Locust's logging setup from the options: [`init`] with `--loglevel` and
/// `--logfile`, or nothing at all with `--skip-log-setup` (the program may
/// install its own `log` logger, or have none).
pub fn setup(options: &Options) -> Result<(), LogfileError> {
    if options.skip_log_setup {
        return Ok(());
    }
    init(options.loglevel, options.logfile.as_deref())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use log::Log;

    use super::*;

    /// A sink the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn log_to(logger: &LocustLogger, level: log::Level, target: &str, message: &str) {
        logger.log(
            &log::Record::builder()
                .level(level)
                .target(target)
                .args(format_args!("{message}"))
                .build(),
        );
    }

    #[test]
    fn lines_have_locusts_format() {
        let captured = Captured::default();
        let logger = LocustLogger::new(log::LevelFilter::Info, Box::new(captured.clone()));
        log_to(
            &logger,
            log::Level::Info,
            "locusta_engine::runner",
            "Ramping to 5 users",
        );
        log_to(&logger, log::Level::Warn, "locusta::app", "careful");
        log_to(&logger, log::Level::Debug, "locusta::app", "hidden at INFO");
        log_to(&logger, log::Level::Error, "my_test::checks", "boom");
        let text = String::from_utf8(captured.0.lock().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        let host = short_hostname();
        for (line, tail) in lines.iter().zip([
            format!("] {host}/INFO/locusta.runner: Ramping to 5 users"),
            format!("] {host}/WARNING/locusta.app: careful"),
            format!("] {host}/ERROR/my_test.checks: boom"),
        ]) {
            // [YYYY-MM-DD HH:MM:SS,mmm]
            let stamp = &line[..25];
            assert!(stamp.starts_with('['), "{line}");
            for (i, c) in stamp[1..24].chars().enumerate() {
                match i {
                    4 | 7 => assert_eq!(c, '-', "{line}"),
                    10 => assert_eq!(c, ' ', "{line}"),
                    13 | 16 => assert_eq!(c, ':', "{line}"),
                    19 => assert_eq!(c, ',', "{line}"),
                    _ => assert!(c.is_ascii_digit(), "{line}"),
                }
            }
            assert_eq!(&line[24..], tail, "{line}");
        }
        assert!(!host.contains('.'));
    }

    #[test]
    fn format_line_names_levels_like_python() {
        assert_eq!(
            format_line("T", "h", log::Level::Warn, "locusta", "m"),
            "[T] h/WARNING/locusta: m\n"
        );
        assert_eq!(
            format_line("T", "h", log::Level::Trace, "locusta_http::pool", "m"),
            "[T] h/DEBUG/locusta.pool: m\n"
        );
    }
}

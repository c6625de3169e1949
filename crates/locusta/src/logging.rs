//! Log lines in Locust's format:
//! `[YYYY-MM-DD HH:MM:SS,mmm] <hostname>/<LEVEL>/<logger>: <message>`, to
//! stderr or to `--logfile`.

use std::fs::File;
use std::io::Write;

use parking_lot::Mutex;

struct LocustLogger {
    hostname: String,
    level: log::LevelFilter,
    sink: Mutex<Box<dyn Write + Send>>,
}

impl log::Log for LocustLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            log::Level::Error => "ERROR",
            log::Level::Warn => "WARNING",
            log::Level::Info => "INFO",
            log::Level::Debug | log::Level::Trace => "DEBUG",
        };
        let logger = logger_name(record.target());
        let line = format!(
            "[{}] {}/{}/{}: {}\n",
            local_timestamp(),
            self.hostname,
            level,
            logger,
            record.args()
        );
        let _ = self.sink.lock().write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = self.sink.lock().flush();
    }
}

/// `locusta_engine::runner` → `locusta.runner`.
fn logger_name(target: &str) -> String {
    let short = target.rsplit("::").next().unwrap_or(target);
    format!("locusta.{short}")
}

fn short_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let name = if ok {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "localhost".to_string()
    };
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

/// Installs the logger. Fails with a message when `--logfile` cannot be opened.
pub fn init(level: log::LevelFilter, logfile: Option<&str>) -> Result<(), String> {
    let sink: Box<dyn Write + Send> = match logfile {
        Some(path) => Box::new(
            File::options()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open --logfile {path}: {e}"))?,
        ),
        None => Box::new(std::io::stderr()),
    };
    let logger = LocustLogger {
        hostname: short_hostname(),
        level,
        sink: Mutex::new(sink),
    };
    // A second init (several runs in one process, as in tests) keeps the first logger.
    if log::set_boxed_logger(Box::new(logger)).is_ok() {
        log::set_max_level(level);
    }
    Ok(())
}

//! CSV files (`--csv PREFIX`), as Locust writes them: `PREFIX_stats.csv`,
//! `PREFIX_stats_history.csv`, `PREFIX_failures.csv` and `PREFIX_exceptions.csv`.
//!
//! Content matches Locust's `StatsCSV`/`StatsCSVFileWriter`: the same headers,
//! rows (sorted by name then method, Aggregated last), quoting (Python's `csv`
//! module: fields holding a comma, a double quote, CR or LF are quoted, quotes
//! doubled), line ends (`\r\n`) and number formats: counts as integers,
//! unformatted floats as Python prints them ([`python_float`]), history rates with
//! 6 decimals. One deliberate difference: Locust writes the median and the
//! percentiles as integer milliseconds (its bucket values); locusta's are measured
//! in microseconds, so they are written by [`format_ms`] (`0.38`, `4.2`, `187`),
//! which every CSV reader still parses as a number.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub use crate::time_format::utc_timestamp;
use crate::{ExceptionEntry, RequestStats, StatsEntry, PERCENTILES_TO_REPORT};

/// Header of `PREFIX_stats.csv`.
pub const STATS_HEADER: &str = "Type,Name,Request Count,Failure Count,Median Response Time,\
Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,\
Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%";

/// Header of `PREFIX_stats_history.csv`.
pub const HISTORY_HEADER: &str = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,\
50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,\
Total Median Response Time,Total Average Response Time,Total Min Response Time,\
Total Max Response Time,Total Average Content Size";

/// Header of `PREFIX_failures.csv`.
pub const FAILURES_HEADER: &str = "Method,Name,Error,Occurrences,First Seen,Last Seen";

/// Header of `PREFIX_exceptions.csv`.
pub const EXCEPTIONS_HEADER: &str = "Count,Message,Traceback,Nodes";

/// Line end of Python's `csv.writer` (the `excel` dialect).
const EOL: &str = "\r\n";

/// A float as Python's `repr` prints it: the shortest text that reads back as
/// the same value, with `.0` for integral values (`2.0`), and scientific
/// notation outside 1e-4 ≤ |x| < 1e16 (`1e-05`, `1.5e+16`); `nan`, `inf`, `-inf`.
pub fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "4.245e0", "1e-5".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        if exp < 0 {
            let zeros = "0".repeat((-exp - 1) as usize);
            format!("{sign}0.{zeros}{digits}")
        } else {
            let int_len = exp as usize + 1;
            if digits.len() > int_len {
                format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
            } else {
                let zeros = "0".repeat(int_len - digits.len());
                format!("{sign}{digits}{zeros}.0")
            }
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!(
            "{sign}{first}{dot}{rest}e{exp_sign}{:02}",
            exp.unsigned_abs()
        )
    }
}

/// A median or percentile in ms for the CSV files: up to 2 decimals below
/// 100 ms (`0.38`, `4.2`, `12`), a rounded integer from 100 ms (`187`). Locust
/// writes integers (its 2-significant-digit buckets) in these columns; locusta
/// keeps the sub-millisecond precision it measures, still a plain number.
pub fn format_ms(ms: f64) -> String {
    let text = if ms < 99.995 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.0}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// Appends one record (fields then `\r\n`) to `out`.
fn push_record<S: AsRef<str>>(out: &mut String, fields: impl IntoIterator<Item = S>) {
    let mut line = String::new();
    let mut first = true;
    for field in fields {
        if !first {
            line.push(',');
        }
        first = false;
        let field = field.as_ref();
        if field.contains([',', '"', '\r', '\n']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(field);
        }
    }
    out.push_str(&line);
    out.push_str(EOL);
}

/// The header line (with its line end) of a file.
fn header(text: &str) -> String {
    format!("{text}{EOL}")
}

/// Min response time as Locust writes it: `0` (an int) before any sample.
fn min_field(entry: &StatsEntry) -> String {
    match entry.min_response_time_us {
        Some(_) => python_float(entry.min_response_time()),
        None => "0".to_owned(),
    }
}

/// Max response time as Locust writes it: `0` (an int) before any sample.
fn max_field(entry: &StatsEntry) -> String {
    match entry.min_response_time_us {
        Some(_) => python_float(entry.max_response_time()),
        None => "0".to_owned(),
    }
}

/// Average content size as Locust writes it: `0` (an int) before any request.
fn avg_content_field(entry: &StatsEntry) -> String {
    match entry.num_requests {
        0 => "0".to_owned(),
        _ => python_float(entry.avg_content_length()),
    }
}

/// The percentile columns: `N/A` without requests, else `value(q)` per
/// percentile of [`PERCENTILES_TO_REPORT`].
fn percentile_fields(entry: &StatsEntry, value: impl Fn(f64) -> f64) -> Vec<String> {
    PERCENTILES_TO_REPORT
        .iter()
        .map(|&q| {
            if entry.num_requests == 0 {
                "N/A".to_owned()
            } else {
                format_ms(value(q))
            }
        })
        .collect()
}

/// The whole content of `PREFIX_stats.csv`, header included: one row per
/// (method, name) sorted by name then method, then the Aggregated row (empty
/// Type). Requests/s and Failures/s are total rates.
pub fn stats_csv(stats: &RequestStats) -> String {
    let mut out = header(STATS_HEADER);
    for entry in stats.entries().into_iter().chain([&stats.total]) {
        let (rps, fail_per_sec) = stats.rates(entry, false);
        let mut fields = vec![
            entry.method.clone(),
            entry.name.clone(),
            entry.num_requests.to_string(),
            entry.num_failures.to_string(),
            format_ms(entry.median_response_time()),
            python_float(entry.avg_response_time()),
            min_field(entry),
            max_field(entry),
            avg_content_field(entry),
            python_float(rps),
            python_float(fail_per_sec),
        ];
        fields.extend(percentile_fields(entry, |q| entry.percentile(q)));
        push_record(&mut out, fields);
    }
    out
}

/// The rows to append to `PREFIX_stats_history.csv` at `now` (no header): the
/// Aggregated row only, with cumulative percentiles; or, when `full_history`
/// (`--csv-full-history`), one row per (method, name) and then Aggregated, with
/// current-window percentiles (0 where no snapshot is found: the owner calls
/// [`RequestStats::snapshot_response_times`] with `all_rows` every second).
/// Requests/s and Failures/s are current rates with 6 decimals; the "Total"
/// columns are cumulative.
pub fn history_rows(stats: &RequestStats, user_count: u64, now: f64, full_history: bool) -> String {
    let rows: Vec<&StatsEntry> = if full_history {
        stats.entries()
    } else {
        Vec::new()
    };
    let mut out = String::new();
    for entry in rows.into_iter().chain([&stats.total]) {
        let (rps, fail_per_sec) = stats.rates(entry, true);
        let mut fields = vec![
            (now.floor() as i64).to_string(),
            user_count.to_string(),
            entry.method.clone(),
            entry.name.clone(),
            format!("{rps:.6}"),
            format!("{fail_per_sec:.6}"),
        ];
        fields.extend(percentile_fields(entry, |q| {
            if full_history {
                stats.current_percentile(entry, q, now).unwrap_or(0.0)
            } else {
                entry.percentile(q)
            }
        }));
        fields.extend([
            entry.num_requests.to_string(),
            entry.num_failures.to_string(),
            format_ms(entry.median_response_time()),
            python_float(entry.avg_response_time()),
            min_field(entry),
            max_field(entry),
            avg_content_field(entry),
        ]);
        push_record(&mut out, fields);
    }
    out
}

/// The whole content of `PREFIX_failures.csv`, header included: one row per
/// failure group (sorted by name, method, error), first and last seen as
/// [`utc_timestamp`].
pub fn failures_csv(stats: &RequestStats) -> String {
    let mut out = header(FAILURES_HEADER);
    for error in stats.errors() {
        push_record(
            &mut out,
            [
                error.method.clone(),
                error.name.clone(),
                error.error.clone(),
                error.occurrences.to_string(),
                utc_timestamp(error.first_seen),
                utc_timestamp(error.last_seen),
            ],
        );
    }
    out
}

/// The whole content of `PREFIX_exceptions.csv`, header included: count,
/// message, traceback (quoted when multi-line) and the nodes joined by `", "`.
pub fn exceptions_csv(exceptions: &[ExceptionEntry]) -> String {
    let mut out = header(EXCEPTIONS_HEADER);
    for exception in exceptions {
        let nodes: Vec<&str> = exception.nodes.iter().map(String::as_str).collect();
        push_record(
            &mut out,
            [
                exception.count.to_string(),
                exception.msg.clone(),
                exception.traceback.clone(),
                nodes.join(", "),
            ],
        );
    }
    out
}

/// A CSV file of `--csv` that cannot be written; it names the file.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The folder of the CSV files cannot be created ([`CsvWriter::create`]).
    #[error("cannot create folder '{}' for CSV file '{}': {error}", .dir.display(), .file.display())]
    CreateFolder {
        /// The folder.
        dir: PathBuf,
        /// The first CSV file in it.
        file: PathBuf,
        /// Why it cannot be created.
        error: std::io::Error,
    },
    /// The folder of a CSV file removed during the run cannot be created again.
    #[error("cannot create folder '{}' again for CSV file '{}': {error}", .dir.display(), .file.display())]
    RecreateFolder {
        /// The folder.
        dir: PathBuf,
        /// The CSV file.
        file: PathBuf,
        /// Why it cannot be created.
        error: std::io::Error,
    },
    /// A CSV file cannot be opened, read back, written or flushed.
    #[error("cannot write CSV file '{}': {error}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why writing failed.
        error: std::io::Error,
    },
}

/// One CSV file: its path, handle and where its data rows start.
struct CsvFile {
    path: PathBuf,
    file: File,
    data_start: u64,
}

impl CsvFile {
    /// Creates (truncates) the file and writes `header_line`.
    fn create(path: PathBuf, header_line: &str) -> Result<CsvFile, CsvError> {
        let mut file = open(&path).map_err(|e| write_error(&path, e))?;
        file.write_all(header_line.as_bytes())
            .map_err(|e| write_error(&path, e))?;
        Ok(CsvFile {
            path,
            file,
            data_start: header_line.len() as u64,
        })
    }

    /// Puts the file back at its path when it was removed or replaced during
    /// the run (its folder deleted, say): writes to the open handle would
    /// otherwise go to a file nobody can see. The folder is created again and
    /// the content so far, still readable through the handle, copied over.
    fn relink(&mut self) -> Result<(), CsvError> {
        use std::os::unix::fs::MetadataExt;
        let ours = self
            .file
            .metadata()
            .map_err(|e| write_error(&self.path, e))?;
        let linked = std::fs::metadata(&self.path)
            .is_ok_and(|there| there.dev() == ours.dev() && there.ino() == ours.ino());
        if linked {
            return Ok(());
        }
        log::warn!(
            "CSV file '{}' was removed during the run: writing it again",
            self.path.display()
        );
        let mut content = Vec::new();
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.file.read_to_end(&mut content))
            .map_err(|e| write_error(&self.path, e))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|error| CsvError::RecreateFolder {
                dir: dir.to_path_buf(),
                file: self.path.clone(),
                error,
            })?;
        }
        let mut file = open(&self.path).map_err(|e| write_error(&self.path, e))?;
        file.write_all(&content)
            .map_err(|e| write_error(&self.path, e))?;
        self.file = file;
        Ok(())
    }

    /// Replaces everything after the header with the data of `content` (a whole
    /// file's text, header included).
    fn rewrite(&mut self, content: &str) -> Result<(), CsvError> {
        self.relink()?;
        let data = content.get(self.data_start as usize..).unwrap_or("");
        let result = self
            .file
            .set_len(self.data_start)
            .and_then(|()| self.file.seek(SeekFrom::Start(self.data_start)))
            .and_then(|_| self.file.write_all(data.as_bytes()));
        result.map_err(|e| write_error(&self.path, e))
    }

    /// Appends `rows` at the end.
    fn append(&mut self, rows: &str) -> Result<(), CsvError> {
        self.relink()?;
        let result = self
            .file
            .seek(SeekFrom::End(0))
            .and_then(|_| self.file.write_all(rows.as_bytes()));
        result.map_err(|e| write_error(&self.path, e))
    }

    /// Flushes the file to disk.
    fn sync(&mut self) -> Result<(), CsvError> {
        self.file
            .flush()
            .and_then(|()| self.file.sync_all())
            .map_err(|e| write_error(&self.path, e))
    }
}

/// Opens `path` for reading and writing, created or truncated.
fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}

fn write_error(path: &Path, error: std::io::Error) -> CsvError {
    CsvError::Write {
        path: path.to_path_buf(),
        error,
    }
}

/// The four CSV files of `--csv PREFIX`, kept open during the test.
///
/// Locust rewrites `_stats`, `_failures` and `_exceptions` every second (after
/// their header) and appends to `_stats_history`; call [`CsvWriter::rewrite`]
/// and [`CsvWriter::append_history`] every second and [`CsvWriter::finish`] at
/// the end. Writes go straight to the files (no user-space buffer).
pub struct CsvWriter {
    stats: CsvFile,
    history: CsvFile,
    failures: CsvFile,
    exceptions: CsvFile,
    full_history: bool,
    /// The whole second of the last history rows appended.
    last_history_sec: Option<i64>,
}

impl CsvWriter {
    /// Creates the parent folders of `prefix` and the four files
    /// `PREFIX_stats.csv`, `PREFIX_stats_history.csv`, `PREFIX_failures.csv` and
    /// `PREFIX_exceptions.csv`, truncated, each with its header. `full_history`
    /// is `--csv-full-history`. Call before the test starts so that an
    /// unwritable path fails early; the error names the file or folder.
    pub fn create(prefix: &str, full_history: bool) -> Result<CsvWriter, CsvError> {
        let path = |suffix: &str| PathBuf::from(format!("{prefix}{suffix}"));
        let stats_path = path("_stats.csv");
        if let Some(dir) = stats_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|error| CsvError::CreateFolder {
                dir: dir.to_path_buf(),
                file: stats_path.clone(),
                error,
            })?;
        }
        Ok(CsvWriter {
            stats: CsvFile::create(stats_path, &header(STATS_HEADER))?,
            history: CsvFile::create(path("_stats_history.csv"), &header(HISTORY_HEADER))?,
            failures: CsvFile::create(path("_failures.csv"), &header(FAILURES_HEADER))?,
            exceptions: CsvFile::create(path("_exceptions.csv"), &header(EXCEPTIONS_HEADER))?,
            full_history,
            last_history_sec: None,
        })
    }

    /// Appends the history rows of `now` ([`history_rows`]); call every second.
    pub fn append_history(
        &mut self,
        stats: &RequestStats,
        user_count: u64,
        now: f64,
    ) -> Result<(), CsvError> {
        let rows = history_rows(stats, user_count, now, self.full_history);
        self.history.append(&rows)?;
        self.last_history_sec = Some(now.floor() as i64);
        Ok(())
    }

    /// Rewrites `_stats`, `_failures` and `_exceptions` with the current content
    /// (the headers stay).
    pub fn rewrite(
        &mut self,
        stats: &RequestStats,
        exceptions: &[ExceptionEntry],
    ) -> Result<(), CsvError> {
        self.stats.rewrite(&stats_csv(stats))?;
        self.failures.rewrite(&failures_csv(stats))?;
        self.exceptions.rewrite(&exceptions_csv(exceptions))
    }

    /// The final write (also after Ctrl-C): rewrites the three files, appends the
    /// history rows of `now` unless rows were already appended in that whole
    /// second, and flushes all four files to disk.
    pub fn finish(
        &mut self,
        stats: &RequestStats,
        exceptions: &[ExceptionEntry],
        user_count: u64,
        now: f64,
    ) -> Result<(), CsvError> {
        self.rewrite(stats, exceptions)?;
        if self.last_history_sec != Some(now.floor() as i64) {
            self.append_history(stats, user_count, now)?;
        }
        self.stats.sync()?;
        self.history.sync()?;
        self.failures.sync()?;
        self.exceptions.sync()
    }
}

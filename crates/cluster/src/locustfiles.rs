//! Locustfile distribution (`--worker -f -`): a worker asks its master for
//! the master's locustfiles before it starts, as Locust's workers do, so only
//! the master's machine needs them.
//!
//! The worker connects a temporary DEALER (`<host>_download_locustfile_<hex>`)
//! and sends `locustfile` `{version}` once a second until the master answers
//! `{locustfiles: [{filename, contents}]}` or `{error}`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rmpv::Value;

use crate::message::{map, MapExt};
use crate::transport::{ConnectError, SendError, WorkerSocket};
use crate::Message;

/// How long a worker waits for its master's locustfiles (Locust: 300 s).
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// One locustfile as it travels: its file name and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locustfile {
    /// The file name (no folders).
    pub filename: String,
    /// The file's text.
    pub contents: String,
}

/// The files `-f` `given` names: comma-separated files, and folders standing
/// for the `.py` files in them (not those starting with `_`), in name order.
/// What the Python loader loads, and what a master serves to `-f -` workers.
pub fn files_of(given: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for part in given.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let path = Path::new(part);
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path())
                .filter(|p| {
                    p.extension().is_some_and(|e| e == "py")
                        && !p
                            .file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with('_'))
                })
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.to_path_buf());
        }
    }
    files
}

/// The master's answer to a `locustfile` request for `files`.
pub(crate) fn answer(files: &[PathBuf]) -> Value {
    const USAGE: &str = "locustfile must be a full path to a single locustfile, a comma-separated list of .py files, or a directory of them for file distribution to work";
    if files.is_empty() {
        return map(vec![(
            "error",
            format!("{USAGE} (the master has none)").into(),
        )]);
    }
    let mut served = Vec::new();
    for file in files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match std::fs::read_to_string(file) {
            Ok(contents) if name.ends_with(".py") => served.push(map(vec![
                ("filename", name.into()),
                ("contents", contents.into()),
            ])),
            Ok(_) => {
                return map(vec![(
                    "error",
                    format!("{USAGE} (was '{}')", file.display()).into(),
                )])
            }
            Err(error) => {
                return map(vec![(
                    "error",
                    format!("{USAGE} (cannot read '{}': {error})", file.display()).into(),
                )])
            }
        }
    }
    map(vec![("locustfiles", Value::Array(served))])
}

/// Why a worker has no locustfiles from its master ([`download`]).
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The master cannot be reached.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The request cannot be sent.
    #[error(transparent)]
    Send(#[from] SendError),
    /// No answer within the timeout.
    #[error("the master at {host}:{port} sent no locustfile within {seconds} s")]
    NoAnswer {
        /// The master's host, as given.
        host: String,
        /// The master's port.
        port: u16,
        /// The timeout.
        seconds: u64,
    },
    /// An answer without files.
    #[error(transparent)]
    Answer(#[from] AnswerError),
}

/// A master's answer that brings no usable locustfiles ([`parse_answer`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// The master's own error (it has no locustfiles to send, or cannot read them).
    #[error("the master cannot send its locustfile: {0}")]
    Master(String),
    /// Neither an error nor a list of locustfiles.
    #[error("the master's answer has no locustfiles")]
    NoLocustfiles,
    /// A file that is not a plain `.py` name with contents (its name).
    #[error("the master sent a locustfile locusta cannot use ({0:?})")]
    Unusable(String),
}

/// Asks the master at `host:port` for its locustfiles, within `timeout`.
pub async fn download(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<Locustfile>, DownloadError> {
    let id = format!(
        "{}_download_locustfile_{}",
        crate::hostname(),
        crate::new_node_id().rsplit('_').next().unwrap_or("0")
    );
    let started = Instant::now();
    let (socket, mut inbox) = WorkerSocket::connect(host, port, &id, timeout).await?;
    let request = Message::new(
        "locustfile",
        map(vec![("version", crate::LOCUST_VERSION.into())]),
        &id,
    );
    loop {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(DownloadError::NoAnswer {
                host: host.to_string(),
                port,
                seconds: timeout.as_secs(),
            });
        }
        socket.send(&request).await?;
        let wait = left.min(Duration::from_secs(1));
        let Ok(Some(message)) = tokio::time::timeout(wait, inbox.recv()).await else {
            continue;
        };
        if message.kind != "locustfile" {
            continue;
        }
        return Ok(parse_answer(&message.data)?);
    }
}

/// The files in a master's answer, or its error.
pub(crate) fn parse_answer(data: &Value) -> Result<Vec<Locustfile>, AnswerError> {
    if let Some(error) = data.get_str("error") {
        return Err(AnswerError::Master(error.to_string()));
    }
    let files = data
        .get("locustfiles")
        .and_then(Value::as_array)
        .ok_or(AnswerError::NoLocustfiles)?;
    files
        .iter()
        .map(|file| {
            let filename = file.get_str("filename").unwrap_or("");
            // Only a plain file name: nothing may be written outside the folder.
            let plain = Path::new(filename)
                .file_name()
                .is_some_and(|n| n == filename && filename.ends_with(".py"));
            match (plain, file.get_str("contents")) {
                (true, Some(contents)) => Ok(Locustfile {
                    filename: filename.to_string(),
                    contents: contents.to_string(),
                }),
                // Locust's masters may also name a URL; locusta fetches nothing.
                _ => Err(AnswerError::Unusable(filename.to_string())),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_carry_the_files_or_an_error() {
        let dir = std::env::temp_dir().join(format!("locusta-locustfiles-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("shop.py");
        std::fs::write(&file, "print('hi')\n").unwrap();
        let answer = answer(std::slice::from_ref(&file));
        assert_eq!(
            parse_answer(&answer),
            Ok(vec![Locustfile {
                filename: "shop.py".into(),
                contents: "print('hi')\n".into()
            }])
        );
        assert!(parse_answer(&super::answer(&[]))
            .unwrap_err()
            .to_string()
            .contains("has none"));
        assert!(parse_answer(&super::answer(&[dir.join("missing.py")]))
            .unwrap_err()
            .to_string()
            .contains("cannot read"));
        let sneaky = map(vec![(
            "locustfiles",
            Value::Array(vec![map(vec![
                ("filename", "../evil.py".into()),
                ("contents", "".into()),
            ])]),
        )]);
        assert!(parse_answer(&sneaky).is_err());
        assert_eq!(files_of(dir.to_str().unwrap()), vec![file]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

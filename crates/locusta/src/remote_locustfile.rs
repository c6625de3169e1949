//! `--worker -f -`: the locustfiles come from the master, as in Locust. They
//! are fetched before the command line is parsed (the options they declare
//! must be known to the parser), so the worker's flag and the master's address
//! are read from the arguments and `LOCUST_*` variables here.

use std::ffi::OsString;
use std::path::PathBuf;

use locusta_cluster::locustfiles::{download, DownloadError, DOWNLOAD_TIMEOUT};

/// Locustfiles fetched from a master, in a folder of their own that is
/// removed when this is dropped.
pub struct FetchedLocustfiles {
    folder: PathBuf,
    /// The files, as a `-f` value (comma-separated paths).
    pub locustfile: String,
}

impl Drop for FetchedLocustfiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// Why a worker's locustfiles could not be fetched from its master.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// `-f -` without `--worker`.
    #[error("-f - (locustfiles from the master) only works with --worker")]
    NotAWorker,
    /// `--master-port` (or `LOCUST_MASTER_NODE_PORT`) is not a port.
    #[error("--master-port: '{0}' is not a port")]
    BadPort(String),
    /// The runtime that downloads the files cannot start.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// The master did not hand the files over.
    #[error(transparent)]
    Download(#[from] DownloadError),
    /// The folder for the files cannot be created.
    #[error("cannot write the locustfiles: {0}")]
    Folder(std::io::Error),
    /// A file cannot be written.
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// Fetches the master's locustfiles for a worker started with `-f -`.
pub fn fetch(args: &[OsString]) -> Result<FetchedLocustfiles, FetchError> {
    let env_flag = |name: &str| {
        std::env::var(name)
            .is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"))
    };
    if !(flag_given(args, "--worker") || env_flag("LOCUST_MODE_WORKER")) {
        return Err(FetchError::NotAWorker);
    }
    let host = value_given(args, "--master-host")
        .or_else(|| std::env::var("LOCUST_MASTER_NODE_HOST").ok())
        .unwrap_or_else(|| "127.0.0.1".into());
    let port_text = value_given(args, "--master-port")
        .or_else(|| std::env::var("LOCUST_MASTER_NODE_PORT").ok())
        .unwrap_or_else(|| "5557".into());
    let port: u16 = port_text
        .parse()
        .map_err(|_| FetchError::BadPort(port_text.clone()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(FetchError::Runtime)?;
    let files = runtime.block_on(download(&host, port, DOWNLOAD_TIMEOUT))?;
    let folder = std::env::temp_dir().join(format!("locusta-locustfiles-{}", std::process::id()));
    let mut fetched = FetchedLocustfiles {
        folder: folder.clone(),
        locustfile: String::new(),
    };
    std::fs::create_dir_all(&folder).map_err(FetchError::Folder)?;
    let mut paths = Vec::new();
    for file in files {
        let path = folder.join(&file.filename);
        if let Err(error) = std::fs::write(&path, file.contents) {
            return Err(FetchError::Write { path, error });
        }
        paths.push(path.display().to_string());
    }
    fetched.locustfile = paths.join(",");
    Ok(fetched)
}

/// Whether the flag `name` is among the arguments (before `--`).
fn flag_given(args: &[OsString], name: &str) -> bool {
    args.iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .take_while(|a| *a != "--")
        .any(|a| a == name)
}

/// The value of option `name` among the arguments (`--name v` or `--name=v`; the last wins).
fn value_given(args: &[OsString], name: &str) -> Option<String> {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .take_while(|a| *a != "--")
        .collect();
    let prefix = format!("{name}=");
    let mut found = None;
    for (i, word) in words.iter().enumerate() {
        if *word == name {
            found = words.get(i + 1).map(|v| v.to_string());
        } else if let Some(value) = word.strip_prefix(&prefix) {
            found = Some(value.to_string());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        std::iter::once("locusta")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn the_worker_flag_and_the_masters_address_come_from_the_arguments() {
        let given = args(&[
            "-f",
            "-",
            "--worker",
            "--master-port=6000",
            "--master-host",
            "10.0.0.5",
        ]);
        assert!(flag_given(&given, "--worker"));
        assert_eq!(
            value_given(&given, "--master-port").as_deref(),
            Some("6000")
        );
        assert_eq!(
            value_given(&given, "--master-host").as_deref(),
            Some("10.0.0.5")
        );
        let after = args(&["-f", "-", "--", "--worker"]);
        assert!(!flag_given(&after, "--worker"));
    }
}

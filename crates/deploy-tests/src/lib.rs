//! Helpers for the deployment tests (`tests/compose.rs`, `tests/kubernetes.rs`):
//! running a command with a deadline, reading the repository's YAML files,
//! and taking apart the Compose file's and the manifests' command lines.
//!
//! This crate holds tests only; nothing here is part of locusta.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;

pub use serde_yaml::Value;

/// The repository's root (the workspace's folder).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository's root")
}

/// What a command did: its status (`None` when it was killed at its
/// deadline) and its output.
#[derive(Debug)]
pub struct Ran {
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Ran {
    /// Exited with status 0.
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// Both outputs, for a failure message.
    pub fn describe(&self) -> String {
        let status = match self.status {
            Some(s) => format!("{s}"),
            None => format!("killed after {:.0?} (deadline)", self.elapsed),
        };
        format!(
            "status: {status}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

/// Reads a pipe to its end in a thread; the text arrives on the channel.
fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
        });
    }
    rx
}

/// Runs `cmd` (stdin closed, output captured) and kills it if it has not
/// ended after `timeout`.
pub fn run(cmd: &mut Command, timeout: Duration) -> Ran {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("waiting for {cmd:?}: {e}"),
        }
    };
    // A process the command left behind may hold a pipe open: wait a little,
    // not forever.
    let collect =
        |rx: mpsc::Receiver<String>| rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    Ran {
        status,
        stdout: collect(stdout),
        stderr: collect(stderr),
        elapsed: start.elapsed(),
    }
}

/// Runs `cmd` like [`run`] and panics, with its output, unless it exits 0.
pub fn must(what: &str, cmd: &mut Command, timeout: Duration) -> Ran {
    let ran = run(cmd, timeout);
    assert!(ran.ok(), "{what} failed: {cmd:?}\n{}", ran.describe());
    ran
}

/// Every document of a YAML stream (`---`-separated), empty ones left out.
pub fn yaml_documents(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).expect("valid YAML"))
        .filter(|v: &Value| !v.is_null())
        .collect()
}

/// One YAML file of the repository, parsed.
pub fn yaml_file(relative: &str) -> Value {
    let path = repo_root().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Replaces Compose's `${NAME:-default}` and `${NAME-default}` with their
/// defaults, as when none of the variables is set.
pub fn compose_defaults(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').expect("a closing } in a Compose variable");
        let inner = &after[..end];
        // `${NAME:-x}` and `${NAME-x}`: the default follows the first dash.
        if let Some(dash) = inner.find('-') {
            out.push_str(&inner[dash + 1..]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A Compose `command` (a string split on spaces, or a list) or a
/// Kubernetes `args` list, as words.
pub fn words(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        Value::Sequence(items) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .expect("a scalar")
                    .trim()
                    .to_owned(),
            })
            .collect(),
        other => panic!("not a command: {other:?}"),
    }
}

/// The word after `flag` in a command line (`--flag value`), if any.
pub fn option_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// Follows a path of mapping keys; `Value::Null` when one is missing.
pub fn at<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    static NULL: Value = Value::Null;
    let mut v = value;
    for key in path {
        v = match v.get(*key) {
            Some(next) => next,
            None => return &NULL,
        };
    }
    v
}

/// A string at `path`, or a panic naming the path.
pub fn str_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    at(value, path)
        .as_str()
        .unwrap_or_else(|| panic!("no string at {}", path.join(".")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_defaults_take_the_default_of_both_forms() {
        assert_eq!(compose_defaults("${A:-x:1}/${B-}/c"), "x:1//c");
        assert_eq!(
            compose_defaults("-H ${H:-http://t:8080} end"),
            "-H http://t:8080 end"
        );
        assert_eq!(compose_defaults("${NONE}"), "");
    }

    #[test]
    fn words_and_options() {
        let args = words(&Value::String("-f /a.py --worker --master-host m".into()));
        assert_eq!(option_value(&args, "--master-host"), Some("m"));
        assert_eq!(option_value(&args, "-f"), Some("/a.py"));
        assert_eq!(option_value(&args, "--nope"), None);
    }

    #[test]
    fn run_kills_at_the_deadline() {
        let ran = run(Command::new("sleep").arg("30"), Duration::from_millis(200));
        assert!(ran.status.is_none());
        let ran = run(
            Command::new("sh").args(["-c", "echo hi; exit 3"]),
            Duration::from_secs(10),
        );
        assert_eq!(ran.status.and_then(|s| s.code()), Some(3));
        assert_eq!(ran.stdout.trim(), "hi");
    }

    #[test]
    fn yaml_streams_split_into_documents() {
        let docs = yaml_documents("a: 1\n---\nb: [x]\n---\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(words(at(&docs[1], &["b"])), ["x"]);
    }
}

//! Helpers the Python integration tests share: the real `locusta` binary run
//! with a time limit, its output, and the paths of the test locustfiles and
//! examples.
#![allow(dead_code)]

/// Master and worker processes (distributed and network-fault tests).
pub mod cluster;
/// Network namespaces and faults between them (network-fault tests).
pub mod netns;
/// The web UI of a running `locusta` (web tests).
pub mod ui;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every run is bounded: a run that does not end by itself within this is a hang.
pub const LIMIT: Duration = Duration::from_secs(60);

/// A locustfile of `examples/`.
pub fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A locustfile written for these tests.
pub fn locustfile(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/locustfiles")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// `--json` rows by name: (requests, failures).
    pub fn rows(&self) -> BTreeMap<String, (u64, u64)> {
        let start = self.stdout.find("\n[").map_or(0, |i| i + 1);
        let start = if self.stdout.starts_with('[') {
            0
        } else {
            start
        };
        let end = self.stdout.rfind(']').map_or(self.stdout.len(), |i| i + 1);
        let rows: serde_json::Value = serde_json::from_str(&self.stdout[start..end])
            .unwrap_or_else(|e| panic!("no JSON in stdout ({e}):\n{}", self.stdout));
        rows.as_array()
            .expect("a JSON array")
            .iter()
            .map(|row| {
                (
                    row["name"].as_str().unwrap_or_default().to_string(),
                    (
                        row["num_requests"].as_u64().unwrap_or_default(),
                        row["num_failures"].as_u64().unwrap_or_default(),
                    ),
                )
            })
            .collect()
    }
}

/// Fails with the whole of `text` when it lacks `wanted`.
#[track_caller]
pub fn assert_contains(text: &str, wanted: &str) {
    assert!(text.contains(wanted), "{wanted:?} is missing from:\n{text}");
}

/// The line of `text` that starts with `prefix`, without it.
#[track_caller]
pub fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"))
}

/// `key=value` of a line of `key=value` words.
#[track_caller]
pub fn field<'a>(words: &'a str, key: &str) -> &'a str {
    words
        .split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|w| w.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key}= in {words:?}"))
}

/// The number `key=N` of a line of `key=value` words.
#[track_caller]
pub fn number(words: &str, key: &str) -> u64 {
    field(words, key)
        .parse()
        .unwrap_or_else(|e| panic!("{key} in {words:?}: {e}"))
}

/// Runs the binary headless; kills it (and fails) past [`LIMIT`].
pub fn locusta(args: &[&str]) -> Run {
    locusta_with_env(args, &[])
}

/// As [`locusta`], with extra environment variables.
pub fn locusta_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let args: Vec<&str> = std::iter::once("--headless")
        .chain(args.iter().copied())
        .collect();
    run_binary(&args, env)
}

/// Runs the binary with exactly these arguments; kills it (and fails) past [`LIMIT`].
pub fn run_binary(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_locusta"))
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("locusta starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "locusta {args:?} did not end within {LIMIT:?}:\n{}",
                err.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

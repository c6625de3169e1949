//! A real Prometheus for the `/metrics` tests, and `promtool`: both from
//! Debian's `prometheus` package, which `scripts/setup.sh test` installs.
//!
//! [`Prometheus::start`] runs a server in the test's folder (its own
//! configuration, data folder and port on 127.0.0.1) that scrapes the given
//! targets every second; [`Prometheus::query`] asks its HTTP API.
//! [`promtool_check`] checks a `/metrics` text the way Prometheus's own
//! tool does (the format's syntax and its naming rules).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::net::{free_port, try_request};
use super::process::Proc;
use super::timed::wait_until;

/// A Debian `prometheus` package program, or a failure saying how to get it.
fn program(name: &str) -> PathBuf {
    let path = Path::new("/usr/bin").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/setup.sh test (it installs Debian's prometheus package)",
        path.display()
    );
    path
}

/// A running Prometheus server; see the module's documentation.
pub struct Prometheus {
    pub proc: Proc,
    address: String,
}

impl Prometheus {
    /// Starts Prometheus in `dir`, scraping `/metrics` of every `host:port`
    /// in `targets` every second, and waits (at most 30 s) until it is ready.
    pub fn start(dir: &Path, targets: &[&str]) -> Prometheus {
        let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: locusta\n    static_configs:\n      - targets: [{}]\n",
                targets.join(", ")
            ),
        )
        .unwrap();
        let address = format!("127.0.0.1:{}", free_port());
        let args = [
            format!("--config.file={}", config.display()),
            format!(
                "--storage.tsdb.path={}",
                dir.join("prometheus-data").display()
            ),
            format!("--web.listen-address={address}"),
            "--log.level=warn".to_string(),
        ];
        let proc = Proc::start(&program("prometheus"), &args, dir, "prometheus");
        let prometheus = Prometheus { proc, address };
        wait_until(Duration::from_secs(30), "Prometheus ready", || {
            try_request(&prometheus.address, "GET", "/-/ready", &[], "")
                .is_ok_and(|answer| answer.status() == 200)
        });
        prometheus
    }

    /// The result of the instant query `expr` (at `time`, epoch seconds, or
    /// now): each series' labels and value.
    #[track_caller]
    pub fn query(&self, expr: &str, time: Option<f64>) -> Vec<(serde_json::Value, f64)> {
        let mut path = format!("/api/v1/query?query={}", percent_encode(expr));
        if let Some(time) = time {
            path.push_str(&format!("&time={time:.3}"));
        }
        let answer = try_request(&self.address, "GET", &path, &[], "")
            .unwrap_or_else(|e| panic!("querying Prometheus: {e}\n{}", self.proc.log()));
        let body: serde_json::Value = serde_json::from_str(&answer.body)
            .unwrap_or_else(|e| panic!("{expr}: not JSON ({e}): {}", answer.body));
        assert_eq!(body["status"], "success", "{expr}: {body}");
        body["data"]["result"]
            .as_array()
            .unwrap_or_else(|| panic!("{expr}: {body}"))
            .iter()
            .map(|series| {
                let value = series["value"][1]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("{expr}: {series}"));
                (series["metric"].clone(), value)
            })
            .collect()
    }

    /// The value of a query that gives exactly one series.
    #[track_caller]
    pub fn value(&self, expr: &str, time: Option<f64>) -> f64 {
        let result = self.query(expr, time);
        assert_eq!(result.len(), 1, "{expr} at {time:?}: {result:?}");
        result[0].1
    }
}

/// `text` percent-encoded for a query string.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Fails, with promtool's words, unless `promtool check metrics` accepts
/// `text` (syntax, types, and Prometheus's naming rules).
#[track_caller]
pub fn promtool_check(text: &str) {
    let mut child = Command::new(program("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    child
        .stdin
        .take()
        .expect("promtool's stdin")
        .write_all(text.as_bytes())
        .expect("promtool reads the text");
    let output = child.wait_with_output().expect("promtool ends");
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

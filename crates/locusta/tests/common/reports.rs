//! The reports a run writes, read back: the `Aggregated` row of a `--csv`
//! stats file and the rows of `--json` output, and a `--junit` file checked
//! against its schema ([`validate_junit`]).
//!
//! Shared by the tests of `crates/locusta` and `crates/wheel` (the wheel's
//! `tests/common` includes this file with `#[path]`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use super::timed::Run;

/// The `Aggregated` row of a `--csv` stats file: (requests, failures).
pub fn csv_totals(stats_csv: &Path) -> (u64, u64) {
    let text = std::fs::read_to_string(stats_csv)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", stats_csv.display()));
    let row = text
        .lines()
        .find(|line| line.starts_with(",Aggregated,"))
        .unwrap_or_else(|| panic!("no Aggregated row in:\n{text}"));
    let fields: Vec<&str> = row.split(',').collect();
    (
        fields[2].parse().expect("a request count"),
        fields[3].parse().expect("a failure count"),
    )
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

/// `xmllint --schema junit.xsd FILE`; the test fails if xmllint is missing.
pub fn validate_junit(file: &Path) {
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../locusta/tests/thresholds/junit.xsd");
    let output = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "xmllint cannot run ({e}): run scripts/setup.sh test (it installs libxml2-utils)"
            )
        });
    assert!(
        output.status.success(),
        "{} does not validate:\n{}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

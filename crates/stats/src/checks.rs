//! Checks: named assertions that are counted, never fail a request (k6's
//! `check`). A user's code states `check("status is 200", ok)`; each name
//! keeps how many times it held and how many it did not. The table lives
//! beside the request rows in [`crate::RequestStats`], so it is sharded per
//! load thread, merged by [`crate::SharedStats::collect`], sent in workers'
//! reports and reset with the rest of the statistics. [`Checks::json`] is
//! the `NAME.checks.json` document written beside `--json-file NAME`.

use std::collections::BTreeMap;

/// The counts of one check name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckCounts {
    /// Times the condition held.
    pub passes: u64,
    /// Times it did not.
    pub fails: u64,
}

impl CheckCounts {
    /// Passes + fails.
    pub fn total(&self) -> u64 {
        self.passes.saturating_add(self.fails)
    }

    /// Passes ÷ total, 1 when the check never ran.
    pub fn pass_ratio(&self) -> f64 {
        match self.total() {
            0 => 1.0,
            total => self.passes as f64 / total as f64,
        }
    }

    fn add(&mut self, other: CheckCounts) {
        self.passes = self.passes.saturating_add(other.passes);
        self.fails = self.fails.saturating_add(other.fails);
    }
}

/// Checks by name, in name order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checks {
    by_name: BTreeMap<String, CheckCounts>,
}

impl Checks {
    /// Counts one evaluation of check `name`. Allocates only for a new name.
    pub fn log(&mut self, name: &str, passed: bool) {
        let one = if passed {
            CheckCounts {
                passes: 1,
                fails: 0,
            }
        } else {
            CheckCounts {
                passes: 0,
                fails: 1,
            }
        };
        self.add(name, one);
    }

    /// Adds `counts` to check `name` (a shard's or a worker's figures).
    pub fn add(&mut self, name: &str, counts: CheckCounts) {
        match self.by_name.get_mut(name) {
            Some(entry) => entry.add(counts),
            None => {
                self.by_name.insert(name.to_owned(), counts);
            }
        }
    }

    /// Adds every check of `other`.
    pub fn merge(&mut self, other: &Checks) {
        for (name, counts) in &other.by_name {
            self.add(name, *counts);
        }
    }

    /// Moves the counts into `dst`, leaving this table empty.
    pub(crate) fn drain_into(&mut self, dst: &mut Checks) {
        for (name, counts) in std::mem::take(&mut self.by_name) {
            dst.add(&name, counts);
        }
    }

    /// Removes every check.
    pub fn clear(&mut self) {
        self.by_name.clear();
    }

    /// Whether no check ran.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The checks in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, CheckCounts)> {
        self.by_name.iter().map(|(name, c)| (name.as_str(), *c))
    }

    /// The counts of one name, if it ran.
    pub fn get(&self, name: &str) -> Option<CheckCounts> {
        self.by_name.get(name).copied()
    }

    /// The checks as a JSON document (4-space indents, as Locust's JSON):
    /// `{"checks": [{"name", "passes", "fails", "pass_ratio"}…], "passes",
    /// "fails"}`, the checks in name order.
    pub fn json(&self) -> String {
        let row = |name: &str, counts: CheckCounts| {
            serde_json::json!({
                "name": name,
                "passes": counts.passes,
                "fails": counts.fails,
                "pass_ratio": counts.pass_ratio(),
            })
        };
        let total = self.total();
        let document = serde_json::json!({
            "checks": self.iter().map(|(n, c)| row(n, c)).collect::<Vec<_>>(),
            "passes": total.passes,
            "fails": total.fails,
        });
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        serde::Serialize::serialize(&document, &mut serializer)
            .expect("serialising to memory does not fail");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// The sum over every name.
    pub fn total(&self) -> CheckCounts {
        let mut sum = CheckCounts::default();
        for counts in self.by_name.values() {
            sum.add(*counts);
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_merge_and_drain() {
        let mut shard = Checks::default();
        shard.log("ok", true);
        shard.log("ok", false);
        shard.log("body", true);
        let mut merged = Checks::default();
        shard.drain_into(&mut merged);
        assert!(shard.is_empty());
        shard.log("ok", true);
        shard.drain_into(&mut merged);
        assert_eq!(
            merged.get("ok"),
            Some(CheckCounts {
                passes: 2,
                fails: 1
            })
        );
        assert_eq!(
            merged.total(),
            CheckCounts {
                passes: 3,
                fails: 1
            }
        );
        assert_eq!(merged.total().pass_ratio(), 0.75);
        let names: Vec<&str> = merged.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["body", "ok"]);
        let json: serde_json::Value = serde_json::from_str(&merged.json()).unwrap();
        assert_eq!(json["checks"][1]["name"], "ok");
        assert_eq!(json["checks"][1]["fails"], 1);
        assert_eq!(json["passes"], 3);
    }

    #[test]
    fn the_console_table_lists_each_check_and_the_total() {
        let mut stats = crate::RequestStats::new(0.0);
        assert_eq!(crate::console::checks_table(&stats, 30), "");
        for i in 0..4 {
            stats.log_check("status is 200", i != 0);
        }
        let table = crate::console::checks_table(&stats, 30);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "Checks");
        assert!(lines[3].starts_with("status is 200"), "{table}");
        assert!(lines[3].ends_with("3          1    75.00%"), "{table}");
        assert!(lines[5].starts_with("All checks"), "{table}");
    }
}

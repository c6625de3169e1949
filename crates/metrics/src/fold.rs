//! Bounded cardinality: at most `--metrics-max-names` request names get
//! series of their own; the rows of every other name are folded, per method,
//! into one row named [`OTHER`].
//!
//! Which names keep their series must not change from one scrape to the
//! next, or a counter would jump between series and Prometheus would see
//! false resets. So [`NameBudget`] remembers the names it has admitted:
//! a name, once admitted, stays admitted while the statistics have a row for
//! it; new names are admitted while there is room, the busiest first. A name
//! whose rows are gone (a new test cleared the statistics) gives its place
//! back.

use std::collections::{BTreeMap, HashSet};

use locusta_stats::StatsEntry;

/// The name of the folded rows.
pub const OTHER: &str = "__other__";

/// The names that have series of their own.
pub(crate) struct NameBudget {
    max: usize,
    admitted: HashSet<String>,
}

/// The rows of one scrape: those shown as they are, and one merged row per
/// method for the folded names.
pub(crate) struct Folded<'a> {
    /// Rows of admitted names, in the statistics' order (name, method).
    pub(crate) kept: Vec<&'a StatsEntry>,
    /// One row per method, named [`OTHER`], for the other names.
    pub(crate) other: Vec<StatsEntry>,
    /// How many distinct names were folded.
    pub(crate) names_folded: usize,
}

impl NameBudget {
    /// A budget of `max` names (0: every name is folded).
    pub(crate) fn new(max: usize) -> Self {
        NameBudget {
            max,
            admitted: HashSet::new(),
        }
    }

    /// The most names with series of their own.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// Sorts `rows` (sorted by name, then method) into kept and folded,
    /// admitting new names while there is room.
    pub(crate) fn fold<'a>(&mut self, rows: &[&'a StatsEntry]) -> Folded<'a> {
        let present: HashSet<&str> = rows.iter().map(|row| row.name.as_str()).collect();
        self.admitted.retain(|name| present.contains(name.as_str()));
        if self.admitted.len() < self.max {
            // New names, busiest first (requests of all their methods).
            let mut candidates: BTreeMap<&str, u64> = BTreeMap::new();
            for row in rows {
                if !self.admitted.contains(row.name.as_str()) {
                    *candidates.entry(row.name.as_str()).or_default() += row.num_requests;
                }
            }
            let mut candidates: Vec<(&str, u64)> = candidates.into_iter().collect();
            candidates.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let room = self.max - self.admitted.len();
            for (name, _) in candidates.into_iter().take(room) {
                self.admitted.insert(name.to_owned());
            }
        }
        let mut kept = Vec::with_capacity(rows.len().min(self.max.saturating_mul(2)));
        let mut other: BTreeMap<&str, StatsEntry> = BTreeMap::new();
        let mut folded_names = HashSet::new();
        for row in rows {
            if self.admitted.contains(row.name.as_str()) {
                kept.push(*row);
                continue;
            }
            folded_names.insert(row.name.as_str());
            other
                .entry(row.method.as_str())
                .or_insert_with(|| StatsEntry::new(&row.method, OTHER, row.start_time))
                .merge(row);
        }
        Folded {
            kept,
            other: other.into_values().collect(),
            names_folded: folded_names.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(method: &str, name: &str, requests: u64) -> StatsEntry {
        let mut entry = StatsEntry::new(method, name, 1.0);
        for _ in 0..requests {
            entry.log(Some(1000), 0, 2.0);
        }
        entry
    }

    #[test]
    fn busiest_names_are_admitted_and_stay() {
        let mut budget = NameBudget::new(2);
        let rows = [
            row("GET", "/a", 1),
            row("GET", "/b", 5),
            row("POST", "/b", 1),
            row("GET", "/c", 3),
        ];
        let refs: Vec<&StatsEntry> = rows.iter().collect();
        let folded = budget.fold(&refs);
        let kept: Vec<(&str, &str)> = folded
            .kept
            .iter()
            .map(|r| (r.method.as_str(), r.name.as_str()))
            .collect();
        assert_eq!(kept, [("GET", "/b"), ("POST", "/b"), ("GET", "/c")]);
        assert_eq!(folded.names_folded, 1);
        assert_eq!(folded.other.len(), 1);
        assert_eq!(folded.other[0].name, OTHER);
        assert_eq!(folded.other[0].num_requests, 1);

        // /a gets busier: the admitted names do not change.
        let rows = [
            row("GET", "/a", 50),
            row("GET", "/b", 5),
            row("GET", "/c", 3),
        ];
        let refs: Vec<&StatsEntry> = rows.iter().collect();
        let folded = budget.fold(&refs);
        assert_eq!(folded.kept.len(), 2);
        assert_eq!(folded.other[0].num_requests, 50);

        // /b is gone (the statistics were cleared): /a takes its place.
        let rows = [row("GET", "/a", 1), row("GET", "/c", 3)];
        let refs: Vec<&StatsEntry> = rows.iter().collect();
        let folded = budget.fold(&refs);
        assert_eq!(folded.kept.len(), 2);
        assert!(folded.other.is_empty());
        assert_eq!(folded.names_folded, 0);
    }

    #[test]
    fn folded_rows_are_merged_per_method() {
        let mut budget = NameBudget::new(0);
        let rows = [
            row("GET", "/a", 1),
            row("GET", "/b", 2),
            row("POST", "/c", 4),
        ];
        let refs: Vec<&StatsEntry> = rows.iter().collect();
        let folded = budget.fold(&refs);
        assert!(folded.kept.is_empty());
        assert_eq!(folded.names_folded, 3);
        let other: Vec<(&str, u64, u64)> = folded
            .other
            .iter()
            .map(|r| (r.method.as_str(), r.num_requests, r.histogram().len()))
            .collect();
        assert_eq!(other, [("GET", 3, 3), ("POST", 4, 4)]);
    }
}

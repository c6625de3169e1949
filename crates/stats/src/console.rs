//! Locust's console tables: the periodic statistics table, the final
//! "Response time percentiles" table and the error report.

use crate::RequestStats;

/// The statistics table. `current` selects current rates (the periodic table)
/// rather than total rates (the final summary). `name_width` is Locust's
/// `STATS_NAME_WIDTH` (80 when not a terminal).
pub fn stats_table(stats: &RequestStats, current: bool, name_width: usize) -> String {
    let _ = (stats, current, name_width);
    todo!()
}

/// The "Response time percentiles" table (exact, not approximated).
pub fn percentiles_table(stats: &RequestStats, name_width: usize) -> String {
    let _ = (stats, name_width);
    todo!()
}

/// The "Error report" table; empty when there were no failures.
pub fn error_report(stats: &RequestStats) -> String {
    let _ = stats;
    todo!()
}

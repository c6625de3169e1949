//! Thresholds: the objectives a load test must meet, and the verdict.
//!
//! A threshold is a short expression — `p95 < 300ms`,
//! `fail_ratio{name:/cart} < 1% over 30s`, `rps > 100 after 10s`,
//! `avg{method:GET,name:/x} < 200ms abort after 5s` — read by [`parse`]
//! (the grammar: [`parse`]'s module, and `docs/thresholds.md`). An
//! [`Evaluator`] judges a test's thresholds against the statistics that
//! `locusta-stats` keeps, once a second while the test runs (telling when
//! one with `abort` must stop it) and once at its end, giving one
//! [`Verdict`] per threshold. The verdicts are shown as a console table and
//! a JSON document ([`report`]) and as JUnit XML ([`junit`]).
//!
//! Why a crate of its own: it is a policy on top of the statistics (a
//! grammar, windows, verdicts) that the `locusta` binary, the web UI and the
//! master of a distributed run all use, while `locusta-stats` only records
//! and renders Locust's own formats. It depends on `locusta-stats` alone.
//!
//! ```
//! use locusta_stats::RequestStats;
//! use locusta_thresholds::{parse, Evaluator, Outcome};
//!
//! let mut stats = RequestStats::new(100.0);
//! let mut evaluator = Evaluator::new(vec![parse("p95 < 300ms").unwrap()], &stats, 100.0);
//! for i in 0..100 {
//!     stats.log_request("GET", "/", Some(1_000 * (i % 50)), 0, 100.5);
//! }
//! assert!(evaluator.tick(&stats, 101.0).is_none());
//! let verdicts = evaluator.finish(&stats, 102.0);
//! assert_eq!(verdicts[0].outcome, Outcome::Passed);
//! ```

mod evaluate;
mod expr;
pub mod junit;
mod parse;
pub mod report;
mod totals;

pub use evaluate::{Abort, Evaluator, Live, Outcome, Status, Verdict};
pub use expr::{Kind, Metric, Op, Scope, Threshold};
pub use parse::{parse, ParseError};
pub use totals::{Span, Totals};

/// The exit code of a run whose thresholds failed (k6's, so that CI scripts
/// can tell "objectives missed" from "the test could not run").
pub const EXIT_CODE: i32 = 99;

//! locusta's Prometheus metrics: `GET /metrics` in the Prometheus text
//! format, rendered at each scrape from the run's statistics and runner.
//!
//! Why a crate of its own: two servers answer `/metrics` — the web UI
//! (`locusta-web`, on its own port) and the small server of `--metrics-port`
//! that headless, master and worker runs start without the web UI
//! ([`serve`]). Both need the same text; putting it in `locusta-web` would
//! make a headless run depend on the web UI, and putting it in `locusta`
//! would make the web UI depend on the binary's crate. This crate depends
//! only on the engine and the statistics, and both servers depend on it.
//!
//! * [`Exporter`]: what a server holds — the runner and the name budget —
//!   and [`Exporter::render`], the text of one scrape;
//! * [`text`]: the format itself (escaping, numbers, headers);
//! * `requests`: requests, failures, the response-time histogram and
//!   percentiles; `process`: state, users, workers, the generator's health;
//! * `fold`: at most `--metrics-max-names` names, the others folded into
//!   `name="__other__"`;
//! * `server`: the `--metrics-port` server.
//!
//! Every metric, its labels and units are described in `docs/metrics.md`.

mod fold;
mod process;
mod requests;
mod server;
pub mod text;

use std::sync::Arc;

use locusta_engine::runner::Runner;
use parking_lot::Mutex;

pub use fold::OTHER;
pub use requests::BUCKETS_US;
pub use server::{answer, serve, MetricsServer, ServeError};

/// The default of `--metrics-max-names`.
pub const DEFAULT_MAX_NAMES: usize = 1000;

/// The content type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders `/metrics` for one runner (a local run's, or a master's, whose
/// statistics are the merged view of its workers).
pub struct Exporter {
    runner: Arc<Runner>,
    names: Mutex<fold::NameBudget>,
}

impl Exporter {
    /// An exporter of `runner`'s metrics giving at most `max_names` request
    /// names series of their own.
    pub fn new(runner: Arc<Runner>, max_names: usize) -> Self {
        Exporter {
            runner,
            names: Mutex::new(fold::NameBudget::new(max_names)),
        }
    }

    /// The text of one scrape. Takes the statistics' merged view for as
    /// long as the request metrics take to write (tens of milliseconds with
    /// 10,000 names): call it off the async threads.
    pub fn render(&self) -> String {
        let mut text;
        let start_time;
        {
            let stats = self.runner.environment().stats.collect();
            let rows = stats.entries();
            let mut names = self.names.lock();
            let folded = names.fold(&rows);
            let mut shown: Vec<&locusta_stats::StatsEntry> = folded.kept.clone();
            shown.extend(folded.other.iter());
            text = text::TextWriter::with_capacity(4096 + shown.len() * 3000);
            write_folding(&mut text, names.max(), folded.names_folded);
            requests::write(&mut text, &shown, &stats.total);
            start_time = stats.start_time();
        }
        process::write(&mut text, &self.runner, start_time);
        text.finish()
    }
}

/// The folding gauges, and a comment saying so when names were folded.
fn write_folding(text: &mut text::TextWriter, max: usize, folded: usize) {
    if folded > 0 {
        text.comment(&format!(
            "{folded} request names beyond --metrics-max-names {max} are folded into name=\"{OTHER}\""
        ));
    }
    text.header(
        "locusta_metrics_names_folded",
        text::Kind::Gauge,
        "Request names whose rows are folded into name=\"__other__\" (beyond --metrics-max-names).",
    );
    text.sample("locusta_metrics_names_folded", &[], folded as u64);
    text.header(
        "locusta_metrics_max_names",
        text::Kind::Gauge,
        "--metrics-max-names: the most request names with series of their own.",
    );
    text.sample("locusta_metrics_max_names", &[], max as u64);
}

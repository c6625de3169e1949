//! The run's thresholds ([`Judge`]): judged once a second while a test runs,
//! over the statistics the run collects (on a master, the workers' merged
//! statistics, so a distributed run is judged exactly as a local one), and
//! once at the end, where they give the table after the console summary,
//! `NAME.thresholds.json` next to `--json-file NAME`, the `--junit` file and
//! the exit code ([`Judge::exit_code`]). The checks of the run
//! (`locust.check`, `u.check`) go to the same outputs: `NAME.checks.json`
//! and a `checks` suite of the `--junit` file; they decide no exit code
//! (only a `checks` threshold does).
//!
//! A threshold with `abort` that fails stops the test through the engine's
//! `TestSession::stop` with the reason (logged by the session): a headless
//! run then ends as at its run time, the web UI stops the test as its Stop
//! button does and stays.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use locusta_engine::runner::RunnerState;
use locusta_engine::session::TestSession;
use locusta_engine::Environment;
use locusta_stats::html::ReportThreshold;
use locusta_stats::{now_epoch, RequestStats};
use locusta_thresholds::{
    junit, parse, report, Evaluator, Live, Status, Threshold, Verdict, EXIT_CODE,
};

use super::program::Fatal;
use super::stderr::print_stderr;
use crate::cli::Options;
use crate::outputs::{check_writable, write_file, OutputError};
use crate::thresholds::{declared, Origin, CHECK_EXIT_CODE};

/// How often thresholds are judged while a test runs.
const EVALUATION_INTERVAL: Duration = Duration::from_secs(1);

/// The thresholds of a run and their state.
pub(crate) struct Judge {
    /// The options' and the program's thresholds.
    declared: Vec<(Threshold, Origin)>,
    /// What the current test judges: those, then user code's
    /// (`Environment::thresholds`, e.g. a locustfile's `environment.thresholds`).
    judged: Mutex<Vec<(Threshold, Origin)>>,
    evaluator: Mutex<Option<(Evaluator, f64)>>,
    junit: Option<String>,
    json_file: Option<String>,
    /// `NAME.checks.json` beside `--json-file NAME`.
    checks_json_file: Option<String>,
    /// `--check-fail-ratio` was given: failures alone do not set the exit
    /// code (locust-plugins sets `exit_code_on_error` to 0).
    fail_ratio_checked: bool,
    verdicts: Mutex<Option<Vec<Verdict>>>,
}

impl Judge {
    /// The run's thresholds: the options', then `extra` (the program's). Bad
    /// expressions and unwritable files end the run before it starts. A
    /// worker judges nothing and writes no file (its master does both).
    pub(crate) fn new(options: &Options, extra: &[String]) -> Result<Arc<Judge>, Fatal> {
        let thresholds = declared(&options.thresholds, extra).map_err(Fatal::startup)?;
        let junit = options.thresholds.junit.clone().filter(|_| !options.worker);
        if let Some(path) = &junit {
            check_writable(path, "the --junit file").map_err(Fatal::startup)?;
        }
        let json_file = options
            .json_file
            .as_ref()
            .filter(|_| !options.worker)
            .map(|name| format!("{name}.thresholds.json"));
        let checks_json_file = options
            .json_file
            .as_ref()
            .filter(|_| !options.worker)
            .map(|name| format!("{name}.checks.json"));
        if let Some(path) = json_file.as_ref().filter(|_| !thresholds.is_empty()) {
            check_writable(path, "the thresholds' JSON file").map_err(Fatal::startup)?;
        }
        Ok(Arc::new(Judge {
            fail_ratio_checked: options.thresholds.check_fail_ratio.is_some(),
            judged: Mutex::new(thresholds.clone()),
            declared: thresholds,
            evaluator: Mutex::new(None),
            junit,
            json_file,
            checks_json_file,
            verdicts: Mutex::new(None),
        }))
    }

    /// Judges every test of `session`: from each `test_start` on, once a
    /// second while its runner runs; a threshold that aborts stops the test
    /// with [`TestSession::stop`]. Abort the task at the end of the run.
    pub(crate) fn watch(
        self: &Arc<Self>,
        env: &Arc<Environment>,
        session: &Arc<TestSession>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if self.declared.is_empty() && env.thresholds.read().is_empty() {
            return None;
        }
        let judge = self.clone();
        env.events
            .test_start
            .add_listener(move |env| judge.begin(env));
        let (judge, env, session) = (self.clone(), env.clone(), session.clone());
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVALUATION_INTERVAL);
            tick.tick().await;
            loop {
                tick.tick().await;
                let state = session.runner().state();
                if matches!(state, RunnerState::Ready | RunnerState::Stopped) {
                    continue;
                }
                if let Some(reason) = judge.tick(&env) {
                    session.stop(reason);
                }
            }
        }))
    }

    /// Whether the run has any threshold.
    pub(crate) fn is_active(&self) -> bool {
        !self.judged.lock().is_empty()
    }

    /// A test starts: the thresholds (the declared ones, then user code's)
    /// measure from here.
    fn begin(&self, env: &Environment) {
        let now = now_epoch();
        let mut judged = self.declared.clone();
        for text in env.thresholds.read().iter() {
            // Checked when user code added them.
            match parse(text) {
                Ok(threshold) => judged.push((threshold, Origin::Declared)),
                Err(error) => log::error!("{error}"),
            }
        }
        let thresholds = judged.iter().map(|(t, _)| t.clone()).collect();
        let stats = env.stats.collect();
        *self.evaluator.lock() = Some((Evaluator::new(thresholds, &stats, now), now));
        *self.judged.lock() = judged;
    }

    /// One evaluation; why the test must stop, if a threshold aborts it.
    fn tick(&self, env: &Environment) -> Option<String> {
        if self.evaluator.lock().is_none() {
            self.begin(env);
        }
        let stats = env.stats.collect();
        let mut evaluator = self.evaluator.lock();
        let (evaluator, _) = evaluator.as_mut()?;
        evaluator
            .tick(&stats, now_epoch())
            .map(|abort| abort.reason())
    }

    /// Every threshold's state now (empty before the first test).
    pub(crate) fn live(&self) -> Vec<Live> {
        self.evaluator
            .lock()
            .as_ref()
            .map(|(evaluator, _)| evaluator.live())
            .unwrap_or_default()
    }

    /// The verdicts of the last test, judged the first time this is called
    /// (at the end of the run, on the final statistics).
    pub(crate) fn verdicts(&self, stats: &RequestStats) -> Vec<Verdict> {
        let mut verdicts = self.verdicts.lock();
        if let Some(verdicts) = &*verdicts {
            return verdicts.clone();
        }
        let judged = self
            .evaluator
            .lock()
            .as_mut()
            .map(|(evaluator, _)| evaluator.finish(stats, now_epoch()))
            .unwrap_or_default();
        *verdicts = Some(judged.clone());
        judged
    }

    /// The HTML report's rows: the verdicts once judged, else the live
    /// state (a report downloaded from the web UI while a test runs).
    pub(crate) fn report_rows(&self) -> Vec<ReportThreshold> {
        if let Some(verdicts) = &*self.verdicts.lock() {
            return verdicts
                .iter()
                .map(|v| ReportThreshold {
                    result: report::mark(v.outcome).to_owned(),
                    failed: v.outcome.failed(),
                    threshold: v.threshold.text.clone(),
                    value: v.value_text(),
                    limit: v.threshold.limit_text(),
                })
                .collect();
        }
        self.live()
            .into_iter()
            .map(|live| {
                let kind = live.threshold.metric.kind();
                ReportThreshold {
                    result: format!("{:?}", live.status).to_lowercase(),
                    failed: matches!(live.status, Status::Failing | Status::Aborted),
                    value: live
                        .value
                        .map_or_else(|| "–".to_owned(), |v| kind.format(v)),
                    limit: live.threshold.limit_text(),
                    threshold: live.threshold.text,
                }
            })
            .collect()
    }

    /// Prints the table and writes the thresholds' and the checks' files;
    /// false if a file could not be written.
    pub(crate) fn report(&self, verdicts: &[Verdict], stats: &RequestStats) -> bool {
        let checks = &stats.checks;
        if verdicts.is_empty() && checks.is_empty() {
            return true;
        }
        if !verdicts.is_empty() {
            print_stderr(&report::console_table(verdicts));
        }
        let mut ok = true;
        let mut written = |result: Result<(), OutputError>| {
            if let Err(error) = result {
                log::error!("{error}");
                ok = false;
            }
        };
        if let Some(path) = self
            .checks_json_file
            .as_ref()
            .filter(|_| !checks.is_empty())
        {
            let text = checks.json();
            written(write_file(path, "the checks' JSON file", text.as_bytes()));
        }
        if let Some(path) = self.json_file.as_ref().filter(|_| !verdicts.is_empty()) {
            let text = report::json(verdicts);
            written(write_file(
                path,
                "the thresholds' JSON file",
                text.as_bytes(),
            ));
        }
        if let Some(path) = &self.junit {
            let started = self
                .evaluator
                .lock()
                .as_ref()
                .map_or(stats.start_time(), |(_, t)| *t);
            let seconds = (now_epoch() - started).max(0.0);
            let utc = locusta_stats::time_format::utc_timestamp(started);
            let timestamp = utc.trim_end_matches('Z');
            let xml = junit::junit_xml(verdicts, checks, seconds, timestamp);
            written(write_file(path, "the --junit file", xml.as_bytes()));
        }
        ok
    }

    /// The exit code the thresholds decide: [`EXIT_CODE`] when a declared
    /// threshold failed, else locust-plugins' 3 when one of its checks did.
    pub(crate) fn exit_code(&self, verdicts: &[Verdict]) -> Option<i32> {
        let failed = |origin: Origin| {
            verdicts
                .iter()
                .zip(self.judged.lock().iter())
                .any(|(verdict, (_, o))| *o == origin && verdict.outcome.failed())
        };
        if failed(Origin::Declared) {
            Some(EXIT_CODE)
        } else if failed(Origin::Check) {
            Some(CHECK_EXIT_CODE)
        } else {
            None
        }
    }

    /// Whether failed requests still set the exit code (`--exit-code-on-error`):
    /// not when `--check-fail-ratio` judges them instead.
    pub(crate) fn failures_set_exit_code(&self) -> bool {
        !self.fail_ratio_checked
    }
}

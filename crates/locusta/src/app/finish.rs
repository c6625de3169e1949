//! The end of a headless or web UI run (a worker's outputs are its
//! master's): [`shut_down`] stops the test, fires
//! `quitting` and `quit` in Locust's order, and [`Finish`] writes the
//! outputs, prints the final tables (and the generator's verdict when it is
//! suspect, [`locusta_engine::health`]) and decides the exit code.
//!
//! `Finish` does this once: the run's own end and the watchdog
//! ([`crate::watchdog`], which ends the process when user code holds the run
//! past its deadline) share it, and whichever comes first writes the files;
//! the other gets the same exit code.

use std::sync::Arc;

use locusta_cluster::master::Master;
use locusta_engine::events;
use locusta_engine::runner::Runner;
use locusta_engine::Environment;
use locusta_stats::console;

use super::background::Background;
use super::stderr::print_stderr;
use super::thresholds::Judge;
use crate::cli::Options;
use crate::outputs::{report_meta, Outputs};

/// The end of every run: `quitting`, users stopped, outputs written, the
/// final tables, and the exit code.
pub(super) async fn shut_down(
    env: &Arc<Environment>,
    runner: &Arc<Runner>,
    background: Background,
    master: Option<&Master>,
    finish: &Finish,
) -> i32 {
    // Nothing waits for stuck user code past the stop timeout (the
    // watchdog ends the process on a second signal).
    runner.set_deadline(std::time::Instant::now() + runner.stop_timeout());
    background.stop();
    // As Locust: the test stops (test_stopping, test_stop), then `quitting`
    // fires, where a listener may still read the results and set the exit code.
    runner.stop().await;
    if let Some(master) = master {
        // Workers send their last statistics before they quit.
        master.quit().await;
    }
    env.events.quitting.fire_reversed(env);
    runner.quit().await;
    let exit_code = finish.report();
    env.events.quit.fire(&exit_code);
    exit_code
}

/// Writes the run's outputs, prints the final tables and decides the exit
/// code: once, for the run's own end or for the watchdog's
/// ([`crate::watchdog`]), whichever comes first.
pub(super) struct Finish {
    options: Options,
    env: Arc<Environment>,
    runner: Arc<Runner>,
    outputs: Arc<parking_lot::Mutex<Outputs>>,
    name_width: usize,
    judge: Arc<Judge>,
    code: parking_lot::Mutex<Option<i32>>,
}

impl Finish {
    /// The run's finish, shared with the watchdog.
    pub(super) fn new(
        options: &Options,
        env: &Arc<Environment>,
        runner: &Arc<Runner>,
        outputs: &Arc<parking_lot::Mutex<Outputs>>,
        name_width: usize,
        judge: &Arc<Judge>,
    ) -> Arc<Finish> {
        Arc::new(Finish {
            options: options.clone(),
            env: env.clone(),
            runner: runner.clone(),
            outputs: outputs.clone(),
            name_width,
            judge: judge.clone(),
            code: parking_lot::Mutex::new(None),
        })
    }

    /// Starts the watchdog with this as its way to end the run.
    pub(super) fn watch(self: &Arc<Self>) {
        let finish = self.clone();
        let report = Box::new(move || finish.report());
        if let Err(message) = crate::watchdog::start(self.runner.clone(), report) {
            log::warn!("{message}");
        }
    }

    /// Writes the outputs and prints the final tables the first time; returns
    /// the exit code every time.
    fn report(&self) -> i32 {
        let mut code = self.code.lock();
        if let Some(code) = *code {
            return code;
        }
        let (options, env, runner) = (&self.options, &self.env, &self.runner);
        // Judged first: the HTML report shows the verdicts.
        let verdicts = self.judge.verdicts(&env.stats.collect());
        let mut meta = report_meta(options, &runner.user_classes(), env);
        meta.thresholds = self.judge.report_rows();
        let (outputs_written, console_summary) = {
            let mut outputs = self.outputs.lock();
            (
                outputs.finish(env, runner.user_count(), &meta),
                outputs.console_summary(),
            )
        };
        let stats = env.stats.collect();
        if console_summary {
            print_stderr(&console::stats_table(&stats, false, self.name_width));
            print_stderr(&console::percentiles_table(&stats, self.name_width));
            print_stderr(&console::error_report_with_width(&stats, self.name_width));
            print_stderr(&console::checks_table(&stats, self.name_width));
        }
        let thresholds_written = self.judge.report(&verdicts, &stats);
        let suspect = env.health.report();
        if !suspect.reasons.is_empty() {
            print_stderr(&suspect_summary(&suspect.reason_texts()));
        }
        let suspect_code =
            (options.fail_on_suspect && !suspect.reasons.is_empty()).then_some(SUSPECT_EXIT_CODE);
        let failed = self.judge.failures_set_exit_code()
            && (!stats.errors().is_empty() || !env.stats.exceptions().is_empty());
        // Precedence (docs/thresholds.md, docs/health.md): user code's
        // process_exit_code, failed thresholds (99; 3 for locust-plugins'
        // checks), a suspect run with --fail-on-suspect (98), failures
        // (--exit-code-on-error), an internal error (2).
        let user_code = *env.process_exit_code.lock();
        let exit_code = match (user_code, self.judge.exit_code(&verdicts).or(suspect_code)) {
            (Some(code), _) | (None, Some(code)) => code,
            (None, None) if failed => options.exit_code_on_error,
            // An output that could not be written, or a panicking event listener,
            // is an internal error.
            (None, None)
                if !outputs_written || !thresholds_written || events::unhandled_errors() > 0 =>
            {
                2
            }
            (None, None) => 0,
        };
        log::info!("Shutting down (exit code {exit_code})");
        *code = Some(exit_code);
        exit_code
    }
}

/// The exit code of a suspect run with `--fail-on-suspect`.
pub(super) const SUSPECT_EXIT_CODE: i32 = 98;

/// The summary's word on a suspect run, after the tables.
fn suspect_summary(reasons: &[String]) -> String {
    let mut text = String::from(
        "GENERATOR SUSPECT: the load generator was the bottleneck during this run; its response times and rates are not the target's alone:\n",
    );
    for reason in reasons {
        text.push_str(&format!("  - {reason}\n"));
    }
    text
}

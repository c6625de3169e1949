//! `--headless`: one test, started at once and ended by `--run-time`, a
//! signal, the runner (`--iterations`, a locustfile's `runner.quit()`, a
//! master whose workers all left) or the end of the load shape.
//!
//! The test runs in the engine's `TestSession` (mode `Run`), which owns the
//! start, the run-time timer and the shape, and logs why the test ended
//! (a threshold with `abort` that fails ends it through the session's
//! `stop`, `thresholds`).
//! Here: the console table before the test and every two seconds (unless
//! `--only-summary`), then the run's end as every mode has it
//! (`finish::shut_down`).

use std::sync::Arc;

use locusta_engine::session::{Load, Mode, TestSession};
use locusta_engine::shape::NamedShape;
use locusta_stats::console;

use super::background::Background;
use super::finish::{shut_down, Finish};
use super::master::wait_for_workers;
use super::program::Fatal;
use super::start::{Run, Started};
use super::stderr::{print_stderr, stats_name_width};

/// A run without the web UI: start the test at once (`-u`/`-r`, or the first
/// load shape) and end it at `--run-time`, a signal, the runner's own end or
/// the shape's.
pub(super) async fn run(run: Run) -> Result<i32, Fatal> {
    let Started {
        options,
        env,
        shapes,
        outputs,
        threads,
        runner,
        master,
        judge,
        ..
    } = run.start().await?;
    let outputs = Arc::new(parking_lot::Mutex::new(outputs));
    let name_width = stats_name_width();
    let finish = Finish::new(&options, &env, &runner, &outputs, name_width, &judge);
    finish.watch();
    let periodic = !options.only_summary;
    if let Some(master) = &master {
        wait_for_workers(&options, master).await?;
    }
    if periodic {
        print_stderr(&console::stats_table(
            &env.stats.collect(),
            true,
            name_width,
        ));
    }

    // A headless run uses the first shape.
    let load = match shapes.into_iter().next() {
        Some(NamedShape { shape, .. }) => {
            if options.users.is_some() || options.spawn_rate.is_some() {
                log::warn!("The -u/-r options are ignored when a load shape is used");
            }
            Load::Shape(shape)
        }
        None => {
            let users = options.users.unwrap_or(1);
            runner
                .check_user_count(users)
                .map_err(|why| Fatal::startup(format!("Refusing -u {users}: {why}")))?;
            Load::users(users, options.spawn_rate.unwrap_or(1.0))
        }
    };
    let session = TestSession::new(runner.clone(), Mode::Run);
    // A threshold with `abort` that fails stops the test through the session.
    let judging = judge.watch(&env, &session);
    session.start(load, options.run_time);

    let background = Background::start(
        &env,
        &runner,
        &outputs,
        threads,
        periodic.then_some(name_width),
        false,
    );
    // Logged by the session: "--run-time limit reached, shutting down", …
    session.wait_for_end().await;
    if let Some(task) = judging {
        task.abort();
    }
    Ok(shut_down(&env, &runner, background, master.as_ref(), &finish).await)
}

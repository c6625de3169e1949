//! `--headless`: one test, started at once and ended by `--run-time`, a
//! signal, the runner (`--iterations`, a locustfile's `runner.quit()`, a
//! master whose workers all left) or the end of the load shape.
//!
//! It prints the console table before the test and every two seconds (unless
//! `--only-summary`), logs why the test ended, then ends the run as every
//! mode does (`finish::shut_down`).

use std::sync::Arc;
use std::time::Duration;

use locusta_engine::runner::{Runner, RunnerState};
use locusta_engine::shape::NamedShape;
use locusta_stats::console;

use super::background::Background;
use super::finish::{shut_down, Finish};
use super::master::wait_for_workers;
use super::program::Fatal;
use super::start::{Run, Started};
use super::stderr::{print_stderr, stats_name_width};

/// Why the test ended.
enum End {
    RunTime,
    Signal(&'static str),
    Finished(String),
    ShapeDone,
}

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
        ..
    } = run.start().await?;
    let outputs = Arc::new(parking_lot::Mutex::new(outputs));
    let name_width = stats_name_width();
    let finish = Finish::new(&options, &env, &runner, &outputs, name_width);
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
    let mut shape_task = match shapes.into_iter().next() {
        Some(NamedShape { shape, .. }) => {
            if options.users.is_some() || options.spawn_rate.is_some() {
                log::warn!("The -u/-r options are ignored when a load shape is used");
            }
            let runner = runner.clone();
            Some(tokio::spawn(async move { runner.run_shape(shape).await }))
        }
        None => {
            let users = options.users.unwrap_or(1);
            runner
                .check_user_count(users)
                .map_err(|why| Fatal::startup(format!("Refusing -u {users}: {why}")))?;
            runner.start(users, options.spawn_rate.unwrap_or(1.0), None);
            None
        }
    };
    if let Some(run_time) = options.run_time {
        log::info!("Run time limit set to {} seconds", run_time.as_secs());
        // At the end of the run time the run ends, even if user code holds
        // the Python thread; the stop's own deadline follows.
        runner.set_deadline(std::time::Instant::now() + run_time);
    }

    let background = Background::start(
        &env,
        &runner,
        &outputs,
        threads,
        periodic.then_some(name_width),
        false,
    );
    let end = wait_for_end(&runner, options.run_time, &mut shape_task).await;
    match &end {
        End::RunTime => log::info!("--run-time limit reached, shutting down"),
        End::Signal(name) => log::info!("Got {name} signal, shutting down"),
        End::Finished(reason) => log::info!("{reason}, shutting down"),
        End::ShapeDone => log::info!("Shape test completed, shutting down"),
    }
    if let Some(task) = shape_task.take() {
        task.abort();
    }
    Ok(shut_down(&env, &runner, background, master.as_ref(), &finish).await)
}

async fn wait_for_end(
    runner: &Arc<Runner>,
    run_time: Option<Duration>,
    shape_task: &mut Option<tokio::task::JoinHandle<()>>,
) -> End {
    let deadline = async {
        match run_time {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
    let shape_done = async {
        match shape_task.as_mut() {
            Some(task) => {
                let _ = task.await;
            }
            None => std::future::pending().await,
        }
    };
    let finished = async {
        loop {
            if let Some(reason) = runner.finished() {
                return reason;
            }
            // A master whose workers all left stops its test.
            if runner.is_distributed() && runner.state() == RunnerState::Stopped {
                return "No worker is left".to_string();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let mut sigterm =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match sigterm.as_mut() {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = deadline => End::RunTime,
        _ = tokio::signal::ctrl_c() => End::Signal("SIGINT"),
        _ = terminated => End::Signal("SIGTERM"),
        reason = finished => End::Finished(reason),
        _ = shape_done => End::ShapeDone,
    }
}

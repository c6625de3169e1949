//! The test session: a test started with users or a shape, its run-time
//! timer, a stop with a reason from elsewhere, and the end it reports, in a
//! headless run (`Mode::Run`) and in the web UI's tests (`Mode::Tests`).

mod common;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use common::{runner, wait_until};
use locusta_engine::prelude::*;
use locusta_engine::runner::{Runner, RunnerState};
use locusta_engine::session::{Load, Mode, TestEnd, TestSession};

const LIMIT: Duration = Duration::from_secs(10);

async fn idle(_: &mut User<()>) {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

fn idle_runner(env: Environment) -> Arc<Runner> {
    runner(
        env,
        vec![UserClass::<()>::new("Idle").task(1, idle).boxed()],
    )
}

/// `future`'s output, or a failure naming `what` after [`LIMIT`].
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not happen within {LIMIT:?}"))
}

#[tokio::test]
async fn a_run_ends_at_its_run_time_and_leaves_the_users_to_the_caller() {
    let runner = idle_runner(Environment::default());
    let session = TestSession::new(runner.clone(), Mode::Run);
    session.start(Load::users(2, 100.0), Some(Duration::from_millis(300)));
    assert!(wait_until(LIMIT, || runner.user_count() == 2).await);
    let end = within("the run time's end", session.wait_for_end()).await;
    assert_eq!(end, TestEnd::RunTime);
    assert_eq!(runner.user_count(), 2, "the caller stops the users");
    session.stop_test().await;
    assert_eq!(runner.state(), RunnerState::Stopped);
    assert_eq!(runner.user_count(), 0);
    runner.quit().await;
}

#[tokio::test]
async fn a_stop_with_a_reason_from_another_thread_ends_a_run_and_the_first_reason_counts() {
    let runner = idle_runner(Environment::default());
    let session = TestSession::new(runner.clone(), Mode::Run);
    session.start(Load::users(1, 100.0), None);
    assert!(wait_until(LIMIT, || runner.user_count() == 1).await);
    let stopper = session.clone();
    std::thread::spawn(move || {
        stopper.stop("Threshold failed: rps > 5");
        stopper.stop("a later reason");
    })
    .join()
    .unwrap();
    let end = within("the stop", session.wait_for_end()).await;
    assert_eq!(end, TestEnd::Stopped("Threshold failed: rps > 5".into()));
    session.stop_test().await;
    runner.quit().await;
}

#[tokio::test]
async fn the_runners_own_end_ends_a_run() {
    let class = UserClass::<()>::new("Counted").task(1, async |_: &mut User<()>| {});
    let env = Environment {
        iterations: Some(5),
        ..Environment::default()
    };
    let runner = runner(env, vec![class.boxed()]);
    let session = TestSession::new(runner.clone(), Mode::Run);
    session.start(Load::users(1, 1.0), Some(Duration::from_secs(3600)));
    let end = within("the runner's end", session.wait_for_end()).await;
    assert_eq!(end, TestEnd::Finished("5 iterations done".into()));
    session.stop_test().await;
    runner.quit().await;
}

#[tokio::test]
async fn a_shape_drives_the_run_and_its_end_ends_it() {
    let runner = idle_runner(Environment::default());
    let session = TestSession::new(runner.clone(), Mode::Run);
    session.start(
        Load::Shape(Box::new(Stages::new(&[(1, 3, 100.0)]))),
        Some(Duration::from_secs(3600)),
    );
    assert!(wait_until(LIMIT, || runner.user_count() == 3).await);
    let end = within("the shape's end", session.wait_for_end()).await;
    assert_eq!(end, TestEnd::ShapeDone);
    session.stop_test().await;
    runner.quit().await;
}

#[tokio::test]
async fn in_the_web_ui_each_end_stops_its_test_and_the_next_test_starts_afresh() {
    let runner = idle_runner(Environment::default());
    let session = TestSession::new(runner.clone(), Mode::Tests);

    // The run time stops the test; a change without a run time kept its timer.
    session.start(Load::users(2, 100.0), Some(Duration::from_millis(400)));
    session.start(Load::users(3, 100.0), None);
    assert!(wait_until(LIMIT, || runner.user_count() == 3).await);
    assert!(wait_until(LIMIT, || runner.state() == RunnerState::Stopped).await);
    assert_eq!(runner.user_count(), 0);

    // A new test without a run time has none: it still runs well past the
    // old one's, until a stop with a reason stops it.
    session.start(Load::users(1, 100.0), None);
    assert!(wait_until(LIMIT, || runner.user_count() == 1).await);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(runner.state(), RunnerState::Running);
    session.stop("Threshold failed");
    assert!(wait_until(LIMIT, || runner.state() == RunnerState::Stopped).await);

    // The shape's end stops its test too.
    session.start(Load::Shape(Box::new(Stages::new(&[(1, 2, 100.0)]))), None);
    assert!(wait_until(LIMIT, || runner.user_count() == 2).await);
    assert!(wait_until(LIMIT, || runner.state() == RunnerState::Stopped).await);
    runner.quit().await;
}

#[tokio::test]
async fn in_the_web_ui_the_waiting_session_stops_a_test_the_runner_ended() {
    let class = UserClass::<()>::new("Counted").task(1, async |_: &mut User<()>| {});
    let env = Environment {
        iterations: Some(5),
        ..Environment::default()
    };
    let runner = runner(env, vec![class.boxed()]);
    let session = TestSession::new(runner.clone(), Mode::Tests);
    let waiting = {
        let session = session.clone();
        tokio::spawn(async move { session.wait_for_end().await })
    };
    session.start(Load::users(1, 1.0), None);
    assert!(wait_until(LIMIT, || runner.finished().is_some()).await);
    assert!(wait_until(LIMIT, || runner.state() == RunnerState::Stopped).await);
    assert!(
        !waiting.is_finished(),
        "only a signal ends the web UI's wait"
    );
    waiting.abort();
    runner.quit().await;
}

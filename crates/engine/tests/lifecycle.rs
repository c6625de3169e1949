//! Users' lifecycle as Locust defines it: on_start, tasks, on_stop, interrupts,
//! the task outcomes, graceful stop with stop_timeout, iterations.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{runner, wait_until, Trace};
use locusta_engine::prelude::*;
use locusta_engine::runner::Runner;

const LIMIT: Duration = Duration::from_secs(10);

fn traced(name: &str, trace: &Trace) -> UserClass<Trace> {
    let trace = trace.clone();
    UserClass::with_state(name, move || trace.clone())
}

/// Runs one user of `class` until `iterations` task runs are done, and
/// returns the runner, quit, for its statistics.
async fn one_user_for(iterations: u64, class: UserClass<Trace>) -> Arc<Runner> {
    let env = Environment {
        iterations: Some(iterations),
        ..Environment::default()
    };
    let runner = runner(env, vec![class.boxed()]);
    runner.start(1, 1.0, None);
    assert!(wait_until(LIMIT, || runner.finished().is_some()).await);
    runner.quit().await;
    runner
}

#[tokio::test]
async fn on_start_then_tasks_then_on_stop() {
    let trace = Trace::default();
    let class = traced("U", &trace)
        .on_start(async |u: &mut User<Trace>| u.push("start"))
        .task(1, async |u: &mut User<Trace>| u.push("task"))
        .on_stop(async |u: &mut User<Trace>| u.push("stop"));
    one_user_for(3, class).await;
    assert_eq!(trace.items(), ["start", "task", "task", "task", "stop"]);
}

#[tokio::test]
async fn iterations_are_a_total_over_all_users_and_threads() {
    let trace = Trace::default();
    let class = traced("U", &trace).task(1, async |u: &mut User<Trace>| u.push("task"));
    let env = Environment {
        iterations: Some(100),
        ..Environment::default()
    };
    let runner = Runner::new(Arc::new(env), vec![class.boxed()], 2).unwrap();
    runner.start(7, 100.0, None);
    assert!(wait_until(LIMIT, || runner.finished().is_some()).await);
    runner.quit().await;
    assert_eq!(trace.count("task"), 100);
    assert_eq!(runner.finished().as_deref(), Some("100 iterations done"));
}

#[tokio::test]
async fn task_weights_decide_how_often_a_task_runs() {
    let trace = Trace::default();
    let class = traced("U", &trace)
        .task(3, async |u: &mut User<Trace>| u.push("a"))
        .task(1, async |u: &mut User<Trace>| u.push("b"));
    let env = Environment {
        iterations: Some(8000),
        ..Environment::default()
    };
    let runner = runner(env, vec![class.boxed()]);
    runner.start(4, 100.0, None);
    assert!(wait_until(LIMIT, || runner.finished().is_some()).await);
    runner.quit().await;
    let a = trace.count("a") as f64;
    let share = a / 8000.0;
    // 3:1 weights → 75 %; 8000 picks put 5 standard deviations at ±2.4 %.
    assert!((share - 0.75).abs() < 0.025, "share of a = {share}");
}

#[tokio::test]
async fn on_start_failure_kills_the_user_without_on_stop() {
    let trace = Trace::default();
    let errors = Trace::default();
    let class = traced("Fragile", &trace)
        .on_start(async |_: &mut User<Trace>| -> TaskResult {
            Err(TaskError::fail("login refused"))
        })
        .task(1, async |u: &mut User<Trace>| u.push("task"))
        .on_stop(async |u: &mut User<Trace>| u.push("stop"));
    let env = Environment::default();
    let seen = errors.clone();
    env.events.user_error.add_listener(move |e: &UserError| {
        seen.push(format!("{}:{}:{}", e.user_class, e.location, e.message))
    });
    let runner = runner(env, vec![class.boxed()]);
    runner.start(2, 10.0, None);
    assert!(wait_until(LIMIT, || errors.items().len() == 2).await);
    assert!(wait_until(LIMIT, || runner.user_count() == 0).await);
    runner.quit().await;
    assert!(
        trace.items().is_empty(),
        "no task and no on_stop: {:?}",
        trace.items()
    );
    assert_eq!(errors.items(), ["Fragile:on_start:login refused"; 2]);
    let exceptions = runner.environment().stats.exceptions();
    assert_eq!(exceptions.len(), 1);
    assert_eq!(exceptions[0].count, 2);
    assert_eq!(exceptions[0].msg, "login refused");
}

#[tokio::test]
async fn task_errors_are_recorded_and_the_user_goes_on() {
    let trace = Trace::default();
    let class = traced("U", &trace).task(1, async |u: &mut User<Trace>| -> TaskResult {
        u.push("task");
        let parsed: Result<u32, _> = "not a number".parse::<u32>();
        parsed?;
        Ok(())
    });
    let runner = one_user_for(5, class).await;
    assert_eq!(trace.count("task"), 5);
    let exceptions = runner.environment().stats.exceptions();
    assert_eq!(exceptions.len(), 1);
    assert_eq!(exceptions[0].count, 5);
    assert_eq!(exceptions[0].msg, "invalid digit found in string");
    assert!(
        exceptions[0].traceback.starts_with("U."),
        "{}",
        exceptions[0].traceback
    );
}

#[tokio::test]
async fn stop_user_ends_only_that_user_and_runs_on_stop() {
    let trace = Trace::default();
    let class = traced("U", &trace)
        .task(1, async |u: &mut User<Trace>| -> TaskResult {
            u.push("task");
            Err(TaskError::StopUser)
        })
        .on_stop(async |u: &mut User<Trace>| u.push("stop"));
    let runner = runner(Environment::default(), vec![class.boxed()]);
    runner.start(3, 100.0, None);
    assert!(wait_until(LIMIT, || trace.count("stop") == 3).await);
    assert!(wait_until(LIMIT, || runner.user_count() == 0).await);
    assert_eq!(runner.finished(), None, "StopUser does not stop the test");
    runner.quit().await;
    assert_eq!(trace.count("task"), 3);
}

#[tokio::test]
async fn stop_test_ends_the_test() {
    let trace = Trace::default();
    let class = traced("Quitter", &trace).task(1, async |_: &mut User<Trace>| -> TaskResult {
        Err(TaskError::StopTest)
    });
    let runner = runner(Environment::default(), vec![class.boxed()]);
    runner.start(1, 1.0, None);
    assert!(wait_until(LIMIT, || runner.finished().is_some()).await);
    assert_eq!(
        runner.finished().as_deref(),
        Some("StopTest raised by a Quitter user")
    );
    runner.quit().await;
}

#[tokio::test]
async fn reschedule_immediately_skips_the_wait() {
    let trace = Trace::default();
    // A one-hour wait: only RescheduleImmediately lets a second task run.
    let class = traced("U", &trace).wait(constant(3600.0)).task(
        1,
        async |u: &mut User<Trace>| -> TaskResult {
            u.push("task");
            Err(TaskError::RescheduleImmediately)
        },
    );
    let runner = runner(Environment::default(), vec![class.boxed()]);
    runner.start(1, 1.0, None);
    assert!(wait_until(LIMIT, || trace.count("task") >= 3).await);
    runner.quit().await;
}

#[tokio::test]
async fn reschedule_still_waits() {
    let trace = Trace::default();
    let class = traced("U", &trace)
        .wait(constant(3600.0))
        .task(1, async |u: &mut User<Trace>| -> TaskResult {
            u.push("task");
            Err(TaskError::Reschedule)
        })
        .on_stop(async |u: &mut User<Trace>| u.push("stop"));
    let runner = runner(Environment::default(), vec![class.boxed()]);
    runner.start(1, 1.0, None);
    assert!(wait_until(LIMIT, || trace.count("task") == 1).await);
    tokio::time::sleep(Duration::from_millis(100)).await;
    runner.quit().await;
    // The waiting user was killed by the stop, and its on_stop still ran.
    assert_eq!(trace.items(), ["task", "stop"]);
}

#[tokio::test]
async fn nested_sequential_set_runs_in_order_and_interrupt_returns_to_parent() {
    let trace = Trace::default();
    let journey = TaskSet::new("Journey")
        .sequential()
        .on_start(async |u: &mut User<Trace>| u.push("set-start"))
        .task(1, async |u: &mut User<Trace>| u.push("one"))
        .task(2, async |u: &mut User<Trace>| u.push("two"))
        .task(1, async |u: &mut User<Trace>| -> TaskResult {
            u.push("leave");
            Err(TaskError::Interrupt { reschedule: true })
        })
        .on_stop(async |u: &mut User<Trace>| u.push("set-stop"));
    let class = traced("U", &trace)
        .sequential()
        .task_set(1, journey)
        .task(1, async |u: &mut User<Trace>| u.push("root"));
    one_user_for(9, class).await;
    // 9 task runs: two rounds of the journey (4 tasks each) and one root task;
    // the next root task finds the budget spent and the user stops.
    assert_eq!(
        trace.items(),
        [
            "set-start",
            "one",
            "two",
            "two",
            "leave",
            "set-stop",
            "root",
            "set-start",
            "one",
            "two",
            "two",
            "leave",
            "set-stop"
        ]
    );
}

#[tokio::test]
async fn stopping_inside_a_task_set_runs_on_stop_innermost_first() {
    let trace = Trace::default();
    let inner = TaskSet::new("Inner")
        .task(1, async |u: &mut User<Trace>| -> TaskResult {
            u.push("inner-task");
            Err(TaskError::StopUser)
        })
        .on_stop(async |u: &mut User<Trace>| u.push("inner-stop"));
    let class = traced("U", &trace)
        .task_set(1, inner)
        .on_stop(async |u: &mut User<Trace>| u.push("user-stop"));
    let runner = runner(Environment::default(), vec![class.boxed()]);
    runner.start(1, 1.0, None);
    assert!(wait_until(LIMIT, || trace.count("user-stop") == 1).await);
    runner.quit().await;
    assert_eq!(trace.items(), ["inner-task", "inner-stop", "user-stop"]);
}

#[tokio::test]
async fn interrupt_from_a_sets_on_start_skips_it_without_on_stop() {
    let trace = Trace::default();
    let skipped = TaskSet::new("Skipped")
        .on_start(async |u: &mut User<Trace>| -> TaskResult {
            u.push("skip");
            Err(TaskError::Interrupt { reschedule: false })
        })
        .task(1, async |u: &mut User<Trace>| u.push("never"))
        .on_stop(async |u: &mut User<Trace>| u.push("never-stop"));
    let class = traced("U", &trace)
        .sequential()
        .task_set(1, skipped)
        .task(1, async |u: &mut User<Trace>| u.push("root"));
    one_user_for(3, class).await;
    // Skipping the set costs no iteration: three root tasks, then the fourth
    // pick of the set is skipped and the next root task finds the budget spent.
    assert_eq!(
        trace.items(),
        ["skip", "root", "skip", "root", "skip", "root", "skip"]
    );
    assert_eq!(trace.count("never") + trace.count("never-stop"), 0);
}

#[tokio::test]
async fn graceful_stop_lets_the_running_task_finish() {
    let trace = Trace::default();
    let class = traced("U", &trace)
        .task(1, async |u: &mut User<Trace>| {
            u.push("begin");
            tokio::time::sleep(Duration::from_millis(300)).await;
            u.push("end");
        })
        .on_stop(async |u: &mut User<Trace>| u.push("stop"));
    let env = Environment {
        stop_timeout: Duration::from_secs(5),
        ..Environment::default()
    };
    let runner = runner(env, vec![class.boxed()]);
    runner.start(1, 1.0, None);
    assert!(wait_until(LIMIT, || trace.count("begin") == 1).await);
    runner.quit().await;
    assert_eq!(trace.items(), ["begin", "end", "stop"]);
}

#[tokio::test]
async fn without_stop_timeout_the_task_is_cut_but_on_stop_runs() {
    let trace = Trace::default();
    let class = traced("U", &trace)
        .task(1, async |u: &mut User<Trace>| {
            u.push("begin");
            tokio::time::sleep(Duration::from_secs(3600)).await;
            u.push("end");
        })
        .on_stop(async |u: &mut User<Trace>| u.push("stop"));
    let runner = runner(Environment::default(), vec![class.boxed()]);
    runner.start(1, 1.0, None);
    assert!(wait_until(LIMIT, || trace.count("begin") == 1).await);
    runner.quit().await;
    assert_eq!(trace.items(), ["begin", "stop"]);
}

#[tokio::test]
async fn stop_timeout_expiry_kills_slow_tasks() {
    let trace = Trace::default();
    let class = traced("U", &trace).task(1, async |u: &mut User<Trace>| {
        u.push("begin");
        tokio::time::sleep(Duration::from_secs(3600)).await;
        u.push("end");
    });
    let env = Environment {
        stop_timeout: Duration::from_millis(200),
        ..Environment::default()
    };
    let runner = runner(env, vec![class.boxed()]);
    runner.start(2, 100.0, None);
    assert!(wait_until(LIMIT, || trace.count("begin") == 2).await);
    runner.quit().await;
    assert_eq!(trace.count("end"), 0);
    assert_eq!(runner.user_count(), 0);
}

#[tokio::test]
async fn events_fire_in_order() {
    let trace = Trace::default();
    let env = Environment {
        iterations: Some(1),
        ..Environment::default()
    };
    for (name, hook) in [
        ("test_start", &env.events.test_start),
        ("test_stopping", &env.events.test_stopping),
        ("test_stop", &env.events.test_stop),
    ] {
        let trace = trace.clone();
        hook.add_listener(move |_| trace.push(name));
    }
    let seen = trace.clone();
    env.events
        .spawning_complete
        .add_listener(move |n: &u64| seen.push(format!("spawning_complete {n}")));
    let class = traced("U", &trace).task(1, async |_: &mut User<Trace>| {});
    let runner = runner(env, vec![class.boxed()]);
    runner.start(2, 100.0, None);
    assert!(wait_until(LIMIT, || runner.finished().is_some()).await);
    runner.quit().await;
    assert_eq!(
        trace.items(),
        [
            "test_start",
            "spawning_complete 2",
            "test_stopping",
            "test_stop"
        ]
    );
}

#[tokio::test]
async fn a_panicking_user_is_recorded_and_does_not_hang_the_stop() {
    let trace = Trace::default();
    let class = traced("Buggy", &trace).task(1, async |u: &mut User<Trace>| {
        u.push("task");
        let empty: Vec<u32> = Vec::new();
        let _ = empty[3];
    });
    let runner = runner(Environment::default(), vec![class.boxed()]);
    runner.start(2, 100.0, None);
    assert!(
        wait_until(LIMIT, || runner.user_count() == 0
            && trace.count("task") == 2)
        .await
    );
    runner.quit().await;
    let exceptions = runner.environment().stats.exceptions();
    assert_eq!(exceptions.len(), 1);
    assert_eq!(exceptions[0].count, 2);
    assert!(
        exceptions[0].msg.contains("index out of bounds"),
        "{}",
        exceptions[0].msg
    );
}

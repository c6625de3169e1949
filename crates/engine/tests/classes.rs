//! User classes: weights, fixed_count, tags, and the runner's user counts.

mod common;

use std::time::Duration;

use common::{runner, wait_until, Trace};
use locusta_engine::prelude::*;
use locusta_engine::task::TagFilter;

const LIMIT: Duration = Duration::from_secs(10);

async fn idle(_: &mut User<()>) {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

fn class(name: &str) -> UserClass<()> {
    UserClass::<()>::new(name).task(1, idle)
}

#[tokio::test]
async fn fixed_count_first_then_weights() {
    let runner = runner(
        Environment::default(),
        vec![
            class("Admin").fixed_count(2).boxed(),
            class("Buyer").weight(3.0).boxed(),
            class("Visitor").weight(1.0).boxed(),
        ],
    );
    runner.start(10, 1000.0, None);
    assert!(wait_until(LIMIT, || runner.user_count() == 10).await);
    let counts = runner.user_classes_count();
    assert_eq!(counts["Admin"], 2);
    assert_eq!(counts["Buyer"], 6);
    assert_eq!(counts["Visitor"], 2);
    runner.quit().await;
    assert_eq!(runner.user_count(), 0);
}

#[tokio::test]
async fn ramp_down_stops_the_newest_users() {
    let runner = runner(
        Environment::default(),
        vec![
            class("A").weight(1.0).boxed(),
            class("B").weight(1.0).boxed(),
        ],
    );
    runner.start(6, 1000.0, None);
    assert!(wait_until(LIMIT, || runner.user_count() == 6).await);
    runner.start(2, 1000.0, None);
    assert!(wait_until(LIMIT, || runner.user_count() == 2).await);
    let counts = runner.user_classes_count();
    assert_eq!((counts["A"], counts["B"]), (1, 1));
    runner.quit().await;
}

#[tokio::test]
async fn zero_weight_classes_are_dropped_and_none_left_is_an_error() {
    let error = locusta_engine::runner::Runner::new(
        std::sync::Arc::new(Environment::default()),
        vec![class("A").weight(0.0).boxed()],
        1,
    )
    .err();
    assert_eq!(
        error.as_deref(),
        Some("There are no users with weight > 0.")
    );
    let error =
        locusta_engine::runner::Runner::new(std::sync::Arc::new(Environment::default()), vec![], 1)
            .err();
    assert_eq!(error.as_deref(), Some("No User class found!"));
}

fn tagged(trace: &Trace) -> UserClass<Trace> {
    let trace = trace.clone();
    let admin = TaskSet::new("Admin").task(1, async |u: &mut User<Trace>| u.push("report"));
    UserClass::with_state("Tagged", move || trace.clone())
        .task(1, async |u: &mut User<Trace>| u.push("browse"))
        .tag("web")
        .task(1, async |u: &mut User<Trace>| u.push("buy"))
        .tag("web")
        .tag("critical")
        .task_set(1, admin)
        .tag("slow")
        .task(1, async |u: &mut User<Trace>| u.push("untagged"))
}

async fn run_tagged(filter: TagFilter) -> Trace {
    let trace = Trace::default();
    let env = Environment {
        tag_filter: filter,
        iterations: Some(400),
        ..Environment::default()
    };
    let runner = runner(env, vec![tagged(&trace).boxed()]);
    runner.start(2, 100.0, None);
    assert!(wait_until(LIMIT, || runner.finished().is_some()).await);
    runner.quit().await;
    trace
}

#[tokio::test]
async fn tags_keep_only_matching_tasks() {
    let trace = run_tagged(TagFilter {
        tags: Some(vec!["web".into()]),
        exclude_tags: None,
    })
    .await;
    assert!(trace.count("browse") > 0 && trace.count("buy") > 0);
    assert_eq!(trace.count("report") + trace.count("untagged"), 0);
}

#[tokio::test]
async fn a_tagged_task_set_tags_its_tasks() {
    let trace = run_tagged(TagFilter {
        tags: Some(vec!["slow".into()]),
        exclude_tags: None,
    })
    .await;
    assert_eq!(trace.count("report"), 400);
}

#[tokio::test]
async fn exclusion_wins_over_inclusion() {
    let trace = run_tagged(TagFilter {
        tags: Some(vec!["web".into()]),
        exclude_tags: Some(vec!["critical".into()]),
    })
    .await;
    assert_eq!(trace.count("browse"), 400);
}

#[tokio::test]
async fn exclude_only_keeps_untagged_tasks() {
    let trace = run_tagged(TagFilter {
        tags: None,
        exclude_tags: Some(vec!["web".into(), "slow".into()]),
    })
    .await;
    assert_eq!(trace.count("untagged"), 400);
}

#[tokio::test]
async fn shape_stages_drive_the_user_count() {
    let runner = runner(Environment::default(), vec![class("A").boxed()]);
    // Shapes tick once per second: 3 users for the first second, then 1, then stop.
    let shape = Stages::new(&[(1, 3, 100.0), (2, 1, 100.0)]);
    let driver = {
        let runner = runner.clone();
        tokio::spawn(async move { runner.run_shape(Box::new(shape)).await })
    };
    assert!(wait_until(LIMIT, || runner.user_count() == 3).await);
    assert!(wait_until(LIMIT, || runner.user_count() == 1).await);
    tokio::time::timeout(LIMIT, driver)
        .await
        .expect("the shape ends")
        .unwrap();
    runner.quit().await;
}

#[tokio::test]
async fn a_shape_stage_can_restrict_the_user_classes() {
    let runner = runner(
        Environment::default(),
        vec![class("A").boxed(), class("B").boxed()],
    );
    let shape = Stages(vec![Stage {
        end: Duration::from_secs(3600),
        users: 4,
        spawn_rate: 100.0,
        user_classes: Some(vec!["B".to_string()]),
    }]);
    let driver = {
        let runner = runner.clone();
        tokio::spawn(async move { runner.run_shape(Box::new(shape)).await })
    };
    assert!(wait_until(LIMIT, || runner.user_count() == 4).await);
    let counts = runner.user_classes_count();
    assert_eq!((counts["A"], counts["B"]), (0, 4));
    driver.abort();
    runner.quit().await;
}

#[tokio::test]
async fn other_protocols_report_into_the_same_statistics() {
    let class = UserClass::<()>::new("Rpc").task(1, async |u: &mut User<()>| -> TaskResult {
        u.measure("xmlrpc", "add", async { Ok::<_, std::io::Error>(()) })
            .await?;
        let failed = u
            .measure("xmlrpc", "divide", async {
                Err::<(), _>(std::io::Error::other("division by zero"))
            })
            .await;
        assert!(failed.is_err());
        u.record("mqtt", "publish", Duration::from_millis(3), 12, None);
        Ok(())
    });
    let env = Environment {
        iterations: Some(2),
        ..Environment::default()
    };
    let runner = runner(env, vec![class.boxed()]);
    runner.start(1, 1.0, None);
    assert!(wait_until(LIMIT, || runner.finished().is_some()).await);
    runner.quit().await;
    let stats = runner.environment().stats.collect();
    assert_eq!(stats.get("xmlrpc", "add").unwrap().num_requests, 2);
    let divide = stats.get("xmlrpc", "divide").unwrap();
    assert_eq!((divide.num_requests, divide.num_failures), (2, 2));
    let publish = stats.get("mqtt", "publish").unwrap();
    assert_eq!(publish.total_content_length, 24);
    assert!((publish.avg_response_time() - 3.0).abs() < 0.05);
    let errors: Vec<String> = stats.errors().iter().map(|e| e.error.clone()).collect();
    assert_eq!(errors, ["division by zero"]);
    drop(stats);
    assert!(
        runner.environment().stats.exceptions().is_empty(),
        "a measured failure is not a task error"
    );
}

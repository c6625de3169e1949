//! Settings applied to user classes (`--config-users`, `POST /user`): tasks
//! kept by name, weights from the next test, bad settings refused.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{runner, wait_until};
use locusta_engine::prelude::*;

const LIMIT: Duration = Duration::from_secs(10);

static BROWSED: AtomicU64 = AtomicU64::new(0);
static BOUGHT: AtomicU64 = AtomicU64::new(0);

async fn browse(_: &mut User<()>) {
    BROWSED.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(1)).await;
}

async fn buy(_: &mut User<()>) {
    BOUGHT.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(1)).await;
}

async fn idle(_: &mut User<()>) {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

/// A runner for two classes, A and B, whose users idle.
fn idle_a_and_b() -> std::sync::Arc<locusta_engine::runner::Runner> {
    runner(
        Environment::default(),
        vec![
            UserClass::<()>::new("A").task(1, idle).boxed(),
            UserClass::<()>::new("B").task(1, idle).boxed(),
        ],
    )
}

fn settings(json: serde_json::Value) -> UserClassSettings {
    UserClassSettings::from_json(json)
        .expect("valid settings")
        .remove(0)
}

#[tokio::test]
async fn a_tasks_setting_keeps_the_named_tasks_of_the_original_list() {
    let runner = runner(
        Environment::default(),
        vec![UserClass::<()>::new("Shopper")
            .task(1, browse)
            .task(1, buy)
            .boxed()],
    );
    runner
        .update_user_class(&settings(
            serde_json::json!({"user_class_name": "Shopper", "tasks": ["buy"], "host": "http://127.0.0.1:1"}),
        ))
        .expect("applied");
    let info = &runner.class_descriptors()[0];
    assert_eq!(info.task_names(), vec!["buy"]);
    assert_eq!(info.available_tasks, vec!["browse", "buy"]);
    assert_eq!(info.host.as_deref(), Some("http://127.0.0.1:1"));
    runner.start(2, 1000.0, None);
    assert!(wait_until(LIMIT, || BOUGHT.load(Ordering::Relaxed) >= 20).await);
    runner.stop().await;
    assert_eq!(BROWSED.load(Ordering::Relaxed), 0, "browse was not kept");
    // A later setting picks again from the whole original list.
    runner
        .update_user_class(&settings(
            serde_json::json!({"user_class_name": "Shopper", "tasks": ["browse", "buy"]}),
        ))
        .expect("applied");
    assert_eq!(
        runner.class_descriptors()[0].task_names(),
        vec!["browse", "buy"]
    );
    runner.start(2, 1000.0, None);
    assert!(wait_until(LIMIT, || BROWSED.load(Ordering::Relaxed) >= 5).await);
    runner.quit().await;
}

#[tokio::test]
async fn a_new_weight_counts_from_the_next_test() {
    let runner = idle_a_and_b();
    runner.start(4, 1000.0, None);
    assert!(wait_until(LIMIT, || runner.user_count() == 4).await);
    assert_eq!(runner.user_classes_count()["A"], 2);
    runner
        .update_user_class(&settings(
            serde_json::json!({"user_class_name": "A", "weight": 3}),
        ))
        .expect("applied");
    runner.stop().await;
    runner.start(4, 1000.0, None);
    assert!(wait_until(LIMIT, || runner.user_count() == 4).await);
    let counts = runner.user_classes_count();
    assert_eq!((counts["A"], counts["B"]), (3, 1));
    runner.stop().await;
    runner
        .update_user_class(&settings(
            serde_json::json!({"user_class_name": "B", "fixed_count": 3}),
        ))
        .expect("applied");
    runner.start(4, 1000.0, None);
    assert!(wait_until(LIMIT, || runner.user_count() == 4).await);
    let counts = runner.user_classes_count();
    assert_eq!((counts["A"], counts["B"]), (1, 3));
    runner.quit().await;
}

#[tokio::test]
async fn bad_settings_are_refused_and_change_nothing() {
    let runner = runner(
        Environment::default(),
        vec![UserClass::<()>::new("Shopper")
            .task(1, browse)
            .task(1, buy)
            .boxed()],
    );
    let refused = |json: serde_json::Value| {
        runner
            .update_user_class(&settings(json))
            .expect_err("refused")
            .to_string()
    };
    let unknown_class = refused(serde_json::json!({"user_class_name": "Nobody", "weight": 2}));
    assert!(unknown_class.contains("Nobody"), "{unknown_class}");
    let unknown_task =
        refused(serde_json::json!({"user_class_name": "Shopper", "tasks": ["browse", "fly"]}));
    assert!(
        unknown_task.contains("fly") && unknown_task.contains("browse, buy"),
        "{unknown_task}"
    );
    let unknown_key = refused(serde_json::json!({"user_class_name": "Shopper", "mqtt_port": 1}));
    assert!(unknown_key.contains("mqtt_port"), "{unknown_key}");
    let no_users = refused(serde_json::json!({"user_class_name": "Shopper", "weight": 0}));
    assert!(no_users.contains("weight > 0"), "{no_users}");
    let info = &runner.class_descriptors()[0];
    assert_eq!((info.weight, info.task_ratios.len()), (1.0, 2));
    runner.quit().await;
}

#[tokio::test]
async fn a_class_with_weight_zero_gets_no_users() {
    let runner = idle_a_and_b();
    runner
        .update_user_class(&settings(
            serde_json::json!({"user_class_name": "B", "weight": 0}),
        ))
        .expect("applied");
    runner.start(3, 1000.0, None);
    assert!(wait_until(LIMIT, || runner.user_count() == 3).await);
    let counts = runner.user_classes_count();
    assert_eq!((counts["A"], counts["B"]), (3, 0));
    runner.quit().await;
}

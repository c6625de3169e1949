//! The `ClassRuntime` seam: a class seated with a runtime (its users live
//! elsewhere) is ramped, stopped and counted by the same runner and dispatch
//! as Rust users.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{wait_until, Trace};
use locusta_engine::class_descriptor::ClassDescriptor;
use locusta_engine::hosting::{ClassRuntime, HostedUsers};
use locusta_engine::prelude::*;
use locusta_engine::runner::{Runner, SeatedClass};
use locusta_engine::task::TagFilter;
use parking_lot::Mutex;

const LIMIT: Duration = Duration::from_secs(10);

/// A runtime whose "users" are just counted: it starts and ends them at
/// once when told, and logs every command.
#[derive(Default)]
struct CountingRuntime {
    log: Trace,
    users: Mutex<Vec<HostedUsers>>,
}

impl ClassRuntime for CountingRuntime {
    fn spawn(&self, class: &str, count: u64, users: &HostedUsers) {
        self.log.push(format!("spawn {class} {count}"));
        for _ in 0..count {
            users.started();
            self.users.lock().push(users.clone());
        }
    }
    fn stop(&self, class: &str, count: u64, graceful: Option<Duration>) {
        self.log.push(format!("stop {class} {count} {graceful:?}"));
        let mut live = self.users.lock();
        for _ in 0..count.min(live.len() as u64) {
            if let Some(user) = live.pop() {
                user.ended();
            }
        }
    }
    fn kill_all(&self) {
        self.log.push("kill_all");
        for user in self.users.lock().drain(..) {
            user.ended();
        }
    }
    fn update_class(&self, settings: &UserClassSettings) -> Result<ClassDescriptor, String> {
        self.log
            .push(format!("update {}", settings.user_class_name));
        let mut class = hosted(settings.weight.unwrap_or(1.0));
        class.host = settings.host.clone();
        Ok(class)
    }
    fn filter_tasks(&self, class: &str, filter: &TagFilter) {
        self.log
            .push(format!("filter {class} {:?}", filter.tags.as_deref()));
    }
}

fn hosted(weight: f64) -> ClassDescriptor {
    ClassDescriptor::weighted("Hosted", weight)
}

/// The class `Hosted`, seated with `runtime`.
fn hosted_class(weight: f64, runtime: &Arc<CountingRuntime>) -> SeatedClass {
    SeatedClass::Hosted(hosted(weight), runtime.clone())
}

#[tokio::test]
async fn hosted_users_are_dispatched_counted_and_stopped_with_rust_users() {
    let runtime = Arc::new(CountingRuntime::default());
    let rust = UserClass::<()>::new("Rust")
        .task(1, async |_: &mut User<()>| {
            tokio::time::sleep(Duration::from_millis(10)).await;
        })
        .boxed();
    let runner = Runner::seated(
        Arc::new(Environment::default()),
        vec![hosted_class(3.0, &runtime), SeatedClass::Local(rust)],
        1,
    )
    .expect("runner starts");
    runner.start(8, 1000.0, None);
    assert!(wait_until(LIMIT, || runner.user_count() == 8).await);
    let counts = runner.user_classes_count();
    assert_eq!(counts["Hosted"], 6);
    assert_eq!(counts["Rust"], 2);
    // Ramping down stops the newest hosted users through the runtime.
    runner.start(4, 1000.0, None);
    assert!(wait_until(LIMIT, || runner.user_count() == 4).await);
    assert_eq!(runner.user_classes_count()["Hosted"], 3);
    runner.quit().await;
    assert_eq!(runner.user_count(), 0);
    let log = runtime.log.items();
    let spawned: u64 = log
        .iter()
        .filter_map(|l| l.strip_prefix("spawn Hosted "))
        .map(|n| n.parse::<u64>().expect("count"))
        .sum();
    assert_eq!(spawned, 6, "{log:?}");
    assert!(log.contains(&"stop Hosted 3 None".to_string()), "{log:?}");
    assert!(
        log.last().is_some_and(|l| l.starts_with("stop Hosted")),
        "{log:?}"
    );
}

#[tokio::test]
async fn hosted_users_share_the_iteration_budget_and_stop_test() {
    let runtime = Arc::new(CountingRuntime::default());
    let env = Environment {
        iterations: Some(2),
        ..Environment::default()
    };
    let runner =
        Runner::seated(Arc::new(env), vec![hosted_class(1.0, &runtime)], 1).expect("runner starts");
    runner.start(1, 10.0, None);
    assert!(wait_until(LIMIT, || runner.user_count() == 1).await);
    let users = runtime.users.lock()[0].clone();
    assert!(users.take_iteration());
    assert!(users.take_iteration());
    assert!(!users.take_iteration(), "the budget is a total");
    users.request_stop_test("StopTest raised by a Hosted user".into());
    assert_eq!(
        runner.finished().as_deref(),
        Some("StopTest raised by a Hosted user")
    );
    runner.quit().await;
    assert_eq!(runner.user_count(), 0);
}

#[tokio::test]
async fn settings_of_a_hosted_class_go_through_its_runtime() {
    let runtime = Arc::new(CountingRuntime::default());
    let runner = Runner::seated(
        Arc::new(Environment::default()),
        vec![hosted_class(1.0, &runtime)],
        1,
    )
    .expect("runner starts");
    let settings = UserClassSettings::from_json(serde_json::json!({
        "user_class_name": "Hosted", "weight": 2, "host": "http://127.0.0.1:9"
    }))
    .expect("valid")
    .remove(0);
    runner.update_user_class(&settings).expect("applied");
    assert!(runtime.log.items().contains(&"update Hosted".to_string()));
    let info = &runner.class_descriptors()[0];
    assert_eq!(
        (info.weight, info.host.as_deref()),
        (2.0, Some("http://127.0.0.1:9"))
    );
    runner.quit().await;
}

#[tokio::test]
async fn a_workers_classes_take_its_masters_tags_once_unless_it_has_its_own() {
    async fn browse(_: &mut User<()>) {}
    async fn cart(_: &mut User<()>) {}
    let rust = || {
        UserClass::<()>::new("Rust")
            .task(1, browse)
            .task(1, cart)
            .tag("cart")
            .boxed()
    };
    let cart_only = TagFilter {
        tags: Some(vec!["cart".into()]),
        exclude_tags: None,
    };
    let task_names = |runner: &Runner| -> Vec<String> {
        let classes = runner.user_classes();
        let rust = classes.iter().find(|c| c.name() == "Rust").expect("Rust");
        rust.task_ratios().into_iter().map(|t| t.name).collect()
    };

    let runtime = Arc::new(CountingRuntime::default());
    let runner = Runner::seated(
        Arc::new(Environment::default()),
        vec![hosted_class(1.0, &runtime), SeatedClass::Local(rust())],
        1,
    )
    .expect("runner starts");
    assert_eq!(task_names(&runner).len(), 2);
    runner.adopt_tag_filter(&cart_only);
    assert_eq!(task_names(&runner), vec!["cart".to_string()]);
    assert!(runtime
        .log
        .items()
        .contains(&"filter Hosted Some([\"cart\"])".to_string()));
    // Once only: a later spawn's tags change nothing.
    runner.adopt_tag_filter(&TagFilter {
        tags: Some(vec!["other".into()]),
        exclude_tags: None,
    });
    assert_eq!(task_names(&runner), vec!["cart".to_string()]);
    runner.quit().await;

    // A worker with tags of its own keeps them.
    let env = Environment {
        tag_filter: TagFilter {
            tags: None,
            exclude_tags: Some(vec!["nothing".into()]),
        },
        ..Environment::default()
    };
    let runner = Runner::new(Arc::new(env), vec![rust()], 1).expect("runner starts");
    runner.adopt_tag_filter(&cart_only);
    assert_eq!(task_names(&runner).len(), 2);
    runner.quit().await;
}

#[test]
fn a_description_alone_is_refused_off_a_master() {
    // A description cannot start users: seated on the load threads, or
    // remote without workers, the runner says so instead of starting users
    // that would do nothing.
    let env = || Arc::new(Environment::default());
    let local = Runner::new(env(), vec![Arc::new(hosted(1.0))], 1)
        .err()
        .expect("refused");
    assert!(
        local.contains("Hosted") && local.contains("load threads"),
        "{local}"
    );
    let remote = Runner::seated(env(), vec![SeatedClass::Remote(hosted(1.0))], 1)
        .err()
        .expect("refused");
    assert!(
        remote.contains("Hosted") && remote.contains("runtime"),
        "{remote}"
    );
}

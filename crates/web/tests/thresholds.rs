//! The thresholds' live state in the web UI: the `thresholds` key of
//! `/stats/requests` and, in a real headless Chromium, the list of
//! thresholds and the banner when one fails. A real evaluator
//! (`locusta-thresholds`) judges the harness's own test (its `Buyer` users
//! request `/broken`, which always fails).

mod common;

use std::sync::Arc;

use common::chromium::{browser, eval, screenshot, wait_for};
use common::{get, post, start, Setup};
use locusta_engine::Environment;
use locusta_thresholds::{parse, Evaluator};
use parking_lot::Mutex;

/// A threshold source judging the environment put in the slot once the
/// harness has started.
fn judged(
    exprs: &[&str],
) -> (
    locusta_web::ThresholdsSource,
    Arc<Mutex<Option<Arc<Environment>>>>,
) {
    let slot: Arc<Mutex<Option<Arc<Environment>>>> = Arc::default();
    let thresholds: Vec<_> = exprs
        .iter()
        .map(|e| parse(e).expect("a threshold"))
        .collect();
    let evaluator: Arc<Mutex<Option<Evaluator>>> = Arc::default();
    let env = slot.clone();
    let source = Arc::new(move || {
        let Some(env) = env.lock().clone() else {
            return Vec::new();
        };
        let stats = env.stats.collect();
        let now = locusta_stats::now_epoch();
        let mut evaluator = evaluator.lock();
        let evaluator =
            evaluator.get_or_insert_with(|| Evaluator::new(thresholds.clone(), &stats, now - 1.0));
        evaluator.tick(&stats, now);
        evaluator.live()
    });
    (source, slot)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_each_threshold_and_a_banner_when_one_fails() {
    let (source, slot) = judged(&[
        "fail_ratio{name:/broken} < 1%",
        "requests > 0",
        "p95{name:\"<b>bold</b>\"} < 1s",
    ]);
    let h = start(Setup {
        thresholds: Some(source),
        ..Setup::default()
    })
    .await;
    *slot.lock() = Some(h.runner.environment().clone());
    let answer = post(&format!("{}/swarm", h.base), "user_count=4&spawn_rate=10").await;
    assert_eq!(answer.status, 200);

    // /stats/requests: one entry per threshold, as written, with its state.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    let states = loop {
        let stats = get(&format!("{}/stats/requests", h.base)).await.json();
        let states = stats["thresholds"].as_array().cloned().unwrap_or_default();
        if states.len() == 3 && states[0]["status"] == "failing" && states[1]["status"] == "passing"
        {
            break states;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never judged: {stats}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(states[0]["threshold"], "fail_ratio{name:/broken} < 1%");
    assert_eq!(states[0]["value_text"], "100.00%");
    assert_eq!(states[0]["limit_text"], "< 1.00%");
    assert_eq!(states[2]["status"], "no_data");

    let (_driver, client) = browser("thresholds").await;
    client
        .goto(&format!("{}/", h.base))
        .await
        .expect("the page loads");
    wait_for(
        &client,
        "!document.getElementById('threshold-banner').hidden",
    )
    .await;
    let banner = eval(
        &client,
        "document.getElementById('threshold-banner').textContent",
    )
    .await;
    let banner = banner.as_str().unwrap_or_default();
    assert!(
        banner.contains("1 of 3 thresholds failing: fail_ratio{name:/broken} < 1%"),
        "{banner}"
    );
    let statuses = eval(
        &client,
        "[...document.querySelectorAll('#thresholds li')].map(li => li.dataset.status).join(' ')",
    )
    .await;
    assert_eq!(statuses, "failing passing no_data");
    // A name full of markup is shown as text.
    assert_eq!(
        eval(&client, "document.querySelectorAll('#thresholds b').length").await,
        0
    );
    let third = eval(
        &client,
        "document.querySelectorAll('#thresholds code')[2].textContent",
    )
    .await;
    assert_eq!(third, "p95{name:\"<b>bold</b>\"} < 1s");
    screenshot(&client, "thresholds-banner").await;
    post(&format!("{}/stop", h.base), "").await;
}

//! The UI in a real headless Chromium, driven through chromedriver: what a
//! person does, from the start form to a new test. Screenshots go to
//! `target/test-screenshots/`.

mod common;

use std::time::{Duration, Instant};

use common::chromium::{browser, click, eval, open_tab, screenshot, text, type_into, wait_for};
use common::{shop_options, start, Harness, Setup};
use fantoccini::Client;
use locusta_engine::options::{CustomOption, OptionValue};
use serde_json::json;

async fn points(client: &Client) -> u64 {
    eval(
        client,
        "Number(document.getElementById('chart-rps').dataset.points || 0)",
    )
    .await
    .as_u64()
    .unwrap_or(0)
}

/// A whole session: start, watch, edit, look at every tab, switch theme,
/// reload, download, reset, stop, fix a bad form, start again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_from_start_to_new_test_in_the_browser() {
    let h: Harness = start(Setup {
        custom_options: shop_options(CustomOption::new("token", "API token").secret()),
        class_picker: true,
        ..Setup::default()
    })
    .await;
    let (_driver, client) = browser("session").await;
    let page = format!("{}/", h.base);
    client.goto(&page).await.expect("the page loads");
    wait_for(&client, "!document.getElementById('start-view').hidden").await;
    assert_eq!(
        eval(&client, "document.getElementById('user_count').value").await,
        "4"
    );
    assert_eq!(
        eval(&client, "document.getElementById('host').value").await,
        h.target.url()
    );
    screenshot(&client, "01-start-form").await;

    // Fill in the form, with custom options, and start.
    type_into(&client, "#user_count", "6").await;
    type_into(&client, "#spawn_rate", "10").await;
    click(&client, "#advanced summary").await;
    type_into(&client, "#opt-quantity", "3").await;
    click(&client, "#opt-express").await;
    eval(
        &client,
        "(document.getElementById('opt-region').value = 'us', true)",
    )
    .await;
    type_into(&client, "#opt-token", "hunter2").await;
    screenshot(&client, "01b-advanced-options").await;
    click(&client, "#start-button").await;
    wait_for(
        &client,
        "document.getElementById('status').textContent === 'running'",
    )
    .await;
    wait_for(
        &client,
        "document.querySelectorAll('#stats-body tr').length >= 3",
    )
    .await;
    wait_for(
        &client,
        "parseFloat(document.getElementById('header-rps').textContent) > 0",
    )
    .await;
    assert_eq!(text(&client, "#header-users").await, "6");
    let env = h.runner.environment();
    assert_eq!(env.option("quantity"), Some(OptionValue::Integer(3)));
    assert_eq!(env.option("express"), Some(OptionValue::Flag(true)));
    assert_eq!(env.option("region"), Some(OptionValue::Text("us".into())));
    assert_eq!(
        env.option("token"),
        Some(OptionValue::Text("hunter2".into()))
    );
    let aggregated = text(&client, "#stats-foot td:nth-child(2)").await;
    assert_eq!(aggregated, "Aggregated");
    screenshot(&client, "02-statistics").await;

    // Sorting and filtering.
    click(&client, "#stats-head th[data-key='num_requests']").await;
    let sorted = eval(
        &client,
        "Array.from(document.querySelectorAll('#stats-body tr:not(.spacer) td:nth-child(3)')).map(td => Number(td.textContent.replace(/[^0-9]/g, '')))",
    )
    .await;
    let counts: Vec<u64> = sorted
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "not sorted: {counts:?}"
    );
    type_into(&client, "#stats-filter", "broken").await;
    wait_for(
        &client,
        "document.querySelectorAll('#stats-body tr:not(.spacer)').length === 1",
    )
    .await;
    assert_eq!(text(&client, "#stats-body td.name").await, "/broken");
    type_into(&client, "#stats-filter", "").await;
    eval(
        &client,
        "document.getElementById('stats-filter').dispatchEvent(new Event('input')), true",
    )
    .await;

    // Hide a column.
    let columns = eval(
        &client,
        "document.querySelectorAll('#stats-head th').length",
    )
    .await;
    assert_eq!(columns, 13);
    click(&client, "#columns-menu summary").await;
    click(
        &client,
        "#columns-list input[data-column='avg_content_length']",
    )
    .await;
    assert_eq!(
        eval(
            &client,
            "document.querySelectorAll('#stats-head th').length"
        )
        .await,
        12
    );
    wait_for(
        &client,
        "document.querySelector('#stats-body tr:not(.spacer)').children.length === 12",
    )
    .await;
    click(&client, "#columns-menu summary").await;

    // A chart of one request, opened from its row.
    click(&client, "#stats-body .chart-link[data-name='/products']").await;
    wait_for(
        &client,
        "!document.querySelector(\"[data-panel='charts']\").hidden",
    )
    .await;
    wait_for(
        &client,
        "document.querySelector('.endpoint-chart h2').textContent === 'GET /products'",
    )
    .await;
    wait_for(
        &client,
        "Number(document.querySelector('.endpoint-chart canvas').dataset.points) >= 2",
    )
    .await;

    // The charts move.
    open_tab(&client, "charts").await;
    wait_for(
        &client,
        "Number(document.getElementById('chart-rps').dataset.points) >= 2",
    )
    .await;
    let before = points(&client).await;
    wait_for(
        &client,
        &format!("Number(document.getElementById('chart-rps').dataset.points) > {before}"),
    )
    .await;
    screenshot(&client, "03-charts").await;
    // No two time labels overlap, whatever the chart's width and time span
    // (measured with the charts' font, by the layout the charts use). The
    // times start at 10:00, so that every label has as many digits (the
    // layout spaces them by the width of the last one).
    let overlapping = "import(window.templateArgs.base_path + '/assets/js/chart.js').then(({ timeLabels }) => { const ctx = document.createElement('canvas').getContext('2d'); ctx.font = '12px system-ui, sans-serif'; const t0 = new Date().setHours(10, 0, 0, 0) / 1000; const bad = []; for (const width of [240, 400, 600, 900, 1300]) for (const span of [1, 2, 7, 60, 900, 3600, 86400]) { const l = timeLabels(t0, t0 + span, 56, width, (text) => ctx.measureText(text).width); if (l.length < 2 || l.some((x, i) => i > 0 && x[1] < l[i - 1][1] + l[i - 1][2] + 4)) bad.push(width + 'px/' + span + 's'); } return bad.join(','); })";
    assert_eq!(eval(&client, overlapping).await, "");
    // A click on a legend entry hides its line, another shows it again.
    let click_legend = "(() => { const c = document.getElementById('chart-rps'); const r = c.getBoundingClientRect(); c.dispatchEvent(new MouseEvent('click', {clientX: r.left + 62, clientY: r.top + 12, bubbles: true})); return c.dataset.hidden; })()";
    assert_eq!(eval(&client, click_legend).await, "RPS");
    assert_eq!(eval(&client, click_legend).await, "");

    // Edit the user count while running.
    click(&client, "#edit-button").await;
    wait_for(&client, "document.getElementById('edit-dialog').open").await;
    type_into(&client, "#edit-user_count", "9").await;
    screenshot(&client, "04-edit").await;
    click(&client, "#edit-submit").await;
    wait_for(
        &client,
        "document.getElementById('header-users').textContent === '9'",
    )
    .await;
    assert_eq!(h.runner.target_user_count(), 9);

    // Failures, exceptions (with traceback), ratio, logs.
    open_tab(&client, "failures").await;
    wait_for(
        &client,
        "document.querySelectorAll('#failures-table tbody tr').length >= 1",
    )
    .await;
    assert!(text(&client, "#failures-table tbody")
        .await
        .contains("/broken"));
    screenshot(&client, "05-failures").await;
    open_tab(&client, "exceptions").await;
    wait_for(
        &client,
        "document.querySelectorAll('#exceptions-table tbody tr').length >= 1",
    )
    .await;
    assert!(text(&client, "#exceptions-table tbody")
        .await
        .contains("the cart was empty"));
    screenshot(&client, "05b-exceptions").await;
    open_tab(&client, "ratio").await;
    assert!(text(&client, "#ratio-per-class").await.contains("Visitor"));
    screenshot(&client, "05c-ratio").await;
    open_tab(&client, "logs").await;
    wait_for(
        &client,
        "document.getElementById('logs').textContent.includes('harness ready')",
    )
    .await;
    screenshot(&client, "05d-logs").await;

    // Dark theme, kept across a reload, and the history survives it.
    click(&client, "#theme-toggle").await;
    assert_eq!(
        eval(&client, "document.documentElement.dataset.theme").await,
        "dark"
    );
    open_tab(&client, "charts").await;
    let before_reload = points(&client).await;
    screenshot(&client, "06-charts-dark").await;
    client.refresh().await.expect("reload");
    wait_for(&client, "!document.getElementById('dashboard').hidden").await;
    assert_eq!(
        eval(&client, "document.documentElement.dataset.theme").await,
        "dark"
    );
    open_tab(&client, "charts").await;
    wait_for(
        &client,
        &format!("Number(document.getElementById('chart-rps').dataset.points) >= {before_reload}"),
    )
    .await;
    // The endpoint chart is opened again, with the points the server kept.
    wait_for(&client, "Number((document.querySelector('.endpoint-chart canvas') || {dataset: {}}).dataset.points) >= 2").await;
    eval(
        &client,
        "(document.querySelector('.endpoint-chart').scrollIntoView(), true)",
    )
    .await;
    screenshot(&client, "06b-endpoint-chart-after-reload-dark").await;
    eval(&client, "(window.scrollTo(0, 0), true)").await;
    open_tab(&client, "stats").await;
    wait_for(
        &client,
        "document.querySelectorAll('#stats-body tr').length >= 3",
    )
    .await;
    screenshot(&client, "07-statistics-dark").await;

    // Downloads: the links the Download tab shows answer with the files.
    open_tab(&client, "download").await;
    screenshot(&client, "08-downloads").await;
    let csv = eval(
        &client,
        "fetch(document.querySelector('#downloads a').href).then(r => r.text())",
    )
    .await;
    assert!(
        csv.as_str().unwrap().starts_with("Type,Name,Request Count"),
        "{csv}"
    );
    let report = eval(
        &client,
        "fetch(document.getElementById('report-download').href).then(r => r.headers.get('content-disposition') + '|' + r.status)",
    )
    .await;
    let report = report.as_str().unwrap();
    assert!(
        report.starts_with("attachment;filename=locusta_") && report.ends_with("|200"),
        "{report}"
    );

    // The report in the current (dark) theme.
    client
        .goto(&format!("{}/stats/report?theme=dark", h.base))
        .await
        .expect("the report opens");
    screenshot(&client, "08b-report-dark").await;
    client.goto(&page).await.expect("back to the UI");
    wait_for(&client, "!document.getElementById('dashboard').hidden").await;

    // Reset the statistics.
    open_tab(&client, "stats").await;
    let total_before = h.runner.environment().stats.collect().num_requests();
    assert!(total_before > 0);
    click(&client, "#reset-button").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(h.runner.environment().stats.collect().num_requests() < total_before);

    // Stop, then a new test with a bad value first.
    click(&client, "#stop-button").await;
    wait_for(
        &client,
        "document.getElementById('status').textContent === 'stopped'",
    )
    .await;
    wait_for(
        &client,
        "!document.getElementById('new-test-button').hidden",
    )
    .await;
    screenshot(&client, "09-stopped").await;
    click(&client, "#new-test-button").await;
    wait_for(&client, "!document.getElementById('start-view').hidden").await;
    click(&client, "#advanced summary").await;
    type_into(&client, "#run_time", "10 minutes").await;
    click(&client, "#start-button").await;
    wait_for(&client, "!document.getElementById('form-error').hidden").await;
    assert!(text(&client, "#form-error").await.contains("run time"));
    screenshot(&client, "10-form-error-dark").await;
    type_into(&client, "#run_time", "30s").await;
    type_into(&client, "#user_count", "2").await;
    click(&client, "#start-button").await;
    wait_for(
        &client,
        "document.getElementById('status').textContent === 'running'",
    )
    .await;
    let history = eval(
        &client,
        "fetch(window.templateArgs.base_path + '/stats/history').then(r => r.json()).then(h => h.run_starts.length)",
    )
    .await;
    assert_eq!(history, 2);
    open_tab(&client, "charts").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    screenshot(&client, "11-second-run-charts-dark").await;
    click(&client, "#theme-toggle").await;
    screenshot(&client, "12-second-run-charts-light").await;

    // No script raised an error all along.
    assert_eq!(
        common::console::console_errors(&client).await,
        Vec::<String>::new()
    );

    // The process goes away: the page says so instead of freezing silently.
    h.runner.stop().await;
    h.server.shutdown();
    wait_for(&client, "!document.getElementById('offline').hidden").await;
    screenshot(&client, "14-server-gone").await;
    client.close().await.expect("closed");
}

/// 10,000 names: every row is there, only the visible ones are in the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_names_stay_smooth_in_the_browser() {
    let h = start(Setup {
        distinct_names: Some(10_000),
        ..Setup::default()
    })
    .await;
    let (_driver, client) = browser("names").await;
    client
        .goto(&format!("{}/", h.base))
        .await
        .expect("the page loads");
    type_into(&client, "#user_count", "100").await;
    type_into(&client, "#spawn_rate", "1000").await;
    click(&client, "#start-button").await;
    wait_for(
        &client,
        "document.getElementById('stats-count').textContent === '10,000 names'",
    )
    .await;
    let dom_rows = eval(
        &client,
        "document.querySelectorAll('#stats-body tr:not(.spacer)').length",
    )
    .await;
    assert!(
        dom_rows.as_u64().unwrap() < 100,
        "{dom_rows} rows in the DOM"
    );
    // Scroll to the end: the last names are drawn.
    eval(&client, "(() => { const s = document.getElementById('stats-scroll'); s.scrollTop = s.scrollHeight; s.dispatchEvent(new Event('scroll')); return true; })()").await;
    wait_for(&client, "Array.from(document.querySelectorAll('#stats-body td.name')).some(td => td.textContent === '/item/09999')").await;
    let render_ms = eval(
        &client,
        "(() => { const t = performance.now(); document.getElementById('stats-filter').dispatchEvent(new Event('input')); return performance.now() - t; })()",
    )
    .await;
    eprintln!("sorting and drawing 10,000 rows took {render_ms} ms in the page");
    screenshot(&client, "13-ten-thousand-names").await;
    client.close().await.expect("closed");
    h.runner.stop().await;
}

/// The class picker's settings dialog: change a class's tasks and fixed
/// count, see a refused value explained, and start with the new settings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn class_settings_are_changed_from_the_start_form() {
    let h = start(Setup {
        class_picker: true,
        ..Setup::default()
    })
    .await;
    let (_driver, client) = browser("class-settings").await;
    client
        .goto(&format!("{}/", h.base))
        .await
        .expect("the page loads");
    wait_for(&client, "!document.getElementById('class-picker').hidden").await;
    click(&client, ".class-settings[data-class='Visitor']").await;
    wait_for(&client, "document.getElementById('class-dialog').open").await;
    assert_eq!(
        eval(&client, "Array.from(document.querySelectorAll('.task-choice')).map(b => b.value + ':' + b.checked).join(',')").await,
        "visit:true,products:true,broken:true"
    );
    // A bad fixed count is explained in the dialog.
    type_into(&client, "#class-fixed_count", "1.5").await;
    click(&client, "#class-save").await;
    wait_for(&client, "!document.getElementById('class-error').hidden").await;
    assert!(text(&client, "#class-error").await.contains("whole number"));
    type_into(&client, "#class-fixed_count", "2").await;
    click(&client, ".task-choice[value='visit']").await;
    click(&client, ".task-choice[value='broken']").await;
    screenshot(&client, "15-class-settings").await;
    click(&client, "#class-save").await;
    wait_for(&client, "!document.getElementById('class-dialog').open").await;
    let infos = h.runner.class_descriptors();
    let visitor = infos.iter().find(|c| c.name == "Visitor").expect("Visitor");
    assert_eq!(
        (visitor.fixed_count, visitor.task_names()),
        (2, vec!["products".to_string()])
    );
    // Opened again, the dialog shows what was saved.
    click(&client, ".class-settings[data-class='Visitor']").await;
    assert_eq!(
        eval(
            &client,
            "document.getElementById('class-fixed_count').value"
        )
        .await,
        "2"
    );
    click(&client, "#class-cancel").await;
    type_into(&client, "#user_count", "3").await;
    type_into(&client, "#spawn_rate", "30").await;
    click(&client, "#start-button").await;
    let runner = h.runner.clone();
    let deadline = Instant::now() + Duration::from_secs(20);
    while runner.user_count() < 3 {
        assert!(Instant::now() < deadline, "3 users did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let counts = runner.user_classes_count();
    assert_eq!((counts["Visitor"], counts["Buyer"]), (2, 1));
    client.close().await.expect("closed");
    runner.stop().await;
}

/// The response-time chart shows the percentiles the user picks, and keeps
/// the choice after a reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_charted_percentiles_are_chosen_and_kept() {
    let h = start(Setup::default()).await;
    let (_driver, client) = browser("percentiles").await;
    let page = format!("{}/", h.base);
    client.goto(&page).await.expect("the page loads");
    type_into(&client, "#user_count", "3").await;
    type_into(&client, "#spawn_rate", "30").await;
    click(&client, "#start-button").await;
    open_tab(&client, "charts").await;
    wait_for(
        &client,
        "Number(document.getElementById('chart-times').dataset.points || 0) >= 2",
    )
    .await;
    let series = "document.getElementById('chart-times').dataset.series";
    assert_eq!(
        eval(&client, series).await,
        "50th percentile,95th percentile"
    );
    click(&client, ".percentile-box[value='0.99']").await;
    click(&client, ".percentile-box[value='0.5']").await;
    wait_for(
        &client,
        &format!("{series} === '95th percentile,99th percentile'"),
    )
    .await;
    screenshot(&client, "16-chosen-percentiles").await;
    client.goto(&page).await.expect("the page reloads");
    open_tab(&client, "charts").await;
    wait_for(
        &client,
        &format!("{series} === '95th percentile,99th percentile'"),
    )
    .await;
    assert_eq!(
        eval(
            &client,
            "document.querySelector(\".percentile-box[value='0.99']\").checked"
        )
        .await,
        true
    );
    client.close().await.expect("closed");
    h.runner.stop().await;
}

/// The class picker's shape select: a shape hides the user fields and runs;
/// "Default" brings the fields back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shape_is_picked_in_the_start_form() {
    use locusta_engine::shape::{NamedShape, Stages};
    let h = start(Setup {
        class_picker: true,
        shapes: vec![NamedShape {
            name: "Single".into(),
            shape: Box::new(Stages::new(&[(30, 1, 100.0)])),
        }],
        ..Setup::default()
    })
    .await;
    let (_driver, client) = browser("shape-picker").await;
    client
        .goto(&format!("{}/", h.base))
        .await
        .expect("the page loads");
    wait_for(&client, "!document.getElementById('shape-picker').hidden").await;
    let users_hidden = "document.getElementById('user_count').closest('label').hidden";
    assert_eq!(
        eval(&client, "document.getElementById('shape_class').value").await,
        "Single"
    );
    assert_eq!(eval(&client, users_hidden).await, true);
    eval(&client, "(() => { const s = document.getElementById('shape_class'); s.value = 'Default'; s.dispatchEvent(new Event('change')); return true; })()").await;
    assert_eq!(eval(&client, users_hidden).await, false);
    eval(&client, "(() => { const s = document.getElementById('shape_class'); s.value = 'Single'; s.dispatchEvent(new Event('change')); return true; })()").await;
    assert_eq!(eval(&client, users_hidden).await, true);
    screenshot(&client, "17-shape-picker").await;
    click(&client, "#start-button").await;
    let runner = h.runner.clone();
    let deadline = Instant::now() + Duration::from_secs(20);
    while runner.user_count() < 1 {
        assert!(Instant::now() < deadline, "the shape's user did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_for(
        &client,
        "document.getElementById('status').textContent === 'running'",
    )
    .await;
    // A shape sets the users: no Edit button.
    assert_eq!(
        eval(&client, "document.getElementById('edit-button').hidden").await,
        true
    );
    client.close().await.expect("closed");
    runner.stop().await;
}

/// A master's page: the header counts the workers, a test started from the
/// form spreads its users over them, and the Workers tab lists them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workers_tab_lists_a_masters_workers() {
    let h = start(Setup {
        workers: 2,
        ..Setup::default()
    })
    .await;
    common::wait_until("two workers ready", || {
        h.runner
            .workers()
            .is_some_and(|w| w.iter().filter(|w| w.state == "ready").count() == 2)
    })
    .await;
    let (_driver, client) = browser("workers").await;
    client
        .goto(&format!("{}/", h.base))
        .await
        .expect("the page loads");
    wait_for(&client, "!document.getElementById('workers-tab').hidden").await;
    wait_for(
        &client,
        "document.getElementById('header-workers').textContent === '2'",
    )
    .await;
    let count = common::get(&format!("{}/worker-count", h.base))
        .await
        .json();
    assert_eq!(count, json!({"worker_count": 2}));

    // Start from the form: 4 users, 2 on each worker.
    type_into(&client, "#user_count", "4").await;
    type_into(&client, "#spawn_rate", "10").await;
    click(&client, "#start-button").await;
    open_tab(&client, "workers").await;
    wait_for(
        &client,
        "Array.from(document.querySelectorAll('#workers-table tbody tr')).map(r => r.cells[1].textContent + ':' + r.cells[2].textContent).join(',') === 'running:2,running:2'",
    )
    .await;
    wait_for(
        &client,
        "document.getElementById('header-users').textContent === '4'",
    )
    .await;
    screenshot(&client, "20-workers").await;
    // Their log lines are in the Logs tab, after the master's.
    let logs = common::get(&format!("{}/logs", h.base)).await.json();
    assert_eq!(
        logs["workers"].as_object().map(|w| w.len()),
        Some(2),
        "{logs}"
    );
    open_tab(&client, "logs").await;
    wait_for(
        &client,
        "['worker 0 says hello', 'worker 1 says hello'].every(l => document.getElementById('logs').textContent.includes(l))",
    )
    .await;
    screenshot(&client, "21-worker-logs").await;
    let stats = common::get(&format!("{}/stats/requests", h.base))
        .await
        .json();
    assert_eq!(stats["worker_count"], json!(2));
    assert_eq!(stats["workers"].as_array().map(Vec::len), Some(2));
    for worker in stats["workers"].as_array().unwrap() {
        for key in ["id", "state", "user_count", "cpu_usage", "memory_usage"] {
            assert!(worker.get(key).is_some(), "{worker}");
        }
    }
    // Each worker's self-check is in its row; a suspect one raises the
    // banner, its reason shown as text and naming the worker.
    assert_eq!(stats["generator"]["verdict"], "healthy", "{stats}");
    open_tab(&client, "workers").await;
    wait_for(
        &client,
        "Array.from(document.querySelectorAll('#workers-table tbody tr')).every(r => r.cells[5].textContent === 'healthy')",
    )
    .await;
    assert_eq!(
        eval(
            &client,
            "document.getElementById('generator-banner').hidden"
        )
        .await,
        true
    );
    let starved = stats["workers"][0]["id"].as_str().unwrap().to_string();
    h.runner.environment().health.record_worker(
        &starved,
        locusta_engine::health::WorkerHealth {
            suspect: true,
            reasons: vec!["<b>held</b> by Shopper.nap".into()],
            ..Default::default()
        },
    );
    wait_for(
        &client,
        "!document.getElementById('generator-banner').hidden",
    )
    .await;
    let banner = text(&client, "#generator-banner").await;
    assert!(
        banner.contains(&format!("worker {starved}: <b>held</b> by Shopper.nap")),
        "{banner}"
    );
    assert_eq!(
        eval(
            &client,
            "document.querySelectorAll('#generator-banner b').length"
        )
        .await,
        0
    );
    screenshot(&client, "22-generator-suspect").await;
    client.close().await.expect("closed");
    h.runner.stop().await;
}

/// A request name, a class name, an error, an option's label and a shape
/// name made of markup.
const MARKUP: &str = r#"<img src=x onerror="window.__pwned=1">"'&"#;

async fn marked(u: &mut locusta_engine::prelude::User<()>) -> locusta_engine::prelude::TaskResult {
    u.client.get("/status/500").name(MARKUP).send().await;
    Err(locusta_engine::prelude::TaskError::fail(MARKUP))
}

/// Markup in the data is shown as text in every tab (and in the start
/// form), never run, and the page's scripts raise no error on the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_names_and_messages_is_shown_as_text_everywhere() {
    use locusta_engine::prelude::*;
    use locusta_engine::shape::{NamedShape, Stages};
    let h = start(Setup {
        classes: vec![UserClass::<()>::new(MARKUP)
            .wait(constant(0.05))
            .task(1, marked)
            .boxed()],
        custom_options: vec![CustomOption::new("label", MARKUP)],
        class_picker: true,
        shapes: vec![NamedShape {
            name: MARKUP.into(),
            shape: Box::new(Stages::new(&[(30, 1, 100.0)])),
        }],
        ..Setup::default()
    })
    .await;
    let (_driver, client) = browser("markup").await;
    client
        .goto(&format!("{}/", h.base))
        .await
        .expect("the page loads");
    wait_for(&client, "!document.getElementById('class-picker').hidden").await;
    let markup = serde_json::to_string(MARKUP).unwrap();
    // `texts(css)`: the text of every element `css` finds.
    let texts =
        |css: &str| format!("[...document.querySelectorAll({css:?})].map((e) => e.textContent)");
    let has = |css: &str| format!("{}.includes({markup})", texts(css));
    // The start form: the class, its settings dialog, the shape, the option.
    assert_eq!(
        eval(&client, &has("#class-list .class-row span")).await,
        true
    );
    assert_eq!(
        eval(&client, "document.querySelector('.class-choice').value").await,
        MARKUP
    );
    assert_eq!(eval(&client, &has("#shape_class option")).await, true);
    assert_eq!(
        eval(
            &client,
            "document.getElementById('opt-label').closest('label').textContent"
        )
        .await,
        MARKUP
    );
    click(&client, ".class-settings").await;
    wait_for(&client, "document.getElementById('class-dialog').open").await;
    assert_eq!(text(&client, "#class-dialog-name").await, MARKUP);
    click(&client, "#class-cancel").await;
    // Start without the shape, the form's users.
    eval(&client, "(() => { const s = document.getElementById('shape_class'); s.value = 'Default'; s.dispatchEvent(new Event('change')); return true; })()").await;
    type_into(&client, "#user_count", "2").await;
    type_into(&client, "#spawn_rate", "20").await;
    click(&client, "#start-button").await;

    // Statistics: the name, its tooltip and its chart button.
    wait_for(&client, &has("#stats-body td.name")).await;
    assert_eq!(
        eval(
            &client,
            "document.querySelector('#stats-body td.name').title"
        )
        .await,
        MARKUP
    );
    screenshot(&client, "30-markup-statistics").await;
    // Charts: the request's chart, found on the server by its name.
    click(&client, "#stats-body .chart-link").await;
    let title = serde_json::to_string(&format!("GET {MARKUP}")).unwrap();
    wait_for(
        &client,
        &format!("(document.querySelector('.endpoint-chart h2') || {{}}).textContent === {title}"),
    )
    .await;
    assert_eq!(
        text(&client, ".endpoint-chart h2").await,
        format!("GET {MARKUP}")
    );
    wait_for(
        &client,
        "Number(document.querySelector('.endpoint-chart canvas').dataset.points) >= 1",
    )
    .await;
    // Failures, exceptions, ratio.
    open_tab(&client, "failures").await;
    wait_for(&client, &has("#failures-table td")).await;
    screenshot(&client, "31-markup-failures").await;
    open_tab(&client, "exceptions").await;
    wait_for(&client, &has("#exceptions-table td.wrap")).await;
    open_tab(&client, "ratio").await;
    wait_for(&client, &has("#ratio-per-class li span:last-child")).await;
    // Downloads: the statistics file holds the name as it is.
    open_tab(&client, "download").await;
    let csv = eval(
        &client,
        "fetch(document.querySelector('#downloads a').href).then(r => r.text())",
    )
    .await;
    assert!(
        csv.as_str()
            .unwrap()
            .contains(r#"<img src=x onerror=""window.__pwned=1"">"#),
        "{csv}"
    );
    open_tab(&client, "stats").await;

    // Nothing ran, no element was made from the data, no script failed.
    assert_eq!(eval(&client, "window.__pwned === undefined").await, true);
    assert_eq!(
        eval(&client, "document.querySelectorAll('img').length").await,
        0
    );
    assert_eq!(
        common::console::console_errors(&client).await,
        Vec::<String>::new()
    );
    client.close().await.expect("closed");
    h.runner.stop().await;
}

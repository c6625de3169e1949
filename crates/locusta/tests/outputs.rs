//! The files a run writes: CSV, JSON and the HTML report, checked as a user
//! would read them after a real run against the demo target.

mod common;

use std::path::Path;

use common::scratch::scratch;
use locusta::prelude::*;
use locusta_demo_target::{spawn, TargetConfig};

async fn index(u: &mut User<()>) {
    u.client.get("/").send().await;
}

async fn missing(u: &mut User<()>) {
    u.client.get("/status/404").send().await;
}

/// One user (the default `-u 1`) cycling through three `GET /` and one 404, so
/// every count is known in advance.
fn program() -> Locusta {
    Locusta::new().user(
        UserClass::<()>::new("U")
            .sequential()
            .task(3, index)
            .task(1, missing),
    )
}

fn run(args: &[&str]) -> i32 {
    let mut argv = vec!["locusta", "--headless", "--only-summary"];
    argv.extend_from_slice(args);
    program().run_with_args(argv)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn csv_files_hold_the_whole_run() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("csv");
    let prefix = dir.join("nested/run");
    let code = run(&[
        "-H",
        &target.url(),
        "-i",
        "40",
        "--csv",
        prefix.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "404s are failures");
    let stats = read(&dir.join("nested/run_stats.csv"));
    let lines: Vec<&str> = stats.lines().collect();
    assert!(
        lines[0].starts_with("Type,Name,Request Count,Failure Count,Median Response Time"),
        "{stats}"
    );
    let aggregated = lines.last().unwrap();
    assert!(aggregated.starts_with(",Aggregated,40,"), "{stats}");
    let failures = read(&dir.join("nested/run_failures.csv"));
    assert!(
        failures.starts_with("Method,Name,Error,Occurrences,First Seen,Last Seen"),
        "{failures}"
    );
    assert!(
        failures.contains(
            "GET,/status/404,HTTPError('404 Client Error: Not Found for url: /status/404'),"
        ),
        "{failures}"
    );
    let history = read(&dir.join("nested/run_stats_history.csv"));
    assert!(
        history.starts_with("Timestamp,User Count,Type,Name,Requests/s"),
        "{history}"
    );
    let last = history.lines().last().unwrap();
    assert!(last.contains(",Aggregated,"), "{history}");
    assert!(
        last.contains(",40,"),
        "the final row has the final total: {history}"
    );
    assert!(
        read(&dir.join("nested/run_exceptions.csv")).starts_with("Count,Message,Traceback,Nodes")
    );
}

#[test]
fn json_file_has_one_object_per_row() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("json");
    let name = dir.join("result");
    let code = run(&[
        "-H",
        &target.url(),
        "-i",
        "20",
        "--json-file",
        name.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let text = read(&dir.join("result.json"));
    let rows: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = rows.as_array().unwrap();
    let total: u64 = rows
        .iter()
        .map(|r| r["num_requests"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 20);
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["/", "/status/404"]);
}

#[test]
fn html_report_is_written_with_the_name_template_filled_in() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("html");
    let template = dir.join("report-{u}-{r}.html");
    let code = run(&[
        "-H",
        &target.url(),
        "-u",
        "1",
        "-r",
        "2.5",
        "-i",
        "8",
        "--html",
        template.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let page = read(&dir.join("report-1-2.5.html"));
    assert!(page.contains("locusta report"));
    assert!(page.contains("Aggregated"));
    assert!(page.contains("/status/404"));
    assert!(
        page.contains(&target.url().replace("http://", "")),
        "the host is shown"
    );
}

#[test]
fn an_unwritable_output_path_stops_before_any_request() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let under_a_file = file.join("run");
    for option in ["--csv", "--html", "--json-file"] {
        let code = run(&[
            "-H",
            &target.url(),
            "-i",
            "5",
            option,
            under_a_file.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{option}");
    }
    assert_eq!(target.requests_served(), 0, "no run was wasted");
}

//! A locustfile extends the web UI as in Locust: `init` listeners get
//! `web_ui` (None when headless), and the routes, page and `after_request`
//! functions of its Flask app (`web_ui.app`) are served by locusta's UI,
//! behind its login (tests/locustfiles/extend_web_ui.py; Flask is installed
//! by scripts/setup.sh).
#![cfg(feature = "python")]

#[path = "../../web/tests/common/chromium.rs"]
mod chromium;
mod common;

use std::time::{Duration, Instant};

use common::net::{http, request};
use common::process::Proc;
use common::programs::{locusta, locusta_binary, locustfile};
use common::scratch::{scratch, Scratch};
use common::text::assert_contains;
use common::timed::wait_until;
use locusta_demo_target::{spawn, RunningTarget, TargetConfig};
use serde_json::Value;

/// `locusta -f extend_web_ui.py` with its UI on a free port, the target as
/// host, and the folder it runs in.
fn start_extended(
    target: &RunningTarget,
    name: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Proc, Scratch) {
    let dir = scratch(name);
    let file = locustfile("extend_web_ui.py");
    let mut args = vec!["-f", &file, "--web-host", "127.0.0.1", "--web-port", "0"];
    let host = target.url();
    args.extend(["-H", &host]);
    args.extend_from_slice(extra);
    (
        Proc::start_with_env(locusta_binary(), &args, &dir, "locusta", env),
        dir,
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The rows of the `bytes` table that `/stats/requests` carries.
fn extended_rows(stats: &Value) -> Vec<Value> {
    let tables = stats["extended_stats"]
        .as_array()
        .unwrap_or_else(|| panic!("no extended_stats in {stats}"));
    let table = tables
        .iter()
        .find(|t| t["key"] == "bytes")
        .unwrap_or_else(|| panic!("no bytes table in {stats}"));
    table["data"].as_array().cloned().unwrap_or_default()
}

/// Waits (up to 20 s) until the `/products` row has requests.
fn wait_for_rows(address: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = http(address, "GET", "/stats/requests", "");
        let rows = extended_rows(&json(&body));
        if rows
            .iter()
            .any(|r| r["name"] == "/products" && r["requests"].as_u64() > Some(0))
        {
            return rows;
        }
        assert!(Instant::now() < deadline, "no rows: {body}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn terminate(mut program: Proc) {
    program.signal(libc::SIGTERM);
    program.succeeded(Duration::from_secs(30));
}

#[test]
fn flask_routes_answer_beside_the_built_in_ones_and_a_broken_one_gives_500() {
    let target = spawn(TargetConfig::default());
    let (program, _dir) = start_extended(&target, "flask-routes", &[], &[]);
    let address = program.ui_address();

    let (status, body) = http(&address, "GET", "/bytes/summary", "");
    assert!(status.contains("200"), "{status} {body}");
    let summary = json(&body);
    assert_eq!(summary["names"], 0, "{body}");
    assert_eq!(summary["method"], "GET", "{body}");

    let echo = request(
        &address,
        "POST",
        "/bytes/echo?tag=blue",
        &[("Content-Type", "application/json")],
        r#"{"n": [1, 2]}"#,
    );
    assert_eq!(echo.status(), 200, "{}", echo.body);
    let echoed = json(&echo.body);
    assert_eq!(echoed["got"]["n"][1], 2, "{}", echo.body);
    assert_eq!(echoed["query"], "blue", "{}", echo.body);
    assert_eq!(echoed["path"], "/bytes/echo", "{}", echo.body);

    let csv = request(&address, "GET", "/bytes/csv", &[], "");
    assert_eq!(csv.status(), 200, "{}", csv.body);
    assert_eq!(csv.header("content-type"), Some("text/csv"));
    assert_eq!(
        csv.header("content-disposition"),
        Some("attachment;filename=bytes.csv")
    );
    assert!(csv.body.starts_with("\"Name\",\"Requests\",\"Bytes\""));

    let missing = request(&address, "GET", "/no/such/page", &[], "");
    assert_eq!(missing.status(), 404);

    // Built-in answers go through the app's after_request function.
    let (_, stats) = http(&address, "GET", "/stats/requests", "");
    assert_eq!(extended_rows(&json(&stats)), Vec::<Value>::new());

    // The page with an extra tab: locusta's index.html with more template_args.
    let page = request(&address, "GET", "/extend", &[], "");
    assert_eq!(page.status(), 200);
    assert_contains(&page.body, "window.templateArgs = {");
    assert_contains(&page.body, "/assets/app.js");
    assert_contains(
        &page.body,
        r#""extended_tabs": [{"key": "bytes", "title": "Bytes \u003creceived\u003e"}]"#,
    );
    assert_contains(&page.body, r#""available_user_classes": ["Browser"]"#);

    let (status, body) = http(&address, "POST", "/swarm", "user_count=2&spawn_rate=10");
    assert!(status.contains("200"), "{status} {body}");
    wait_for_rows(&address);

    // A route that raises: 500, its traceback logged, and the test goes on.
    let broken = request(&address, "GET", "/bytes/broken", &[], "");
    assert_eq!(broken.status(), 500, "{}", broken.body);
    program.line_with("ZeroDivisionError: division by zero");
    assert!(
        program
            .log()
            .lines()
            .any(|l| l.contains("extend_web_ui.py\", line") && l.contains("in broken")),
        "{}",
        program.log()
    );
    let before = wait_for_rows(&address);
    let count = |rows: &[Value]| -> u64 {
        rows.iter()
            .map(|r| r["requests"].as_u64().unwrap_or(0))
            .sum()
    };
    wait_until(
        Duration::from_secs(20),
        "the test stopped after the 500",
        || count(&wait_for_rows(&address)) > count(&before),
    );
    let csv = request(&address, "GET", "/bytes/csv", &[], "");
    assert_contains(&csv.body, "\"/products\",");
    let (_, stop) = http(&address, "GET", "/stop", "");
    assert_contains(&stop, "Test stopped");
    terminate(program);
}

#[test]
fn the_login_and_the_base_path_cover_the_flask_routes() {
    let target = spawn(TargetConfig::default());
    let (program, _dir) = start_extended(
        &target,
        "flask-login",
        &["--web-login", "--web-base-path", "/ui"],
        &[("LOCUSTA_WEB_LOGIN", "tester:s3cret")],
    );
    let ui = program.ui_address();
    let (address, base) = ui.split_once('/').expect("a base path");
    assert_eq!(base, "ui");
    // "tester:s3cret" in base64.
    let login = [("Authorization", "Basic dGVzdGVyOnMzY3JldA==")];
    for path in ["/ui/bytes/summary", "/ui/bytes/csv", "/ui/extend"] {
        let denied = request(address, "GET", path, &[], "");
        assert_eq!(denied.status(), 401, "{path}: {}", denied.body);
        let wrong = request(
            address,
            "GET",
            path,
            &[("Authorization", "Basic dGVzdGVyOndyb25n")],
            "",
        );
        assert_eq!(wrong.status(), 401, "{path}: {}", wrong.body);
        let allowed = request(address, "GET", path, &login, "");
        assert_eq!(allowed.status(), 200, "{path}: {}", allowed.body);
    }
    let mut headers = login.to_vec();
    headers.push(("Content-Type", "application/json"));
    let echo = request(address, "POST", "/ui/bytes/echo", &headers, "{}");
    assert_eq!(echo.status(), 200, "{}", echo.body);
    // The app sees the path below the base path.
    assert_eq!(json(&echo.body)["path"], "/bytes/echo", "{}", echo.body);
    let page = request(address, "GET", "/ui/extend", &login, "");
    assert_contains(&page.body, "href=\"/ui/assets/app.css\"");
    let stats = request(address, "GET", "/ui/stats/requests", &login, "");
    assert_eq!(extended_rows(&json(&stats.body)), Vec::<Value>::new());
    assert_eq!(
        request(address, "GET", "/ui/stats/requests", &[], "").status(),
        401
    );
    terminate(program);
}

#[test]
fn init_gets_the_web_ui_only_when_there_is_one() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("probe");
    let file = locustfile("web_ui_probe.py");
    let host = target.url();
    let program = Proc::start(
        locusta_binary(),
        &[
            "-f",
            &file,
            "--web-host",
            "127.0.0.1",
            "--web-port",
            "0",
            "-H",
            &host,
        ],
        &dir,
        "probe",
    );
    program.line_with("probe: web_ui=WebUI same_as_environment=True");
    program.line_with("probe: decorated view says view ran");
    program.ui_address();
    terminate(program);

    // Without Flask, reading web_ui.app says what to install.
    let no_flask = dir.join("no-flask/flask");
    std::fs::create_dir_all(&no_flask).expect("a folder");
    std::fs::write(
        no_flask.join("__init__.py"),
        "raise ImportError(\"No module named 'flask'\")\n",
    )
    .expect("written");
    let shadow = no_flask
        .parent()
        .expect("parent")
        .to_string_lossy()
        .into_owned();
    for (env, said) in [
        (vec![("PROBE_APP", "1")], "probe: app is a Flask"),
        (
            vec![("PROBE_APP", "1"), ("PYTHONPATH", shadow.as_str())],
            "probe: no app: locusta: environment.web_ui.app is a Flask app, and Flask is not installed in the Python locusta uses: pip install flask",
        ),
    ] {
        let program = Proc::start_with_env(
            locusta_binary(),
            &["-f", &file, "--web-host", "127.0.0.1", "--web-port", "0", "-H", &host],
            &dir,
            "probe-app",
            &env,
        );
        program.line_with(said);
        program.ui_address();
        terminate(program);
    }

    let headless = locusta(&["-f", &file, "-H", &host, "-u", "1", "-t", "1s"]);
    assert_eq!(headless.code, Some(0), "{}", headless.stderr);
    assert_contains(
        &headless.stderr,
        "probe: web_ui=NoneType same_as_environment=True",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_extended_tab_shows_its_table_and_its_download_in_the_browser() {
    let target = spawn(TargetConfig::default());
    let (program, _dir) = start_extended(&target, "flask-browser", &[], &[]);
    let address = program.ui_address();
    let started = {
        let address = address.clone();
        tokio::task::spawn_blocking(move || {
            http(&address, "POST", "/swarm", "user_count=2&spawn_rate=10")
        })
        .await
        .expect("swarm")
    };
    assert!(started.0.contains("200"), "{started:?}");
    let (_driver, client) = chromium::browser("extend").await;
    client
        .goto(&format!("http://{address}/extend"))
        .await
        .expect("the page opens");
    let tab = ".tab[data-tab='extended-0']";
    chromium::wait_for(
        &client,
        &format!("document.querySelector(\"{tab}\") !== null"),
    )
    .await;
    assert_eq!(
        chromium::eval(
            &client,
            &format!("document.querySelector(\"{tab}\").textContent")
        )
        .await,
        "Bytes <received>"
    );
    chromium::click(&client, tab).await;
    let panel = ".panel[data-panel='extended-0']";
    assert_eq!(
        chromium::eval(
            &client,
            &format!("[...document.querySelectorAll(\"{panel} th\")].map((th) => th.textContent).join('|')"),
        )
        .await,
        "Name|Requests|Bytes received"
    );
    chromium::wait_for(
        &client,
        &format!(
            "[...document.querySelectorAll(\"{panel} tbody tr\")].some((tr) => tr.cells[0].textContent === '/products' && tr.cells[1].textContent !== '0')"
        ),
    )
    .await;
    chromium::wait_for(
        &client,
        &format!("!document.querySelector(\"{panel}\").hidden"),
    )
    .await;
    chromium::screenshot(&client, "extended-tab").await;
    chromium::open_tab(&client, "download").await;
    chromium::wait_for(
        &client,
        "[...document.querySelectorAll('#downloads li')].some((li) => li.textContent.includes('Bytes per name (CSV)') && li.querySelector(\"a[href='/bytes/csv']\") !== null)",
    )
    .await;
    client.close().await.expect("closed");
    tokio::task::spawn_blocking(move || terminate(program))
        .await
        .expect("ended");
}

/// locust-plugins' own routes on `web_ui.app` (tests/locustfiles/plugins.py):
/// JmeterListener's `/csv_results.csv` and the TransactionManager's
/// `/stats/transactions/csv` and `/stats/transactions/all/csv`, served in a
/// web-mode run as under Locust.
#[test]
fn locust_plugins_web_routes_are_served() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("plugins-web-routes");
    let data = dir.join("paths.csv");
    std::fs::write(&data, "/\n/no-such-page\n").expect("the CSV is written");
    let file = locustfile("plugins.py");
    let host = target.url();
    let args = [
        "-f",
        &file,
        "--web-host",
        "127.0.0.1",
        "--web-port",
        "0",
        "-H",
        &host,
        "--autostart",
        "-u",
        "2",
        "-r",
        "2",
    ];
    let env = [
        ("PLUGINS_DATA", data.to_str().expect("UTF-8")),
        ("PLUGINS_OUT", dir.to_str().expect("UTF-8")),
    ];
    let mut program = Proc::start_with_env(locusta_binary(), &args, &dir, "locusta", &env);
    let address = program.ui_address();

    // The summary has a row once a journey has ended (two tasks later).
    wait_until(
        Duration::from_secs(30),
        "a journey row in /stats/transactions/csv",
        || {
            let summary = request(&address, "GET", "/stats/transactions/csv", &[], "");
            summary.status() == 200 && summary.body.contains("journey")
        },
    );
    let summary = request(&address, "GET", "/stats/transactions/csv", &[], "");
    assert_contains(&summary.body, "Type,Name,Request Count,Failure Count");

    let all = request(&address, "GET", "/stats/transactions/all/csv", &[], "");
    assert_eq!(all.status(), 200, "{}", all.body);
    assert!(
        all.body
            .lines()
            .skip(1)
            .any(|line| line.contains("journey")),
        "no journey among the transactions: {}",
        all.body
    );

    let results = request(&address, "GET", "/csv_results.csv", &[], "");
    assert_eq!(results.status(), 200, "{}", results.body);
    let mut lines = results.body.lines();
    assert_contains(lines.next().unwrap_or_default(), "timeStamp");
    assert!(
        lines.any(|line| line.contains("home")),
        "no request row in /csv_results.csv: {}",
        results.body
    );
    // The CSV's second path is a 404: exit code 1, as Locust's after failures.
    program.signal(libc::SIGTERM);
    assert_eq!(
        program.exit_code(Duration::from_secs(30)),
        Some(1),
        "{}",
        program.log()
    );
}

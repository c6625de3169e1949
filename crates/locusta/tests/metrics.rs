//! `GET /metrics` (Prometheus) with real processes: a real Prometheus
//! server scraping a headless run's `--metrics-port` and its answers
//! compared with locusta's own figures; the text checked by `promtool`
//! (escaping, folding); the web UI's `/metrics` behind its login; a
//! master's merged view of two workers. Every run is bounded by `-t` and by
//! the time limits of its waits.

mod common;

use std::time::Duration;

use common::net::{free_port, request, try_request};
use common::process::{words, Proc};
use common::programs::{example, locusta_binary};
use common::prometheus::{promtool_check, Prometheus};
use common::scratch::scratch;
use common::timed::wait_until;
use locusta_demo_target::{spawn, TargetConfig};

/// The `/metrics` text at `address`, or `None` while nothing answers there.
fn try_metrics(address: &str, headers: &[(&str, &str)]) -> Option<String> {
    let answer = try_request(address, "GET", "/metrics", headers, "").ok()?;
    (answer.status() == 200).then_some(answer.body)
}

/// The value of the sample line that starts with `series` (name and
/// labels exactly as written), if there is one.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().expect("a number"))
}

/// Waits (at most 30 s) until the `/metrics` text at `address` satisfies
/// `ready`; that text.
#[track_caller]
fn metrics_when(address: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    wait_until(Duration::from_secs(30), what, || {
        last = try_metrics(address, &[]).unwrap_or_default();
        ready(&last)
    });
    last
}

/// The `--csv` stats row of `name`: the columns by header.
fn csv_row(path: &std::path::Path, name: &str) -> std::collections::BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let row = lines
        .find(|line| line.split(',').nth(1) == Some(name))
        .unwrap_or_else(|| panic!("no row {name} in:\n{text}"));
    header
        .iter()
        .zip(row.split(','))
        .map(|(h, v)| (h.to_string(), v.to_string()))
        .collect()
}

/// The queries of the Grafana dashboard (`deploy/grafana`), with its
/// variables given values that select everything.
fn dashboard_queries() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy/grafana/locusta-dashboard.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 6, "{dashboard}");
    panels
        .iter()
        .flat_map(|panel| panel["targets"].as_array().expect("targets").iter())
        .map(|target| {
            target["expr"]
                .as_str()
                .expect("an expr")
                .replace("$__rate_interval", "5s")
                .replace("$job", ".*")
                .replace("$name", ".*")
        })
        .collect()
}

/// The `locusta_…` metric names a query reads (histogram series by their
/// metric's name).
fn metric_names(query: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = query;
    while let Some(at) = rest.find("locusta_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        names.push(name.trim_end_matches("_bucket").to_string());
    }
    names
}

#[test]
fn prometheus_scrapes_a_headless_run_and_agrees_with_its_figures() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("prometheus");
    let metrics_port = free_port();
    let metrics_address = format!("127.0.0.1:{metrics_port}");
    let prometheus = Prometheus::start(&dir, &[&metrics_address]);
    // 4 users, each GET /sleep?ms=50 with no wait: a steady load whose
    // response times all lie in the (50 ms, 100 ms] bucket on an idle machine.
    let mut run = Proc::start(
        &example("bench_sleep"),
        &words(&format!(
            "--headless -u 4 -r 100 -t 12s --only-summary --csv run --metrics-host 127.0.0.1 --metrics-port {metrics_port} -H {}",
            target.url()
        )),
        &dir,
        "locusta",
    );
    run.expect_log("Serving Prometheus metrics at", Duration::from_secs(30));
    wait_until(
        Duration::from_secs(30),
        "Prometheus scrapes the run",
        || !prometheus.query("locusta_up", None).is_empty(),
    );
    run.succeeded(Duration::from_secs(60));

    let row = csv_row(&dir.join("run_stats.csv"), "/sleep?ms=50");
    let own_count: f64 = row["Request Count"].parse().unwrap();
    let own_rps: f64 = row["Requests/s"].parse().unwrap();
    let own_median_s: f64 = row["Median Response Time"].parse::<f64>().unwrap() / 1000.0;
    assert!(own_count > 50.0, "{row:?}");
    let series = "{name=\"/sleep?ms=50\",method=\"GET\"}";

    // The last count scraped: at most what the run counted in all, and at
    // least what it counted until 3 s before its end (scrapes come every
    // second; the run ends within a second of its last request).
    let scraped = prometheus.value(
        &format!("max_over_time(locusta_requests_total{series}[2m])"),
        None,
    );
    assert!(
        scraped <= own_count && scraped >= own_count - 3.0 * own_rps,
        "Prometheus's last count {scraped}, the run's {own_count} at {own_rps}/s"
    );

    // The rate over 6 s in the middle of the run against the run's own
    // average: the load is steady, the tolerance the noise of a busy machine.
    let start = prometheus.value("max_over_time(locusta_start_time_seconds[2m])", None);
    let rate = prometheus.value(
        &format!("rate(locusta_requests_total{series}[6s])"),
        Some(start + 9.0),
    );
    assert!(
        (rate - own_rps).abs() <= 0.4 * own_rps,
        "rate() {rate}/s, the run's own {own_rps}/s"
    );

    // histogram_quantile interpolates inside the bucket where the median
    // lies: it must be the bucket of the run's own median.
    let bounds: Vec<f64> = locusta_metrics::BUCKETS_US
        .iter()
        .map(|&us| us as f64 / 1e6)
        .collect();
    let upper = bounds
        .iter()
        .position(|&b| own_median_s <= b)
        .unwrap_or_else(|| panic!("median {own_median_s} s beyond the buckets"));
    let lower = if upper == 0 { 0.0 } else { bounds[upper - 1] };
    let quantile = prometheus.value(
        &format!(
            "histogram_quantile(0.5, max_over_time(locusta_response_time_seconds_bucket{series}[2m]))"
        ),
        None,
    );
    assert!(
        quantile >= lower && quantile <= bounds[upper],
        "histogram_quantile {quantile}, the run's median {own_median_s} in ({lower}, {}]",
        bounds[upper]
    );
    // The summary carries the run's own percentile, exactly (to the µs).
    let summary = prometheus.value(
        "last_over_time(locusta_response_time_percentile_seconds{name=\"/sleep?ms=50\",quantile=\"0.5\"}[2m])",
        None,
    );
    assert!(
        (summary - own_median_s).abs() <= 0.001,
        "summary {summary}, the run's median {own_median_s}"
    );
    // Every query of the Grafana dashboard is valid PromQL for Prometheus.
    for query in dashboard_queries() {
        prometheus.query(&query, Some(start + 9.0));
    }
}

#[cfg(feature = "python")]
#[test]
fn the_text_escapes_names_folds_the_rest_and_passes_promtool() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("exposition");
    // 14 names: the odd one and /fail the busiest, so that they are kept.
    std::fs::write(
        dir.join("locustfile.py"),
        "from locust import HttpUser, task, constant\n\n\
         class Visitor(HttpUser):\n    wait_time = constant(0.05)\n\n    @task\n    def visit(self):\n\
         \x20       for _ in range(3):\n            self.client.get('/', name='say \"hi\" \\\\ back\\nslash é')\n\
         \x20       for _ in range(2):\n            self.client.get('/status/500', name='/fail')\n\
         \x20       for i in range(12):\n            self.client.get('/', name=f'/item/{i}')\n",
    )
    .unwrap();
    let metrics_port = free_port();
    let address = format!("127.0.0.1:{metrics_port}");
    let mut run = Proc::start(
        locusta_binary(),
        &words(&format!(
            "-f locustfile.py --headless -u 2 -r 10 -t 40s --only-summary --metrics-host 127.0.0.1 --metrics-port {metrics_port} --metrics-max-names 5 -H {}",
            target.url()
        )),
        &dir,
        "locusta",
    );
    let odd = "{method=\"GET\",name=\"say \\\"hi\\\" \\\\ back\\nslash é\"}";
    let text = metrics_when(&address, "every name seen, two kept", |text| {
        sample(text, "locusta_metrics_names_folded") == Some(9.0)
            && sample(text, &format!("locusta_requests_total{odd}")).is_some()
    });
    run.signal(libc::SIGTERM);
    // Failures make the exit code 1.
    assert_eq!(
        run.exit_code(Duration::from_secs(30)),
        Some(1),
        "{}",
        run.log()
    );

    promtool_check(&text);
    assert!(
        text.contains(
            "# 9 request names beyond --metrics-max-names 5 are folded into name=\"__other__\""
        ),
        "{text}"
    );
    assert_eq!(sample(&text, "locusta_metrics_max_names"), Some(5.0));
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("locusta_requests_total{"))
        .collect();
    assert_eq!(kept.len(), 6, "5 names and __other__: {kept:?}");
    let fail = "{method=\"GET\",name=\"/fail\"}";
    let requests = sample(&text, &format!("locusta_requests_total{fail}")).unwrap();
    assert!(requests > 0.0);
    assert_eq!(
        sample(&text, &format!("locusta_request_failures_total{fail}")),
        Some(requests)
    );
    // The folded row holds the requests of the other names.
    let other = "{method=\"GET\",name=\"__other__\"}";
    let folded = sample(&text, &format!("locusta_requests_total{other}")).unwrap();
    let total = sample(&text, "locusta_aggregated_response_time_seconds_count").unwrap();
    let kept_sum: f64 = kept
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(kept_sum, total, "every request is in one series");
    assert!(folded > 0.0);
    // A histogram's +Inf bucket is its count, and buckets never decrease.
    let odd_buckets: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with("locusta_response_time_seconds_bucket{method=\"GET\",name=\"say"))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(odd_buckets.len(), locusta_metrics::BUCKETS_US.len() + 1);
    assert!(
        odd_buckets.windows(2).all(|w| w[0] <= w[1]),
        "{odd_buckets:?}"
    );
    assert_eq!(
        odd_buckets.last().copied(),
        sample(&text, &format!("locusta_response_time_seconds_count{odd}"))
    );
    assert_eq!(sample(&text, "locusta_users{class=\"Visitor\"}"), Some(2.0));
    assert_eq!(sample(&text, "locusta_state{state=\"running\"}"), Some(1.0));
    assert_eq!(sample(&text, "locusta_up"), Some(1.0));
}

#[test]
fn the_web_ui_serves_metrics_behind_its_login() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("web_metrics");
    let mut program = Proc::start_with_env(
        &example("shop"),
        &words(&format!(
            "--web-host 127.0.0.1 --web-port 0 --web-login --autostart -u 2 -r 10 -t 3s -H {}",
            target.url()
        )),
        &dir,
        "shop",
        &[("LOCUSTA_WEB_LOGIN", "ann:secret")],
    );
    let address = program.ui_address();
    let denied = request(&address, "GET", "/metrics", &[], "");
    assert_eq!(denied.status(), 401, "{}", denied.body);
    // "ann:secret" in base64.
    let login = [("Authorization", "Basic YW5uOnNlY3JldA==")];
    let mut text = String::new();
    wait_until(Duration::from_secs(30), "the test stops", || {
        text = try_metrics(&address, &login).unwrap_or_default();
        sample(&text, "locusta_state{state=\"stopped\"}") == Some(1.0)
    });
    let answer = request(&address, "GET", "/metrics", &login, "");
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    promtool_check(&answer.body);
    // The test is over: the counters are the UI's own figures, exactly.
    let stats: serde_json::Value =
        serde_json::from_str(&request(&address, "GET", "/stats/requests", &login, "").body)
            .unwrap();
    let rows = stats["stats"].as_array().unwrap();
    assert!(rows.len() > 2, "{stats}");
    for row in rows {
        let name = row["name"].as_str().unwrap();
        if name == "Aggregated" {
            continue;
        }
        let series = format!(
            "{{method=\"{}\",name=\"{name}\"}}",
            row["method"].as_str().unwrap()
        );
        assert_eq!(
            sample(&answer.body, &format!("locusta_requests_total{series}")),
            row["num_requests"].as_f64(),
            "{series}"
        );
        assert_eq!(
            sample(
                &answer.body,
                &format!("locusta_request_failures_total{series}")
            ),
            row["num_failures"].as_f64(),
            "{series}"
        );
    }
    program.signal(libc::SIGTERM);
    program.wait_for(Duration::from_secs(30));
}

#[test]
fn a_master_exposes_the_merged_view_of_two_workers() {
    let target = spawn(TargetConfig::default());
    let program = example("bench_sleep");
    let dir = scratch("master_metrics");
    let port = free_port().to_string();
    let metrics_port = free_port();
    let address = format!("127.0.0.1:{metrics_port}");
    let mut master = Proc::start(
        &program,
        &words(&format!("--master --headless --only-summary --expect-workers 2 --expect-workers-max-wait 30 -u 4 -r 4 -t 30s --stop-timeout 5 --master-bind-host 127.0.0.1 --master-bind-port {port} --metrics-host 127.0.0.1 --metrics-port {metrics_port} -H {}", target.url())),
        &dir,
        "master",
    );
    // Workers serve their own metrics too, each on a port of its own.
    let worker_ports = [free_port(), free_port()];
    let mut workers: Vec<Proc> = worker_ports
        .iter()
        .enumerate()
        .map(|(k, metrics_port)| {
            Proc::start(
                &program,
                &words(&format!("--worker --master-host 127.0.0.1 --master-port {port} --metrics-host 127.0.0.1 --metrics-port {metrics_port}")),
                &dir,
                &format!("worker{k}"),
            )
        })
        .collect();
    let text = metrics_when(&address, "two running workers with 2 users each", |text| {
        sample(text, "locusta_workers{state=\"running\"}") == Some(2.0)
            && sample(text, "locusta_users{class=\"Sleeper\"}") == Some(4.0)
            && text
                .lines()
                .filter(|l| l.starts_with("locusta_worker_users{") && l.ends_with(" 2"))
                .count()
                == 2
            && sample(
                text,
                "locusta_requests_total{method=\"GET\",name=\"/sleep?ms=50\"}",
            )
            .is_some_and(|n| n > 0.0)
    });
    promtool_check(&text);
    // The dashboard reads only metrics a master serves.
    for query in dashboard_queries() {
        for name in metric_names(&query) {
            assert!(
                text.contains(&format!("# TYPE {name} ")),
                "{name} (in the dashboard's {query}) is not served"
            );
        }
    }
    // Each worker's own metrics count its own users.
    for metrics_port in worker_ports {
        let worker_text = metrics_when(
            &format!("127.0.0.1:{metrics_port}"),
            "a worker's own metrics",
            |text| sample(text, "locusta_users{class=\"Sleeper\"}") == Some(2.0),
        );
        promtool_check(&worker_text);
    }
    // The master's counts are the sum of its workers' reports: they grow
    // while the workers send them.
    let first = sample(&text, "locusta_aggregated_response_time_seconds_count").unwrap();
    metrics_when(&address, "the merged counts grow", |text| {
        sample(text, "locusta_aggregated_response_time_seconds_count").is_some_and(|n| n > first)
    });
    master.signal(libc::SIGTERM);
    master.succeeded(Duration::from_secs(30));
    for worker in &mut workers {
        worker.succeeded(Duration::from_secs(20));
    }
}

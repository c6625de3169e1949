//! A web UI on a real runner, users hitting the demo target, and a small
//! HTTP client: what the API and browser tests share.
#![allow(dead_code)]

/// A headless Chromium, for the browser tests.
pub mod chromium;
/// The browser's console.
pub mod console;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use locusta_demo_target::{spawn, RunningTarget, TargetConfig};
use locusta_engine::options::CustomOption;
use locusta_engine::prelude::*;
use locusta_engine::runner::{Runner, RunnerState, SeatedClass};
use locusta_stats::html::ReportMeta;
use locusta_stats::{now_epoch, StatsHistory};
use locusta_web::{serve, Credentials, LogBuffer, WebConfig, WebContext, WebServer};
use parking_lot::Mutex;

/// A started UI and what it drives.
pub struct Harness {
    pub target: RunningTarget,
    pub server: WebServer,
    pub runner: Arc<Runner>,
    /// `http://127.0.0.1:PORT` plus the base path, no trailing slash.
    pub base: String,
    pub history: Arc<Mutex<StatsHistory>>,
    pub logs: LogBuffer,
    pub context: WebContext,
    _sampler: AbortOnDrop,
    /// In-process workers of a master (`Setup::workers`).
    _workers: Vec<AbortOnDrop>,
}

/// A background task that ends with its owner.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The custom options of the form tests: an integer, a flag and a choice
/// with defaults, then `token` (a secret, as each test needs it).
pub fn shop_options(token: CustomOption) -> Vec<CustomOption> {
    vec![
        CustomOption::new("quantity", "Items per purchase")
            .kind(OptionKind::Integer)
            .default_value(OptionValue::Integer(1)),
        CustomOption::new("express", "Express checkout").kind(OptionKind::Flag),
        CustomOption::new("region", "Region")
            .kind(OptionKind::Choice(vec!["eu".into(), "us".into()]))
            .default_value(OptionValue::Text("eu".into())),
        token,
    ]
}

/// What to change from the defaults.
#[derive(Default)]
pub struct Setup {
    pub base_path: String,
    pub login: Option<Credentials>,
    pub custom_options: Vec<CustomOption>,
    /// Use this many distinct request names (one class, `Names`), instead
    /// of the `Visitor` and `Buyer` classes.
    pub distinct_names: Option<u64>,
    /// The wait of a `Names` user between requests (default 10 ms).
    pub names_wait: Option<f64>,
    pub target_latency: Duration,
    pub tls: Option<locusta_web::TlsFiles>,
    /// Start without a host (the classes have none either).
    pub no_host: bool,
    pub class_picker: bool,
    pub stop_timeout: Duration,
    /// The program's load shapes, the first in use.
    pub shapes: Vec<locusta_engine::shape::NamedShape>,
    /// With workers: the runner is a master (on a free 127.0.0.1 port) and
    /// this many workers, each with its own runner, join it over ZeroMQ.
    pub workers: usize,
    /// Routes of the program's own (a Flask app, in locusta).
    pub extension: Option<Arc<dyn locusta_web::WebExtension>>,
    /// These user classes instead of `Visitor` and `Buyer` (when not empty).
    pub classes: Vec<Arc<dyn UserDefinition>>,
    /// The run's thresholds' live state, for `/stats/requests` and the page.
    pub thresholds: Option<locusta_web::ThresholdsSource>,
}

async fn visit(u: &mut User<()>) {
    u.client.get("/").send().await;
}
async fn products(u: &mut User<()>) {
    u.client.get("/products").send().await;
}
async fn broken(u: &mut User<()>) {
    u.client.get("/status/500").name("/broken").send().await;
}
async fn oops(_u: &mut User<()>) -> TaskResult {
    Err(TaskError::fail("the cart was empty"))
}

/// Starts the target, a runner with two load threads and the UI on port 0.
pub async fn start(mut setup: Setup) -> Harness {
    let target = spawn(TargetConfig {
        latency: setup.target_latency,
        ..TargetConfig::default()
    });
    let classes: Vec<Arc<dyn UserDefinition>> = match setup.distinct_names {
        Some(names) => {
            static NEXT: AtomicU64 = AtomicU64::new(0);
            NEXT.store(0, Ordering::Relaxed);
            async fn named(u: &mut User<u64>) {
                let n = NEXT.fetch_add(1, Ordering::Relaxed) % u.state.max(1);
                u.client
                    .get("/")
                    .name(&format!("/item/{n:05}"))
                    .send()
                    .await;
            }
            vec![UserClass::<u64>::with_state("Names", move || names)
                .wait(constant(setup.names_wait.unwrap_or(0.01)))
                .task(1, named)
                .boxed()]
        }
        None if setup.classes.is_empty() => default_classes(),
        None => std::mem::take(&mut setup.classes),
    };
    let env = Arc::new(Environment {
        host: parking_lot::RwLock::new((!setup.no_host).then(|| target.url())),
        custom_options: setup.custom_options.clone(),
        stop_timeout: setup.stop_timeout,
        parsed_options: parking_lot::RwLock::new(
            setup
                .custom_options
                .iter()
                .filter_map(|o| Some((o.name.clone(), o.default.clone()?)))
                .collect(),
        ),
        ..Environment::default()
    });
    let mut workers = Vec::new();
    let runner = if setup.workers > 0 {
        let master = locusta_cluster::master::Master::bind(env.clone(), "127.0.0.1", 0, false)
            .await
            .expect("the master listens");
        let classes = classes.into_iter().map(SeatedClass::Local).collect();
        let runner =
            Runner::with_workers(env.clone(), classes, Arc::new(master.clone())).expect("runner");
        master.attach(&runner);
        for n in 0..setup.workers {
            let worker_env = Arc::new(Environment {
                host: parking_lot::RwLock::new(Some(target.url())),
                ..Environment::default()
            });
            let worker = Runner::new(worker_env, default_classes(), 1).expect("worker runner");
            let options = locusta_cluster::worker::WorkerOptions {
                master_host: "127.0.0.1".into(),
                master_port: master.port(),
                log_lines: Some(Arc::new(move || vec![format!("worker {n} says hello")])),
                log_interval: std::time::Duration::from_millis(100),
            };
            workers.push(AbortOnDrop(tokio::spawn(async move {
                locusta_cluster::worker::run(worker, options).await;
            })));
        }
        runner
    } else {
        Runner::new(env.clone(), classes, 2).expect("runner")
    };
    let history = Arc::new(Mutex::new(StatsHistory::default()));
    let logs = LogBuffer::default();
    logs.push("[2026-01-01 00:00:00,000] test/INFO/locusta: harness ready");
    let config = WebConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        base_path: setup.base_path.clone(),
        login: setup.login.clone(),
        locustfile: "harness".into(),
        users: 4,
        spawn_rate: 2.0,
        run_time: None,
        profile: None,
        full_history_csv: None,
        tls: setup.tls.clone(),
        class_picker: setup.class_picker,
        hostless: Vec::new(),
        metrics_max_names: locusta_web::DEFAULT_METRICS_MAX_NAMES,
    };
    let context = WebContext {
        runner: runner.clone(),
        history: history.clone(),
        logs: logs.clone(),
        report_meta: Arc::new(|runner: &Runner| ReportMeta {
            profile: None,
            start_time: runner.environment().stats.start_time(),
            end_time: now_epoch(),
            host: runner.environment().host().unwrap_or_default(),
            locustfile: "harness".into(),
            user_classes: Vec::new(),
            thresholds: Vec::new(),
            generator: None,
        }),
        shapes: std::mem::take(&mut setup.shapes)
            .into_iter()
            .map(|named| (named.name, Arc::new(Mutex::new(named.shape))))
            .collect(),
        extension: setup.extension.take(),
        thresholds: setup.thresholds.take(),
    };
    let server = serve(config, context.clone()).await.expect("the UI starts");
    let base = format!(
        "{}://{}{}",
        if setup.tls.is_some() { "https" } else { "http" },
        server.local_addr(),
        setup.base_path.trim_end_matches('/')
    );
    // What the program's output task does: a history point a second while a test runs.
    let sampler = {
        let runner = runner.clone();
        let history = history.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tick.tick().await;
                if matches!(runner.state(), RunnerState::Ready | RunnerState::Stopped) {
                    continue;
                }
                let now = now_epoch();
                let mut stats = runner.environment().stats.collect();
                stats.snapshot_response_times(now, false);
                history.lock().record(&stats, runner.user_count(), now);
            }
        })
    };
    Harness {
        target,
        server,
        runner,
        base,
        history,
        logs,
        context,
        _sampler: AbortOnDrop(sampler),
        _workers: workers,
    }
}

/// The `Visitor` and `Buyer` classes.
fn default_classes() -> Vec<Arc<dyn UserDefinition>> {
    vec![
        UserClass::<()>::new("Visitor")
            .weight(3.0)
            .wait(constant(0.05))
            .task(3, visit)
            .task(2, products)
            .task(1, broken)
            .boxed(),
        UserClass::<()>::new("Buyer")
            .wait(constant(0.1))
            .task(1, products)
            .task(1, oops)
            .boxed(),
    ]
}

/// An answer: status, headers, body text.
pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!("not JSON ({e}): {}", &self.body[..self.body.len().min(300)])
        })
    }
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

/// Sends a request (a form body for POST) with optional basic auth.
pub async fn request(method: &str, url: &str, form: Option<&str>, auth: Option<&str>) -> Answer {
    let kind = form.map(|_| "application/x-www-form-urlencoded");
    send(method, url, form.zip(kind), auth).await
}

/// `POST url` with a JSON body.
pub async fn post_json(url: &str, body: &str) -> Answer {
    send("POST", url, Some((body, "application/json")), None).await
}

/// Sends a request with an optional `(body, content type)`.
async fn send(method: &str, url: &str, body: Option<(&str, &str)>, auth: Option<&str>) -> Answer {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut builder = hyper::Request::builder().method(method).uri(url);
    let form = body.map(|(text, _)| text);
    if let Some((_, kind)) = body {
        builder = builder.header("content-type", kind);
    }
    if let Some(auth) = auth {
        builder = builder.header("authorization", auth);
    }
    let request = builder
        .body(Full::new(Bytes::from(form.unwrap_or("").to_string())))
        .expect("request");
    let response = tokio::time::timeout(Duration::from_secs(20), client.request(request))
        .await
        .expect("answered in time")
        .expect("answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

pub async fn get(url: &str) -> Answer {
    request("GET", url, None, None).await
}

pub async fn post(url: &str, form: &str) -> Answer {
    request("POST", url, Some(form), None).await
}

/// Waits (up to 15 s) until `check` holds.
pub async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

//! Entry points for the fuzz targets in `fuzz/` and their regression tests:
//! each runs this crate's real parsing of what a browser sends (the
//! `/swarm` form, the `/user` JSON body, the query strings of the report,
//! history and endpoint routes) on untrusted bytes, through the same
//! extraction and handlers as the server, without a socket and without
//! starting a test. None may panic, hang or allocate beyond the limits.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::Uri;
use locusta_engine::options::{CustomOption, OptionKind, OptionValue};
use locusta_engine::prelude::*;
use locusta_engine::runner::Runner;
use locusta_engine::user::UserDefinition;
use locusta_stats::html::ReportMeta;
use locusta_stats::StatsHistory;
use parking_lot::Mutex;

use crate::api::{self, Shared};
use crate::{LogBuffer, WebConfig, WebContext};

/// The web UI's state around a runner that never starts, and the runtime
/// the handlers run on, made once per thread.
struct Ui {
    runtime: tokio::runtime::Runtime,
    shared: Arc<Shared>,
}

thread_local! {
    static UI: RefCell<Option<Ui>> = const { RefCell::new(None) };
}

async fn visit(_user: &mut User<()>) {}

fn ui() -> Ui {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let entered = runtime.enter();
    let choices = || vec!["a".to_string(), "b".to_string()];
    let custom_options = vec![
        CustomOption::new("my-text", "text"),
        CustomOption::new("my-int", "integer").kind(OptionKind::Integer),
        CustomOption::new("my-float", "float")
            .kind(OptionKind::Float)
            .required(),
        CustomOption::new("my-flag", "flag").kind(OptionKind::Flag),
        CustomOption::new("my-choice", "choice").kind(OptionKind::Choice(choices())),
        CustomOption::new("my-multi", "multi").kind(OptionKind::MultiChoice(choices())),
        CustomOption::new("my-secret", "secret")
            .secret()
            .default_value(OptionValue::Text("s".into())),
    ];
    let env = Arc::new(Environment {
        custom_options,
        ..Environment::default()
    });
    let classes: Vec<Arc<dyn UserDefinition>> = vec![
        UserClass::<()>::new("Visitor").task(1, visit).boxed(),
        UserClass::<()>::new("Buyer")
            .host("http://127.0.0.1:1")
            .task(2, visit)
            .boxed(),
    ];
    let runner = Runner::new(env, classes, 1).expect("a runner");
    let config = WebConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        base_path: String::new(),
        login: None,
        locustfile: "fuzz".into(),
        users: 1,
        spawn_rate: 1.0,
        run_time: None,
        profile: None,
        full_history_csv: None,
        tls: None,
        class_picker: true,
        hostless: vec!["Buyer".into()],
        metrics_max_names: crate::DEFAULT_METRICS_MAX_NAMES,
    };
    let context = WebContext {
        runner,
        history: Arc::new(Mutex::new(StatsHistory::default())),
        logs: LogBuffer::default(),
        report_meta: Arc::new(|runner: &Runner| ReportMeta {
            profile: None,
            start_time: runner.environment().stats.start_time(),
            end_time: runner.environment().stats.start_time() + 1.0,
            host: runner.environment().host().unwrap_or_default(),
            locustfile: "fuzz".into(),
            user_classes: Vec::new(),
            thresholds: Vec::new(),
            generator: None,
        }),
        shapes: Vec::new(),
        extension: None,
        thresholds: None,
    };
    let shared = Shared::new(config, context);
    drop(entered);
    Ui { runtime, shared }
}

/// A URI `/?<data>`: the bytes as a browser's query string, those a URI
/// cannot hold percent-encoded (a server never sees them raw).
fn query_uri(data: &[u8]) -> Option<Uri> {
    let mut uri = String::from("/?");
    for &b in data {
        if b.is_ascii_graphic() && b != b'#' {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.parse().ok()
}

/// The input as the `/swarm` form (checked, not started), as the `/user`
/// JSON body, and as the query string of `/stats/report`,
/// `/stats/history` and `/stats/endpoint`.
pub fn web_forms(data: &[u8]) {
    UI.with(|cell| {
        let mut cell = cell.borrow_mut();
        let ui = cell.get_or_insert_with(ui);
        let shared = &ui.shared;
        if let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) {
            if let Ok(request) = api::control::parse_swarm(shared, &form) {
                assert!(request.spawn_rate.is_finite() && request.spawn_rate > 0.0);
            }
        }
        ui.runtime.block_on(async {
            let body = axum::body::Bytes::copy_from_slice(data);
            let _ = api::control::update_user_class(State(shared.clone()), body).await;
            if let Some(uri) = query_uri(data) {
                if let Ok(query) = Query::try_from_uri(&uri) {
                    let _ = api::downloads::report(State(shared.clone()), query).await;
                }
                if let Ok(query) = Query::try_from_uri(&uri) {
                    let _ = api::stats::history(State(shared.clone()), query).await;
                }
                if let Ok(query) = Query::try_from_uri(&uri) {
                    let _ = api::stats::endpoint_history(State(shared.clone()), query).await;
                }
            }
        });
    });
}

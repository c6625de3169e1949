//! What the Download and Logs tabs fetch: the CSV files, the HTML report and
//! the log lines.
//!
//! The CSV files and a downloaded report are attachments named as Locust
//! names them, `{stem}_{epoch seconds}.{ext}` (see [`attachment`]); their
//! contents come from `locusta_stats` (`csv`, `html`), the same code that
//! writes `--csv` and `--html`, so a download and the files of a headless
//! run agree. The report covers the current run only (its history from the
//! last run start on), and `?theme=dark` gives it the UI's dark colours.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use locusta_stats::{csv, html, now_epoch, StatsHistory};
use serde_json::json;

use super::state::AppState;

/// A CSV (or HTML) download named `{stem}_{epoch seconds}.{ext}`.
fn attachment(content_type: &'static str, stem: &str, ext: &str, body: String) -> Response {
    let disposition = format!(
        "attachment;filename={stem}_{}.{ext}",
        now_epoch().floor() as i64
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// `GET /stats/requests/csv`.
pub(super) async fn requests_csv(State(shared): State<AppState>) -> Response {
    let body = csv::stats_csv(&shared.env().stats.collect());
    attachment("text/csv", "requests", "csv", body)
}

/// `GET /stats/failures/csv`.
pub(super) async fn failures_csv(State(shared): State<AppState>) -> Response {
    let body = csv::failures_csv(&shared.env().stats.collect());
    attachment("text/csv", "failures", "csv", body)
}

/// `GET /exceptions/csv`.
pub(super) async fn exceptions_csv(State(shared): State<AppState>) -> Response {
    let body = csv::exceptions_csv(&shared.env().stats.exceptions());
    attachment("text/csv", "exceptions", "csv", body)
}

/// `GET /stats/requests_full_history/csv`: the `--csv-full-history` file
/// as written so far (404 without the option).
pub(super) async fn full_history_csv(State(shared): State<AppState>) -> Response {
    let Some(path) = &shared.config.full_history_csv else {
        return (
            StatusCode::NOT_FOUND,
            "Error: Server was not started with option to generate full history.",
        )
            .into_response();
    };
    match std::fs::read_to_string(path) {
        Ok(body) => attachment("text/csv", "requests_full_history", "csv", body),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read {}: {e}", path.display()),
        )
            .into_response(),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct ReportQuery {
    download: Option<String>,
    theme: Option<String>,
}

/// The report in the UI's dark theme: its colours, overridden after its own
/// style sheet (`?theme=dark`).
const REPORT_DARK_CSS: &str = "<style>\
:root{--bg:#0e1318;--card:#161d25;--text:#e5e9ee;--muted:#97a3b3;--line:#29333f;--zebra:#1b232d;--accent:#22c55e;--bad:#f87171}\
th,tr.total td,.ratio .class-row td{background:#1b232d}\
tbody tr:hover{background:#1f2935}\
.legend{color:#cbd5e1}\
.plot .grid{stroke:#26303b}.plot .frame{fill:#131a21;stroke:#29333f}\
.plot .tick{fill:#97a3b3}.plot .axis-title{fill:#cbd5e1}.plot .marker{stroke:#161d25}\
.bar{background:#29333f}\
</style>\n</head>";

/// `GET /stats/report[?download=1][&theme=dark]`: the HTML report of the
/// current run, shown or downloaded.
pub(crate) async fn report(
    State(shared): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Response {
    let runner = &shared.context.runner;
    let mut meta = (shared.context.report_meta)(runner);
    meta.profile = shared.profile.lock().clone();
    let run_start = shared.run_starts.lock().last().copied().unwrap_or(0.0);
    let history = StatsHistory {
        points: shared
            .context
            .history
            .lock()
            .points
            .iter()
            .filter(|p| p.time >= run_start)
            .cloned()
            .collect(),
    };
    let exceptions = shared.env().stats.exceptions();
    let mut page = html::render_report(&shared.env().stats.collect(), &exceptions, &history, &meta);
    if query.theme.as_deref() == Some("dark") {
        page = page.replacen("</head>", REPORT_DARK_CSS, 1);
    }
    if query.download.is_some_and(|d| !d.is_empty() && d != "0") {
        let name: String = format!("locusta_{}_{}", shared.config.locustfile, meta.host)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        return attachment("text/html; charset=utf-8", &name, "html", page);
    }
    axum::response::Html(page).into_response()
}

/// `GET /logs`: the master's recent log lines, and each worker's.
pub(super) async fn logs(State(shared): State<AppState>) -> Response {
    let workers = shared.context.runner.worker_logs();
    Json(json!({"master": shared.context.logs.lines(), "workers": workers})).into_response()
}

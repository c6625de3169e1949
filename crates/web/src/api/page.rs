//! `GET /`: the page, with the data its script starts from.
//!
//! The page is `assets/index.html` with two holes: `{{BASE}}` (the base path,
//! HTML-escaped, in front of the assets' URLs) and `{{TEMPLATE_ARGS}}`, a
//! JSON object assigned to `window.templateArgs` (Locust's name). That object
//! is a [`TemplateArgs`]: one typed field per key the script reads, mirrored
//! on the JavaScript side by the `TemplateArgs` JSDoc type of
//! `assets/js/store.js`. The same data reaches a Python locustfile's Flask
//! app as `template_args` (through [`crate::WebPage`]), which may add keys of
//! its own (`extended_tabs`, …) before rendering the page again.
//!
//! The object is written with its keys sorted (as Flask's `tojson` writes
//! them), and with every `<` escaped as `\u003c` so that no text in it (a
//! request name, a help text) can close the `<script>` it sits in.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use locusta_engine::options::{OptionKind, OptionValue};
use serde::Serialize;
use serde_json::Value;

use super::state::{AppState, Shared};
use super::stats::{current_tasks, history_json, worker_count};
use crate::{assets, stats_json};

/// The page's data (Locust's `window.templateArgs`, with the keys this UI
/// uses). Every field is read by the page's script when it starts.
#[derive(Serialize)]
pub(crate) struct TemplateArgs {
    /// The script or program name, shown in the footer.
    locustfile: String,
    /// The runner's state (`ready`, `spawning`, `running`, `stopping`,
    /// `stopped`, …): `ready` shows the start form, anything else the
    /// dashboard.
    state: &'static str,
    /// Whether the runner is a master: shows the workers' count and tab.
    is_distributed: bool,
    /// The users running now, for the header.
    user_count: u64,
    /// locusta's version, for the footer.
    version: &'static str,
    /// The host the form proposes (the environment's, else the first
    /// class's own) and the header shows.
    host: Option<String>,
    /// Some user class has no host and neither has the environment: the
    /// form asks for one.
    missing_host_warning: bool,
    /// The user count the form proposes (the last start's, at first `-u`).
    num_users: u64,
    /// The ramp-up the form proposes (the last start's, at first `-r`).
    spawn_rate: f64,
    /// A master's workers that can take users (0 elsewhere).
    worker_count: usize,
    /// Whether `--csv-full-history` is on: the Download tab offers the file.
    stats_history_enabled: bool,
    /// The task ratio tree of the Current ratio tab (`GET /tasks`'s answer).
    tasks: Value,
    /// The custom options (`include_in_web_ui`) the form shows, by name.
    extra_options: BTreeMap<String, ExtraOption>,
    /// Their names in declaration order (the object's keys are sorted).
    extra_options_order: Vec<String>,
    /// The run time the form proposes, in seconds (`-t`).
    run_time: Option<u64>,
    /// Whether the form lets the user pick classes and a shape
    /// (`--class-picker`).
    show_userclass_picker: bool,
    /// Whether a load shape is in use: the form hides its user fields and
    /// the running test cannot be edited.
    has_shape: bool,
    /// The same as `has_shape` (Locust's name for hiding the fields).
    hide_common_options: bool,
    /// The shape choice of the class picker: `Default` (no shape), then the
    /// program's shapes.
    available_shape_classes: Vec<String>,
    /// The shape in use, or `Default`.
    shape_class: String,
    /// The user classes the class picker lists.
    available_user_classes: Vec<String>,
    /// Each class's settings (Locust's `User.json()`), for its settings
    /// dialog.
    users: BTreeMap<String, ClassSettings>,
    /// Each class's tasks that its settings may keep.
    available_user_tasks: BTreeMap<String, Vec<String>>,
    /// The percentiles the response-time chart shows at first.
    percentiles_to_chart: [f64; 2],
    /// The percentiles each history row holds, after time, users, rps and
    /// failures/s.
    percentiles_recorded: [f64; 6],
    /// The percentile columns of the statistics table.
    percentiles_to_statistics: [f64; 2],
    /// The same as `missing_host_warning` (Locust's name).
    is_host_required: bool,
    /// The profile label of the current test, if any.
    profile: Option<String>,
    /// The base path (`--web-base-path`) every request of the page starts
    /// with.
    base_path: String,
    /// The charts' history so far: `[time, users, rps, failures/s, one
    /// value per recorded percentile]` rows (`GET /stats/history`'s points).
    history: Value,
    /// When each run started (epoch seconds), the charts' markers.
    run_starts: Vec<f64>,
}

/// A custom option as the start form shows it.
#[derive(Serialize)]
struct ExtraOption {
    /// The current value (blank for a secret), `null` when unset.
    default_value: Option<DefaultValue>,
    /// A secret: a password field, whose value is never sent to the page.
    is_secret: bool,
    /// Whether the option has a value (a secret left blank keeps it).
    has_value: bool,
    /// The form cannot be sent without a value.
    is_required: bool,
    /// The label.
    help_text: String,
    /// A multi-choice: a select of several values.
    is_multiple: bool,
    /// The values a choice or multi-choice offers.
    choices: Option<Vec<String>>,
    /// `text`, `integer`, `float`, `flag`, `choice` or `multi_choice`.
    kind: &'static str,
}

/// An option's value as the form's field takes it.
#[derive(Serialize)]
#[serde(untagged)]
enum DefaultValue {
    /// A flag's checkbox.
    Flag(bool),
    /// A multi-choice's picked values.
    List(Vec<String>),
    /// Anything else, as text.
    Text(String),
}

/// A user class's settings, as its settings dialog shows them.
#[derive(Serialize)]
struct ClassSettings {
    /// The class's own host, if any.
    host: Option<String>,
    /// Its weight among the weighted classes.
    weight: f64,
    /// Its fixed number of users (0: it follows the weights).
    fixed_count: u64,
    /// The tasks it runs now.
    tasks: Vec<String>,
}

impl TemplateArgs {
    /// The data as a JSON value, its keys sorted.
    pub(crate) fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// `GET /` (and `GET {base}/`): the page, filled in.
pub(super) async fn index(State(shared): State<AppState>) -> Response {
    // The page polls the statistics next: have them ready.
    shared.stats_cache.asked();
    let text = template_args(&shared)
        .to_json()
        .to_string()
        .replace('<', "\\u003c");
    let page = page_with_base(&shared.config.base_path).replace("{{TEMPLATE_ARGS}}", &text);
    (
        [(header::CACHE_CONTROL, "no-cache")],
        axum::response::Html(page),
    )
        .into_response()
}

/// The page under `base_path`, its data still to fill in (`{{TEMPLATE_ARGS}}`).
pub(crate) fn page_with_base(base_path: &str) -> String {
    assets::INDEX_HTML.replace("{{BASE}}", &locusta_stats::html::escape(base_path))
}

/// The page's data now.
pub(crate) fn template_args(shared: &Shared) -> TemplateArgs {
    let runner = &shared.context.runner;
    let env = shared.env();
    let (num_users, spawn_rate) = *shared.last_start.lock();
    let user_classes = runner.user_classes();
    let infos = runner.class_descriptors();
    let class_hosts: Vec<Option<&str>> = user_classes
        .iter()
        .filter(|c| !shared.config.hostless.iter().any(|h| h == c.name()))
        .map(|c| c.host())
        .collect();
    let host = env
        .host()
        .or_else(|| class_hosts.iter().flatten().next().map(|h| h.to_string()));
    let missing_host = env.host().is_none() && class_hosts.iter().any(Option::is_none);
    let options = env.parsed_options.read();
    let shown_options = || env.custom_options.iter().filter(|o| o.include_in_web_ui);
    let extra_options = shown_options()
        .map(|o| {
            let value = options.get(&o.name).or(o.default.as_ref());
            let (kind, choices) = match &o.kind {
                OptionKind::Text => ("text", None),
                OptionKind::Integer => ("integer", None),
                OptionKind::Float => ("float", None),
                OptionKind::Flag => ("flag", None),
                OptionKind::Choice(c) => ("choice", Some(c.clone())),
                OptionKind::MultiChoice(c) => ("multi_choice", Some(c.clone())),
            };
            let default_value = value.map(|value| match (value, o.secret) {
                (_, true) => DefaultValue::Text(String::new()),
                (OptionValue::Flag(b), _) => DefaultValue::Flag(*b),
                (OptionValue::List(l), _) => DefaultValue::List(l.clone()),
                (v, _) => DefaultValue::Text(v.to_string()),
            });
            let option = ExtraOption {
                default_value,
                is_secret: o.secret,
                has_value: value.is_some(),
                is_required: o.required,
                help_text: o.help.clone(),
                is_multiple: matches!(o.kind, OptionKind::MultiChoice(_)),
                choices,
                kind,
            };
            (o.name.clone(), option)
        })
        .collect();
    let shape = shared.shape();
    TemplateArgs {
        locustfile: shared.config.locustfile.clone(),
        state: runner.state().as_str(),
        is_distributed: runner.is_distributed(),
        user_count: runner.user_count(),
        version: env!("CARGO_PKG_VERSION"),
        host,
        missing_host_warning: missing_host,
        num_users,
        spawn_rate,
        worker_count: worker_count(runner),
        stats_history_enabled: shared.config.full_history_csv.is_some(),
        tasks: current_tasks(shared),
        extra_options,
        extra_options_order: shown_options().map(|o| o.name.clone()).collect(),
        run_time: shared.config.run_time.map(|d| d.as_secs()),
        show_userclass_picker: shared.config.class_picker,
        has_shape: shape.is_some(),
        hide_common_options: shape.is_some(),
        available_shape_classes: std::iter::once("Default".to_string())
            .chain(shared.context.shapes.iter().map(|(name, _)| name.clone()))
            .collect(),
        shape_class: shape.map_or("Default", |(name, _)| name.as_str()).into(),
        available_user_classes: user_classes.iter().map(|c| c.name().to_string()).collect(),
        users: infos
            .iter()
            .map(|info| {
                let settings = ClassSettings {
                    host: info.host.clone(),
                    weight: info.weight,
                    fixed_count: info.fixed_count,
                    tasks: info.task_names(),
                };
                (info.name.clone(), settings)
            })
            .collect(),
        available_user_tasks: infos
            .iter()
            .map(|info| (info.name.clone(), info.available_tasks.clone()))
            .collect(),
        percentiles_to_chart: locusta_stats::PERCENTILES_TO_CHART,
        percentiles_recorded: locusta_stats::PERCENTILES_RECORDED,
        percentiles_to_statistics: stats_json::PERCENTILES_TO_STATISTICS,
        is_host_required: missing_host,
        profile: shared.profile.lock().clone(),
        base_path: shared.config.base_path.clone(),
        history: history_json(&shared.context.history.lock(), 0.0),
        run_starts: shared.run_starts.lock().clone(),
    }
}

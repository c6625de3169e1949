//! The web UI mode (neither `--headless` nor `--worker`): serves Locust's UI
//! (`locusta-web`) over the started runner, starts a test at once with
//! `--autostart`, and runs tests from the browser until Ctrl-C, SIGTERM or
//! `--autoquit`.
//!
//! Tests come and go while the UI runs, in the UI's engine `TestSession`
//! (mode `Tests`), which stops each test that ends by itself and waits for a
//! signal; the background outputs follow the tests (only while one runs); the
//! run's end is the same as headless (`finish::shut_down`), then the server
//! stops.

use std::sync::Arc;
use std::time::Duration;

use locusta_engine::runner::Runner;
use locusta_engine::shape::NamedShape;
use locusta_web::{Credentials, StartRequest, TlsFiles, WebConfig, WebContext};

use super::background::Background;
use super::finish::{shut_down, Finish};
use super::master::wait_for_workers;
use super::program::Fatal;
use super::start::{Run, Started};
use super::stderr::stats_name_width;
use crate::cli::Options;
use crate::outputs::report_meta;

/// The address the web UI listens on: `--web-host` (empty or `*`: every
/// interface) and `--web-port`.
fn web_bind_address(options: &Options) -> Result<std::net::SocketAddr, Fatal> {
    use std::net::ToSocketAddrs;
    let host = match options.web_host.as_str() {
        "" | "*" => "0.0.0.0",
        host => host.trim_start_matches('[').trim_end_matches(']'),
    };
    (host, options.web_port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| Fatal::startup(format!("--web-host: cannot resolve '{host}'")))
}

/// A run with the web UI: serve it, start at once with `--autostart`, and
/// run tests from the browser until Ctrl-C, SIGTERM or `--autoquit`.
pub(super) async fn run(run: Run, login: Option<Credentials>) -> Result<i32, Fatal> {
    let Started {
        options,
        env,
        shapes,
        hostless,
        web_extension,
        outputs,
        threads,
        runner,
        master,
        judge,
    } = run.start().await?;
    let history = outputs.history();
    let full_history_csv = options
        .csv_prefix
        .as_ref()
        .filter(|_| options.csv_full_history)
        .map(|prefix| std::path::PathBuf::from(format!("{prefix}_stats_history.csv")));
    let outputs = Arc::new(parking_lot::Mutex::new(outputs));
    let name_width = stats_name_width();
    let finish = Finish::new(&options, &env, &runner, &outputs, name_width, &judge);
    finish.watch();

    let config = WebConfig {
        bind: web_bind_address(&options)?,
        base_path: options.web_base_path.trim_end_matches('/').to_string(),
        login,
        locustfile: report_meta(&options, &runner.user_classes(), &env).locustfile,
        users: options.users.unwrap_or(1),
        spawn_rate: options.spawn_rate.unwrap_or(1.0),
        run_time: options.run_time,
        profile: options.profile.clone(),
        full_history_csv,
        tls: (!options.tls_cert.is_empty()).then(|| TlsFiles {
            cert: options.tls_cert.clone().into(),
            key: options.tls_key.clone().into(),
        }),
        class_picker: options.class_picker,
        hostless,
        metrics_max_names: options.metrics_max_names,
    };
    let meta_options = options.clone();
    let meta_judge = judge.clone();
    let shape_in_use = !shapes.is_empty();
    let context = WebContext {
        runner: runner.clone(),
        history,
        logs: crate::logging::recent_lines().clone(),
        report_meta: Arc::new(move |runner: &Runner| {
            let mut meta = report_meta(&meta_options, &runner.user_classes(), runner.environment());
            meta.thresholds = meta_judge.report_rows();
            meta
        }),
        shapes: shapes
            .into_iter()
            .map(|NamedShape { name, shape }| (name, Arc::new(parking_lot::Mutex::new(shape))))
            .collect(),
        extension: web_extension,
        thresholds: judge.is_active().then(|| {
            let judge = judge.clone();
            Arc::new(move || judge.live()) as locusta_web::ThresholdsSource
        }),
    };
    let server = locusta_web::serve(config, context)
        .await
        .map_err(Fatal::startup)?;
    let display_host = match (&options.web_host_display_name, options.web_host.as_str()) {
        (Some(name), _) => name.clone(),
        (None, "" | "*" | "0.0.0.0" | "::" | "[::]") => "localhost".to_string(),
        (None, host) if host.contains(':') && !host.starts_with('[') => format!("[{host}]"),
        (None, host) => host.to_string(),
    };
    log::info!("Starting web interface at {}", server.url(&display_host));
    // A threshold with `abort` that fails stops the test through the session.
    let judging = judge.watch(&env, server.session());

    if options.autostart {
        if let Some(master) = &master {
            wait_for_workers(&options, master).await?;
        }
        if shape_in_use && (options.users.is_some() || options.spawn_rate.is_some()) {
            log::warn!("The -u/-r options are ignored when a load shape is used");
        }
        server
            .start(StartRequest {
                user_count: options.users.unwrap_or(1),
                spawn_rate: options.spawn_rate.unwrap_or(1.0),
                run_time: options.run_time,
                ..StartRequest::default()
            })
            .map_err(Fatal::startup)?;
    }

    let background = Background::start(
        &env,
        &runner,
        &outputs,
        threads,
        options.print_stats.then_some(name_width),
        true,
    );
    let autoquit = (options.autostart && options.autoquit >= 0)
        .then(|| Duration::from_secs(options.autoquit.unsigned_abs()));
    let autoquit_reached = async {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if let (Some(limit), Some(since)) = (autoquit, server.stopped_since()) {
                if since.elapsed() >= limit {
                    return;
                }
            }
        }
    };
    // The session stops each test that ends by itself (StopTest,
    // --iterations, its run time or shape) and waits for a signal.
    tokio::select! {
        _ = server.session().wait_for_end() => {}
        _ = autoquit_reached => log::info!("--autoquit time reached, shutting down"),
    }
    // The shape and run-time timer end with the test.
    server.stop_test().await;
    if let Some(task) = judging {
        task.abort();
    }
    let code = shut_down(&env, &runner, background, master.as_ref(), &finish).await;
    server.shutdown();
    Ok(code)
}

//! A whole run, from parsed options to exit code.
//!
//! [`run`] is what [`crate::Locusta`] calls once the command line is parsed.
//! A run's life, and the module that holds each step:
//!
//! 1. the program's classes and hooks, plus what a loader reads from `-f`
//!    ([`program`]: the contract between them and the run);
//! 2. the start-up checks: classes, `--config-users`, hosts, required custom
//!    options, `--web-login` (`checks`), or a listing (`--list`,
//!    `--show-task-ratio`) and its exit;
//! 3. the environment, the outputs and the runtime (here), then one of three
//!    modes: `headless`, `web` or `worker`;
//! 4. in each mode the runner is started (`start`, and with `--master` the
//!    listening master and its workers, `master`; the `--metrics-port`
//!    server, `metrics`), the background tasks run (`background`), the
//!    thresholds are judged (`thresholds`), and the end writes every output
//!    once and decides the exit code (`finish`).
//!
//! Every start-up problem is a [`Fatal`]: [`run`] logs it and returns its
//! exit code.

mod background;
mod checks;
mod finish;
mod headless;
mod master;
mod metrics;
pub mod program;
mod start;
mod stderr;
mod thresholds;
mod web;
mod worker;

use std::sync::Arc;

use locusta_engine::runner::SeatedClass;
use locusta_engine::task::TagFilter;
use locusta_engine::user::UserDefinition;
use locusta_engine::Environment;

use crate::cli::Options;
use crate::loader::LocustfileLoader;
use crate::outputs::Outputs;
use checks::{
    check_host_urls, check_hosts, check_required_options, config_users, select_classes, web_login,
};
use program::{Fatal, Program};
use start::Run;

/// Runs a test as the options say and returns the process exit code.
/// `loaders` read `-f` files that are not Rust (the binary registers Python's).
pub fn run(options: Options, program: Program, loaders: Vec<Box<dyn LocustfileLoader>>) -> i32 {
    if let Err(message) = crate::logging::setup(&options) {
        eprintln!("{message}");
        return 1;
    }
    let code = match run_checked(options, program, loaders) {
        Ok(code) => code,
        Err(fatal) => {
            log::error!("{}", fatal.message);
            fatal.code
        }
    };
    crate::processes::finish_masters_workers();
    code
}

/// [`run`] after logging is set up: the loaders, the checks, the environment,
/// then the mode the options choose.
fn run_checked(
    mut options: Options,
    mut program: Program,
    loaders: Vec<Box<dyn LocustfileLoader>>,
) -> Result<i32, Fatal> {
    let unavailable = options.unavailable();
    if !unavailable.is_empty() {
        return Err(Fatal::startup(format!(
            "not available yet in this version of locusta: {}",
            unavailable.join(", ")
        )));
    }
    if let (Some(count), false) = (crate::processes::requested(&options), options.worker) {
        // The master of the workers it starts once it listens (`bind_master`);
        // a master from the start, so a locustfile sees a MasterRunner.
        options.master = true;
        options.expect_workers = count as u64;
    }
    if let Some(locustfile) = options.locustfile.as_deref() {
        match loaders.iter().find(|loader| loader.handles(locustfile)) {
            Some(loader) => {
                let loaded = loader.load(locustfile, &options)?;
                program.extend(loaded);
            }
            None if locustfile.ends_with(".py") || locustfile == "-" => {
                return Err(Fatal::startup(
                    "this program cannot run Python locustfiles: use the locusta binary (built with the `python` feature)",
                ));
            }
            None => {}
        }
    }
    let seated = select_classes(&options, program.classes)?;
    let classes: Vec<Arc<dyn UserDefinition>> =
        seated.iter().map(SeatedClass::definition).collect();
    let user_settings = config_users(&options, &classes)?;
    let listing = if options.list {
        let names: String = classes
            .iter()
            .map(|class| format!("    {}\n", class.name()))
            .collect();
        Some(format!("Available Users:\n{names}"))
    } else if options.show_task_ratio {
        Some(crate::task_ratio::render(&classes))
    } else if options.show_task_ratio_json {
        Some(format!("{}\n", crate::task_ratio::render_json(&classes)))
    } else {
        None
    };
    if let Some(text) = listing {
        crate::stdout::write(&text).map_err(Fatal::startup)?;
        return Ok(0);
    }
    if let (Some(count), true) = (crate::processes::requested(&options), options.worker) {
        return Ok(crate::processes::supervise(&options, count));
    }
    // Without a form to fill in first (headless, or started at once), the
    // command line must give everything.
    if options.headless || options.autostart {
        check_required_options(&options, &program.custom_options)?;
        check_hosts(&options, &classes, &program.hostless, &user_settings)?;
    } else {
        check_host_urls(&options, &classes, &program.hostless, &user_settings)?;
    }
    let login = if options.headless {
        None
    } else {
        web_login(&options)?
    };

    let env = Arc::new(Environment {
        host: parking_lot::RwLock::new(options.host.clone()),
        stop_timeout: options.stop_timeout,
        tag_filter: TagFilter {
            tags: options.tags.clone(),
            exclude_tags: options.exclude_tags.clone(),
        },
        iterations: options.iterations,
        reset_stats: options.reset_stats,
        parsed_options: parking_lot::RwLock::new(options.custom.clone()),
        custom_options: program.custom_options,
        node_id: parking_lot::RwLock::new(options.worker.then(locusta_cluster::new_node_id)),
        ..Environment::default()
    });
    for setup in program.setup {
        setup(&env);
    }
    let outputs = Outputs::prepare(&options).map_err(Fatal::startup)?;
    let judge = thresholds::Judge::new(&options, &program.thresholds)?;
    let threads = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fatal::startup(format!("cannot start the runtime: {e}")))?;
    let run = Run {
        options,
        env,
        classes: seated,
        shapes: program.shapes,
        on_runner: program.on_runner,
        hostless: program.hostless,
        web_extension: program.web_extension,
        user_settings,
        threads,
        outputs,
        judge,
    };
    if run.options.worker {
        runtime.block_on(worker::run(run))
    } else if run.options.headless {
        runtime.block_on(headless::run(run))
    } else {
        runtime.block_on(web::run(run, login))
    }
}

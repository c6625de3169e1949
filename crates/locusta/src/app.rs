//! A whole run, from parsed options to exit code: checks, the headless test,
//! periodic and final console output, signals, events and the exit code.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use locusta_engine::events;
use locusta_engine::host::UserHost;
use locusta_engine::runner::Runner;
use locusta_engine::shape::LoadShape;
use locusta_engine::task::TagFilter;
use locusta_engine::usage::UsageSampler;
use locusta_engine::user::UserDefinition;
use locusta_engine::Environment;
use locusta_http::{ClientConfig, HttpClient};
use locusta_stats::{console, SharedStats};

use crate::cli::Options;
use crate::loader::LocustfileLoader;
use crate::outputs::{report_meta, Outputs};

/// Locust's periodic console interval.
const CONSOLE_STATS_INTERVAL: Duration = Duration::from_secs(2);
/// How often the CSV files and the history are written (Locust's `CSV_STATS_INTERVAL_SEC`).
const OUTPUT_INTERVAL: Duration = Duration::from_secs(1);
/// Locust's usage-monitor interval.
const USAGE_MONITOR_INTERVAL: Duration = Duration::from_secs(10);
/// CPU use (percent of one core per load thread) above which we warn.
const CPU_WARNING_THRESHOLD: f64 = 90.0;

/// A function run with the environment before the test starts.
pub type Setup = Box<dyn FnOnce(&Environment)>;

/// A function run with the runner once it exists, before `init` fires.
pub type OnRunner = Box<dyn FnOnce(&Arc<Runner>)>;

/// What the program registered: user classes, an optional shape, and a hook to
/// add event listeners once the environment exists.
pub struct Program {
    /// The user classes.
    pub classes: Vec<Arc<dyn UserDefinition>>,
    /// The load shape, if any.
    pub shape: Option<Box<dyn LoadShape>>,
    /// Called with the environment before the test starts.
    pub setup: Vec<Setup>,
    /// Loaders for `-f` files that are not Rust (the binary registers Python's).
    pub loaders: Vec<Box<dyn LocustfileLoader>>,
    /// Runs the users of the classes it hosts (Python users), instead of the
    /// load threads.
    pub user_host: Option<Arc<dyn UserHost>>,
    /// Called with the runner once it exists, before `init` fires.
    pub on_runner: Vec<OnRunner>,
    /// Classes whose users need no host (Python `User` subclasses without an
    /// HTTP client of their own).
    pub hostless: Vec<String>,
}

impl Program {
    /// Adds what a loader found to this program.
    fn extend(&mut self, loaded: Program) {
        self.classes.extend(loaded.classes);
        if loaded.shape.is_some() {
            self.shape = loaded.shape;
        }
        self.setup.extend(loaded.setup);
        if loaded.user_host.is_some() {
            self.user_host = loaded.user_host;
        }
        self.on_runner.extend(loaded.on_runner);
        self.hostless.extend(loaded.hostless);
    }
}

/// A startup problem: printed, then the process exits with `code`.
pub struct Fatal {
    /// The message.
    pub message: String,
    /// The exit code (Locust uses 1 for startup errors).
    pub code: i32,
}

impl Fatal {
    /// A startup problem (exit code 1).
    pub fn startup(message: impl Into<String>) -> Self {
        Fatal {
            message: message.into(),
            code: 1,
        }
    }
}

/// Runs a test as the options say and returns the process exit code.
pub fn run(options: Options, program: Program) -> i32 {
    if let Err(message) = crate::logging::setup(&options) {
        eprintln!("{message}");
        return 1;
    }
    match run_checked(options, program) {
        Ok(code) => code,
        Err(fatal) => {
            log::error!("{}", fatal.message);
            fatal.code
        }
    }
}

fn run_checked(options: Options, mut program: Program) -> Result<i32, Fatal> {
    let unavailable = options.unavailable();
    if !unavailable.is_empty() {
        return Err(Fatal::startup(format!(
            "not available yet in this version of locusta: {}",
            unavailable.join(", ")
        )));
    }
    if let Some(locustfile) = options.locustfile.as_deref() {
        let loaders = std::mem::take(&mut program.loaders);
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
    let classes = select_classes(&options, program.classes)?;
    if options.list {
        println!("Available Users:");
        for class in &classes {
            println!("    {}", class.name());
        }
        return Ok(0);
    }
    if options.show_task_ratio {
        print!("{}", crate::task_ratio::render(&classes));
        return Ok(0);
    }
    if options.show_task_ratio_json {
        println!("{}", crate::task_ratio::render_json(&classes));
        return Ok(0);
    }
    check_hosts(&options, &classes, &program.hostless)?;
    if !options.headless && !options.autostart {
        log::warn!("The web UI is not available yet in this version: running headless (pass --headless to silence this)");
    }

    let env = Arc::new(Environment {
        host: options.host.clone(),
        stop_timeout: options.stop_timeout,
        tag_filter: TagFilter {
            tags: options.tags.clone(),
            exclude_tags: options.exclude_tags.clone(),
        },
        iterations: options.iterations,
        reset_stats: options.reset_stats,
        ..Environment::default()
    });
    for setup in program.setup {
        setup(&env);
    }
    let outputs = Outputs::prepare(&options).map_err(Fatal::startup)?;
    let threads = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fatal::startup(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(headless(
        options,
        env,
        Start {
            classes,
            shape: program.shape,
            user_host: program.user_host,
            on_runner: program.on_runner,
        },
        threads,
        outputs,
    ))
}

/// Keeps the classes named on the command line (all when none are named).
fn select_classes(
    options: &Options,
    classes: Vec<Arc<dyn UserDefinition>>,
) -> Result<Vec<Arc<dyn UserDefinition>>, Fatal> {
    if classes.is_empty() {
        return Err(Fatal::startup("No User class found!"));
    }
    let classes: Vec<Arc<dyn UserDefinition>> = if options.equal_weights {
        classes.iter().map(|c| c.with_weights(1.0, 0)).collect()
    } else {
        classes
    };
    if options.user_classes.is_empty() {
        return Ok(classes);
    }
    let unknown: Vec<&str> = options
        .user_classes
        .iter()
        .filter(|name| !classes.iter().any(|c| c.name() == name.as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = classes.iter().map(|c| c.name()).collect();
        return Err(Fatal::startup(format!(
            "Unknown User(s): {}\n (available: {})",
            unknown.join(", "),
            known.join(", ")
        )));
    }
    Ok(classes
        .into_iter()
        .filter(|c| options.user_classes.iter().any(|n| n == c.name()))
        .collect())
}

/// Every class needs a host (its own or `--host`), except the `hostless` ones,
/// and hosts must be valid URLs.
fn check_hosts(
    options: &Options,
    classes: &[Arc<dyn UserDefinition>],
    hostless: &[String],
) -> Result<(), Fatal> {
    let recorder = SharedStats::new().recorder();
    let config = Arc::new(ClientConfig::default());
    for class in classes {
        if hostless.iter().any(|name| name == class.name()) {
            continue;
        }
        let host = options.host.as_deref().or(class.host());
        let Some(host) = host else {
            return Err(Fatal::startup(format!(
                "You must specify the base host. Either in the host attribute in the User class ({}), or on the command line using the --host option.",
                class.name()
            )));
        };
        if let Err(error) = HttpClient::new(Some(host), config.clone(), recorder.clone()) {
            return Err(Fatal::startup(format!("Invalid host '{host}': {error}")));
        }
    }
    Ok(())
}

/// The name column width: Locust's `STATS_NAME_WIDTH`.
fn stats_name_width() -> usize {
    let stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return 80;
    }
    // SAFETY: TIOCGWINSZ fills the winsize struct we own.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 {
        (size.ws_col as usize).saturating_sub(80).min(80)
    } else {
        80
    }
}

fn print_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// Why the test ended.
enum End {
    RunTime,
    Signal(&'static str),
    Finished(String),
    ShapeDone,
}

/// What the headless run starts from.
struct Start {
    classes: Vec<Arc<dyn UserDefinition>>,
    shape: Option<Box<dyn LoadShape>>,
    user_host: Option<Arc<dyn UserHost>>,
    on_runner: Vec<OnRunner>,
}

async fn headless(
    options: Options,
    env: Arc<Environment>,
    start: Start,
    threads: usize,
    outputs: Outputs,
) -> Result<i32, Fatal> {
    let Start {
        classes,
        shape,
        user_host,
        on_runner,
    } = start;
    let outputs = Arc::new(parking_lot::Mutex::new(outputs));
    log::info!("Starting locusta {}", env!("CARGO_PKG_VERSION"));
    let runner =
        Runner::with_user_host(env.clone(), classes, threads, user_host).map_err(Fatal::startup)?;
    for hook in on_runner {
        hook(&runner);
    }
    env.events.init.fire(&env);
    let name_width = stats_name_width();
    let periodic = !options.only_summary;
    if periodic {
        print_stderr(&console::stats_table(
            &env.stats.collect(),
            true,
            name_width,
        ));
    }

    let mut shape_task = match shape {
        Some(shape) => {
            if options.users.is_some() || options.spawn_rate.is_some() {
                log::warn!("The -u/-r options are ignored when a load shape is used");
            }
            let runner = runner.clone();
            Some(tokio::spawn(async move { runner.run_shape(shape).await }))
        }
        None => {
            runner.start(
                options.users.unwrap_or(1),
                options.spawn_rate.unwrap_or(1.0),
                None,
            );
            None
        }
    };
    if let Some(run_time) = options.run_time {
        log::info!("Run time limit set to {} seconds", run_time.as_secs());
    }

    let console_task = periodic.then(|| {
        let env = env.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(CONSOLE_STATS_INTERVAL);
            tick.tick().await;
            loop {
                tick.tick().await;
                let table = console::stats_table(&env.stats.collect(), true, name_width);
                print_stderr(&table);
            }
        })
    });
    let usage_task = {
        let env = env.clone();
        tokio::spawn(async move {
            let mut sampler = UsageSampler::default();
            let mut warned = false;
            let mut tick = tokio::time::interval(USAGE_MONITOR_INTERVAL);
            tick.tick().await;
            loop {
                tick.tick().await;
                let usage = sampler.sample();
                env.events.usage_monitor.fire(&usage);
                if usage.cpu_percent > CPU_WARNING_THRESHOLD * threads as f64 {
                    env.events.cpu_warning.fire(&usage);
                    if !warned {
                        warned = true;
                        log::warn!(
                            "CPU usage above {CPU_WARNING_THRESHOLD}%! This may constrain your throughput and may even give inconsistent response time measurements!"
                        );
                    }
                }
            }
        })
    };

    let output_task = {
        let env = env.clone();
        let runner = runner.clone();
        let outputs = outputs.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(OUTPUT_INTERVAL);
            tick.tick().await;
            loop {
                tick.tick().await;
                outputs.lock().tick(&env, runner.user_count());
            }
        })
    };

    let end = wait_for_end(&runner, options.run_time, &mut shape_task).await;
    match &end {
        End::RunTime => log::info!("--run-time limit reached, shutting down"),
        End::Signal(name) => log::info!("Got {name} signal, shutting down"),
        End::Finished(reason) => log::info!("{reason}, shutting down"),
        End::ShapeDone => log::info!("Shape test completed, shutting down"),
    }
    // A second Ctrl-C while shutting down ends the process at once.
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("Second interrupt: exiting without waiting for users to stop");
            std::process::exit(1);
        }
    });
    if let Some(task) = shape_task.take() {
        task.abort();
    }
    if let Some(task) = console_task {
        task.abort();
    }
    usage_task.abort();
    output_task.abort();
    // As Locust: the test stops (test_stopping, test_stop), then `quitting`
    // fires, where a listener may still read the results and set the exit code.
    runner.stop().await;
    env.events.quitting.fire_reversed(&env);
    runner.quit().await;
    let meta = report_meta(&options, runner.user_classes(), env.stats.start_time());
    let (outputs_written, console_summary) = {
        let mut outputs = outputs.lock();
        (
            outputs.finish(&env, runner.user_count(), &meta),
            outputs.console_summary(),
        )
    };

    let exit_code = {
        let stats = env.stats.collect();
        if console_summary {
            print_stderr(&console::stats_table(&stats, false, name_width));
            print_stderr(&console::percentiles_table(&stats, name_width));
            print_stderr(&console::error_report_with_width(&stats, name_width));
        }
        let failed = !stats.errors().is_empty() || !env.stats.exceptions().is_empty();
        match *env.process_exit_code.lock() {
            Some(code) => code,
            None if failed => options.exit_code_on_error,
            // An output that could not be written, or a panicking event listener,
            // is an internal error.
            None if !outputs_written || events::unhandled_errors() > 0 => 2,
            None => 0,
        }
    };
    log::info!("Shutting down (exit code {exit_code})");
    env.events.quit.fire(&exit_code);
    Ok(exit_code)
}

async fn wait_for_end(
    runner: &Arc<Runner>,
    run_time: Option<Duration>,
    shape_task: &mut Option<tokio::task::JoinHandle<()>>,
) -> End {
    let deadline = async {
        match run_time {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
    let shape_done = async {
        match shape_task.as_mut() {
            Some(task) => {
                let _ = task.await;
            }
            None => std::future::pending().await,
        }
    };
    let finished = async {
        loop {
            if let Some(reason) = runner.finished() {
                return reason;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let mut sigterm =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match sigterm.as_mut() {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = deadline => End::RunTime,
        _ = tokio::signal::ctrl_c() => End::Signal("SIGINT"),
        _ = terminated => End::Signal("SIGTERM"),
        reason = finished => End::Finished(reason),
        _ = shape_done => End::ShapeDone,
    }
}

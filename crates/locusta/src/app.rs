//! A whole run, from parsed options to exit code: checks, the headless test,
//! periodic and final console output, signals, events and the exit code.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::events;
use locusta_engine::host::UserHost;
use locusta_engine::options::CustomOption;
use locusta_engine::runner::{Runner, RunnerState};
use locusta_engine::shape::NamedShape;
use locusta_engine::task::TagFilter;
use locusta_engine::usage::UsageSampler;
use locusta_engine::user::UserDefinition;
use locusta_engine::Environment;
use locusta_stats::console;

use locusta_cluster::master::Master;
use locusta_web::{Credentials, StartRequest, TlsFiles, WebConfig, WebContext, WebExtension};

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

/// What the program registered: user classes, load shapes, and a hook to
/// add event listeners once the environment exists.
pub struct Program {
    /// The user classes.
    pub classes: Vec<Arc<dyn UserDefinition>>,
    /// The load shapes, the one in use first.
    pub shapes: Vec<NamedShape>,
    /// Called with the environment before the test starts.
    pub setup: Vec<Setup>,
    /// The custom options the program declared (their values are in the options).
    pub custom_options: Vec<CustomOption>,
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
    /// Routes the program adds to the web UI (a Python locustfile's Flask app).
    pub web_extension: Option<Arc<dyn WebExtension>>,
}

impl Program {
    /// Adds what a loader found to this program.
    fn extend(&mut self, loaded: Program) {
        self.classes.extend(loaded.classes);
        if !loaded.shapes.is_empty() {
            self.shapes = loaded.shapes;
        }
        self.setup.extend(loaded.setup);
        self.custom_options.extend(loaded.custom_options);
        if loaded.user_host.is_some() {
            self.user_host = loaded.user_host;
        }
        self.on_runner.extend(loaded.on_runner);
        self.hostless.extend(loaded.hostless);
        if loaded.web_extension.is_some() {
            self.web_extension = loaded.web_extension;
        }
    }
}

/// A function run with the runner once it exists, before `init` fires.
pub type OnRunner = Box<dyn FnOnce(&Arc<Runner>)>;

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
    let code = match run_checked(options, program) {
        Ok(code) => code,
        Err(fatal) => {
            log::error!("{}", fatal.message);
            fatal.code
        }
    };
    crate::processes::finish_masters_workers();
    code
}

fn run_checked(mut options: Options, mut program: Program) -> Result<i32, Fatal> {
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
        if let Some(missing) = program
            .custom_options
            .iter()
            .find(|o| o.required && !options.custom.contains_key(&o.name))
        {
            return Err(Fatal::startup(format!(
                "the option --{} is required (on the command line, in a configuration file{})",
                missing.name,
                missing
                    .env
                    .as_ref()
                    .map(|e| format!(" or in {e}"))
                    .unwrap_or_default()
            )));
        }
        check_hosts(&options, &classes, &program.hostless, &user_settings)?;
    } else {
        check_host_urls(&options, &classes, &user_settings)?;
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
        classes,
        shapes: program.shapes,
        user_host: program.user_host,
        on_runner: program.on_runner,
        hostless: program.hostless,
        web_extension: program.web_extension,
        user_settings,
        threads,
        outputs,
    };
    if run.options.worker {
        runtime.block_on(worker(run))
    } else if run.options.headless {
        runtime.block_on(headless(run))
    } else {
        runtime.block_on(web(run, login))
    }
}

/// The user name and password of `--web-login`, from `LOCUSTA_WEB_LOGIN`
/// (`user:password`; kept out of the command line, where other users of the
/// machine could read it).
fn web_login(options: &Options) -> Result<Option<Credentials>, Fatal> {
    if !options.web_login {
        return Ok(None);
    }
    let value = std::env::var(WEB_LOGIN_ENV).unwrap_or_default();
    match value.split_once(':') {
        Some((username, password)) if !username.is_empty() && !password.is_empty() => {
            Ok(Some(Credentials {
                username: username.to_string(),
                password: password.to_string(),
            }))
        }
        _ => Err(Fatal::startup(format!(
            "--web-login needs the environment variable {WEB_LOGIN_ENV} set to 'username:password'"
        ))),
    }
}

/// Where `--web-login` reads its `username:password`.
pub const WEB_LOGIN_ENV: &str = "LOCUSTA_WEB_LOGIN";

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

/// The `--config-users` settings, each naming a known class. Errors exit
/// with Locust's code for them (-1, that is 255).
fn config_users(
    options: &Options,
    classes: &[Arc<dyn UserDefinition>],
) -> Result<Vec<UserClassSettings>, Fatal> {
    let Some(values) = &options.config_users else {
        return Ok(Vec::new());
    };
    let fatal = |message: String| Fatal { message, code: 255 };
    let settings =
        UserClassSettings::from_config_values(values).map_err(|e| fatal(e.to_string()))?;
    if let Some(unknown) = settings
        .iter()
        .find(|s| !classes.iter().any(|c| c.name() == s.user_class_name))
    {
        let known: Vec<&str> = classes.iter().map(|c| c.name()).collect();
        return Err(fatal(format!(
            "Error applying user config: there is no user class named {} (available: {})",
            unknown.user_class_name,
            known.join(", ")
        )));
    }
    Ok(settings)
}

/// The host a `--config-users` setting gives a class, if one does.
fn configured_host<'a>(settings: &'a [UserClassSettings], class: &str) -> Option<&'a str> {
    settings
        .iter()
        .rev()
        .filter(|s| s.user_class_name == class)
        .find_map(|s| s.host.as_deref())
        .filter(|host| !host.is_empty())
}

/// The hosts that are given must be valid URLs (in the web UI a missing host
/// can still be entered in the form).
fn check_host_urls(
    options: &Options,
    classes: &[Arc<dyn UserDefinition>],
    settings: &[UserClassSettings],
) -> Result<(), Fatal> {
    let hosts = options
        .host
        .iter()
        .map(String::as_str)
        .chain(classes.iter().filter_map(|c| c.host()))
        .chain(
            settings
                .iter()
                .filter_map(|s| s.host.as_deref())
                .filter(|h| !h.is_empty()),
        );
    for host in hosts {
        locusta_http::check_host(host)
            .map_err(|error| Fatal::startup(format!("Invalid host '{host}': {error}")))?;
    }
    Ok(())
}

/// Every class needs a host (its own or `--host`), except the `hostless` ones,
/// and hosts must be valid URLs.
fn check_hosts(
    options: &Options,
    classes: &[Arc<dyn UserDefinition>],
    hostless: &[String],
    settings: &[UserClassSettings],
) -> Result<(), Fatal> {
    check_host_urls(options, classes, settings)?;
    let needs_host = classes
        .iter()
        .filter(|class| !hostless.iter().any(|name| name == class.name()));
    for class in needs_host {
        if options.host.is_none()
            && class.host().is_none()
            && configured_host(settings, class.name()).is_none()
        {
            return Err(Fatal::startup(format!(
                "You must specify the base host. Either in the host attribute in the User class ({}), or on the command line using the --host option.",
                class.name()
            )));
        }
    }
    Ok(())
}

/// The runner of every run: created, handed to the program's hooks (the
/// Python front attaches here), then `init` fires. A master's runner drives
/// the master's workers instead of users of its own.
fn start_runner(
    env: &Arc<Environment>,
    classes: Vec<Arc<dyn UserDefinition>>,
    threads: usize,
    user_host: Option<Arc<dyn UserHost>>,
    on_runner: Vec<OnRunner>,
    user_settings: &[UserClassSettings],
    master: Option<&Master>,
) -> Result<Arc<Runner>, Fatal> {
    log::info!("Starting locusta {}", env!("CARGO_PKG_VERSION"));
    let runner = match master {
        Some(master) => {
            let runner =
                Runner::with_workers(env.clone(), classes, user_host, Arc::new(master.clone()))
                    .map_err(Fatal::startup)?;
            master.attach(&runner);
            runner
        }
        None => Runner::with_user_host(env.clone(), classes, threads, user_host)
            .map_err(Fatal::startup)?,
    };
    for settings in user_settings {
        if let Err(error) = runner.update_user_class(settings) {
            // The load threads end with the runner; nothing has started yet.
            drop(runner);
            return Err(Fatal {
                message: error.to_string(),
                code: 255,
            });
        }
    }
    for hook in on_runner {
        hook(&runner);
    }
    env.events.init.fire(env);
    Ok(runner)
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

/// What a run needs once the options are checked.
struct Run {
    options: Options,
    env: Arc<Environment>,
    classes: Vec<Arc<dyn UserDefinition>>,
    shapes: Vec<NamedShape>,
    user_host: Option<Arc<dyn UserHost>>,
    on_runner: Vec<OnRunner>,
    /// Classes whose users need no host.
    hostless: Vec<String>,
    web_extension: Option<Arc<dyn WebExtension>>,
    /// `--config-users` settings, applied to the classes before `init`.
    user_settings: Vec<UserClassSettings>,
    threads: usize,
    outputs: Outputs,
}

/// A run whose runner is up (and, on a master, listening for workers).
struct Started {
    options: Options,
    env: Arc<Environment>,
    shapes: Vec<NamedShape>,
    hostless: Vec<String>,
    web_extension: Option<Arc<dyn WebExtension>>,
    outputs: Outputs,
    threads: usize,
    runner: Arc<Runner>,
    master: Option<Master>,
}

impl Run {
    /// Listens for workers (with `--master`), then starts the runner.
    async fn start(self) -> Result<Started, Fatal> {
        let Run {
            options,
            env,
            classes,
            shapes,
            user_host,
            on_runner,
            hostless,
            web_extension,
            user_settings,
            threads,
            outputs,
        } = self;
        let master = bind_master(&options, &env).await?;
        let runner = start_runner(
            &env,
            classes,
            threads,
            user_host,
            on_runner,
            &user_settings,
            master.as_ref(),
        )?;
        Ok(Started {
            options,
            env,
            shapes,
            hostless,
            web_extension,
            outputs,
            threads,
            runner,
            master,
        })
    }
}

/// The background tasks every run has: usage monitor, outputs, and the
/// periodic console table when asked for.
struct Background {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Background {
    fn start(
        env: &Arc<Environment>,
        runner: &Arc<Runner>,
        outputs: &Arc<parking_lot::Mutex<Outputs>>,
        threads: usize,
        console_table: Option<usize>,
        only_while_running: bool,
    ) -> Background {
        let mut tasks = Vec::new();
        if let Some(name_width) = console_table {
            let env = env.clone();
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(CONSOLE_STATS_INTERVAL);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let table = console::stats_table(&env.stats.collect(), true, name_width);
                    print_stderr(&table);
                }
            }));
        }
        {
            let env = env.clone();
            tasks.push(tokio::spawn(async move {
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
            }));
        }
        {
            let env = env.clone();
            let runner = runner.clone();
            let outputs = outputs.clone();
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(OUTPUT_INTERVAL);
                tick.tick().await;
                let mut was_running = false;
                loop {
                    tick.tick().await;
                    // In the web UI, the history and CSV files follow tests:
                    // nothing is recorded between them but the point at the end.
                    let running =
                        !matches!(runner.state(), RunnerState::Ready | RunnerState::Stopped);
                    if running || was_running || !only_while_running {
                        outputs.lock().tick(&env, runner.user_count());
                    }
                    was_running = running;
                }
            }));
        }
        Background { tasks }
    }

    fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

async fn headless(run: Run) -> Result<i32, Fatal> {
    let Started {
        options,
        env,
        shapes,
        outputs,
        threads,
        runner,
        master,
        ..
    } = run.start().await?;
    let outputs = Arc::new(parking_lot::Mutex::new(outputs));
    let name_width = stats_name_width();
    let finish = Finish::new(&options, &env, &runner, &outputs, name_width);
    finish.watch();
    let periodic = !options.only_summary;
    if let Some(master) = &master {
        wait_for_workers(&options, master).await?;
    }
    if periodic {
        print_stderr(&console::stats_table(
            &env.stats.collect(),
            true,
            name_width,
        ));
    }

    // A headless run uses the first shape.
    let mut shape_task = match shapes.into_iter().next() {
        Some(NamedShape { shape, .. }) => {
            if options.users.is_some() || options.spawn_rate.is_some() {
                log::warn!("The -u/-r options are ignored when a load shape is used");
            }
            let runner = runner.clone();
            Some(tokio::spawn(async move { runner.run_shape(shape).await }))
        }
        None => {
            let users = options.users.unwrap_or(1);
            runner
                .check_user_count(users)
                .map_err(|why| Fatal::startup(format!("Refusing -u {users}: {why}")))?;
            runner.start(users, options.spawn_rate.unwrap_or(1.0), None);
            None
        }
    };
    if let Some(run_time) = options.run_time {
        log::info!("Run time limit set to {} seconds", run_time.as_secs());
        // At the end of the run time the run ends, even if user code holds
        // the Python thread; the stop's own deadline follows.
        runner.set_deadline(std::time::Instant::now() + run_time);
    }

    let background = Background::start(
        &env,
        &runner,
        &outputs,
        threads,
        periodic.then_some(name_width),
        false,
    );
    let end = wait_for_end(&runner, options.run_time, &mut shape_task).await;
    match &end {
        End::RunTime => log::info!("--run-time limit reached, shutting down"),
        End::Signal(name) => log::info!("Got {name} signal, shutting down"),
        End::Finished(reason) => log::info!("{reason}, shutting down"),
        End::ShapeDone => log::info!("Shape test completed, shutting down"),
    }
    if let Some(task) = shape_task.take() {
        task.abort();
    }
    Ok(shut_down(&env, &runner, background, master.as_ref(), &finish).await)
}

/// The end of every run: `quitting`, users stopped, outputs written, the
/// final tables, and the exit code.
async fn shut_down(
    env: &Arc<Environment>,
    runner: &Arc<Runner>,
    background: Background,
    master: Option<&Master>,
    finish: &Finish,
) -> i32 {
    // Nothing waits for stuck user code past the stop timeout (the
    // watchdog ends the process on a second signal).
    runner.set_deadline(std::time::Instant::now() + runner.stop_timeout());
    background.stop();
    // As Locust: the test stops (test_stopping, test_stop), then `quitting`
    // fires, where a listener may still read the results and set the exit code.
    runner.stop().await;
    if let Some(master) = master {
        // Workers send their last statistics before they quit.
        master.quit().await;
    }
    env.events.quitting.fire_reversed(env);
    runner.quit().await;
    let exit_code = finish.report();
    env.events.quit.fire(&exit_code);
    exit_code
}

/// Writes the run's outputs, prints the final tables and decides the exit
/// code: once, for the run's own end or for the watchdog's
/// ([`crate::watchdog`]), whichever comes first.
pub struct Finish {
    options: Options,
    env: Arc<Environment>,
    runner: Arc<Runner>,
    outputs: Arc<parking_lot::Mutex<Outputs>>,
    name_width: usize,
    code: parking_lot::Mutex<Option<i32>>,
}

impl Finish {
    fn new(
        options: &Options,
        env: &Arc<Environment>,
        runner: &Arc<Runner>,
        outputs: &Arc<parking_lot::Mutex<Outputs>>,
        name_width: usize,
    ) -> Arc<Finish> {
        Arc::new(Finish {
            options: options.clone(),
            env: env.clone(),
            runner: runner.clone(),
            outputs: outputs.clone(),
            name_width,
            code: parking_lot::Mutex::new(None),
        })
    }

    /// Starts the watchdog with this as its way to end the run.
    fn watch(self: &Arc<Self>) {
        let finish = self.clone();
        let report = Box::new(move || finish.report());
        if let Err(message) = crate::watchdog::start(self.runner.clone(), report) {
            log::warn!("{message}");
        }
    }

    fn report(&self) -> i32 {
        let mut code = self.code.lock();
        if let Some(code) = *code {
            return code;
        }
        let (options, env, runner) = (&self.options, &self.env, &self.runner);
        let meta = report_meta(options, &runner.user_classes(), env.stats.start_time());
        let (outputs_written, console_summary) = {
            let mut outputs = self.outputs.lock();
            (
                outputs.finish(env, runner.user_count(), &meta),
                outputs.console_summary(),
            )
        };
        let stats = env.stats.collect();
        if console_summary {
            print_stderr(&console::stats_table(&stats, false, self.name_width));
            print_stderr(&console::percentiles_table(&stats, self.name_width));
            print_stderr(&console::error_report_with_width(&stats, self.name_width));
        }
        let failed = !stats.errors().is_empty() || !env.stats.exceptions().is_empty();
        let exit_code = match *env.process_exit_code.lock() {
            Some(code) => code,
            None if failed => options.exit_code_on_error,
            // An output that could not be written, or a panicking event listener,
            // is an internal error.
            None if !outputs_written || events::unhandled_errors() > 0 => 2,
            None => 0,
        };
        log::info!("Shutting down (exit code {exit_code})");
        *code = Some(exit_code);
        exit_code
    }
}

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
async fn web(run: Run, login: Option<Credentials>) -> Result<i32, Fatal> {
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
    } = run.start().await?;
    let history = outputs.history();
    let full_history_csv = options
        .csv_prefix
        .as_ref()
        .filter(|_| options.csv_full_history)
        .map(|prefix| std::path::PathBuf::from(format!("{prefix}_stats_history.csv")));
    let outputs = Arc::new(parking_lot::Mutex::new(outputs));
    let name_width = stats_name_width();
    let finish = Finish::new(&options, &env, &runner, &outputs, name_width);
    finish.watch();

    let config = WebConfig {
        bind: web_bind_address(&options)?,
        base_path: options.web_base_path.trim_end_matches('/').to_string(),
        login,
        locustfile: report_meta(&options, &runner.user_classes(), 0.0).locustfile,
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
    };
    let meta_options = options.clone();
    let shape_in_use = !shapes.is_empty();
    let context = WebContext {
        runner: runner.clone(),
        history,
        logs: crate::logging::recent_lines().clone(),
        report_meta: Arc::new(move |runner: &Runner| {
            report_meta(
                &meta_options,
                &runner.user_classes(),
                runner.environment().stats.start_time(),
            )
        }),
        shapes: shapes
            .into_iter()
            .map(|NamedShape { name, shape }| (name, Arc::new(parking_lot::Mutex::new(shape))))
            .collect(),
        extension: web_extension,
    };
    let server = locusta_web::serve(config, context)
        .await
        .map_err(|e| Fatal::startup(e.to_string()))?;
    let display_host = match (&options.web_host_display_name, options.web_host.as_str()) {
        (Some(name), _) => name.clone(),
        (None, "" | "*" | "0.0.0.0" | "::" | "[::]") => "localhost".to_string(),
        (None, host) if host.contains(':') && !host.starts_with('[') => format!("[{host}]"),
        (None, host) => host.to_string(),
    };
    log::info!("Starting web interface at {}", server.url(&display_host));

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
            .map_err(|e| Fatal::startup(e.to_string()))?;
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
    let watch = async {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let active = matches!(runner.state(), RunnerState::Spawning | RunnerState::Running);
            if active {
                if let Some(reason) = runner.finished() {
                    log::info!("{reason}: stopping the test");
                    server.stop_test().await;
                }
            }
            if let (Some(limit), Some(since)) = (autoquit, server.stopped_since()) {
                if since.elapsed() >= limit {
                    return;
                }
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => log::info!("Got SIGINT signal, shutting down"),
        _ = terminated => log::info!("Got SIGTERM signal, shutting down"),
        _ = watch => log::info!("--autoquit time reached, shutting down"),
    }
    // The shape and run-time timer end with the test.
    server.stop_test().await;
    let code = shut_down(&env, &runner, background, master.as_ref(), &finish).await;
    server.shutdown();
    Ok(code)
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
            // A master whose workers all left stops its test.
            if runner.is_distributed() && runner.state() == RunnerState::Stopped {
                return "No worker is left".to_string();
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

/// With `--master`: listens for workers on `--master-bind-host`/`--master-bind-port`.
async fn bind_master(options: &Options, env: &Arc<Environment>) -> Result<Option<Master>, Fatal> {
    if !options.master {
        return Ok(None);
    }
    let master = Master::bind(
        env.clone(),
        &options.master_bind_host,
        options.master_bind_port,
        options.enable_rebalancing,
    )
    .await
    .map_err(|e| Fatal::startup(e.to_string()))?;
    log::info!(
        "Starting locusta master, listening for workers on port {}",
        master.port()
    );
    if let Some(locustfile) = &options.locustfile {
        master.serve_locustfiles(locusta_cluster::locustfiles::files_of(locustfile));
    }
    if let Some(count) = crate::processes::requested(options) {
        crate::processes::start_masters_workers(count, &options.master_bind_host, master.port())
            .map_err(Fatal::startup)?;
    }
    Ok(Some(master))
}

/// Waits for `--expect-workers` ready workers (at most
/// `--expect-workers-max-wait` seconds, when given).
async fn wait_for_workers(options: &Options, master: &Master) -> Result<(), Fatal> {
    let max_wait = (options.expect_workers_max_wait > 0)
        .then(|| Duration::from_secs(options.expect_workers_max_wait));
    tokio::select! {
        waited = master.wait_for_workers(options.expect_workers, max_wait) => {
            waited.map_err(|e| Fatal::startup(e.to_string()))
        }
        _ = tokio::signal::ctrl_c() => {
            master.quit().await;
            Err(Fatal { message: "Got SIGINT signal while waiting for workers".into(), code: 0 })
        }
    }
}

/// `--worker`: runs the users a master dispatches until the master says quit.
async fn worker(run: Run) -> Result<i32, Fatal> {
    let Started {
        options,
        env,
        runner,
        ..
    } = run.start().await?;
    let code = locusta_cluster::worker::run(
        runner,
        locusta_cluster::worker::WorkerOptions {
            master_host: options.master_host.clone(),
            master_port: options.master_port,
            log_lines: Some(Arc::new(|| crate::logging::recent_lines().lines())),
            log_interval: locusta_cluster::worker::LOG_INTERVAL,
        },
    )
    .await;
    env.events.quitting.fire_reversed(&env);
    env.events.quit.fire(&code);
    Ok(code)
}

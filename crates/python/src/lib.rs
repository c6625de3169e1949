//! Python locustfiles for locusta.
//!
//! [`load`] starts the Python thread: CPython with gevent (the user's own
//! interpreter when locusta runs from the wheel, else one embedded here; see
//! [`home`]), where a `locust` compatibility package (written for locusta,
//! placed in `sys.modules` before the locustfile is imported, see [`package`])
//! and the native module `locusta._native` live. Users run as greenlets on that thread; the engine's runner
//! decides how many of each class run, through the [`UserHost`] seam, exactly
//! as for Rust users. Requests go to an I/O thread that runs locusta's Rust
//! HTTP client; completions come back in batches through one eventfd the
//! gevent hub watches, so Rust threads never take the GIL.

mod home;
mod io;
mod mailbox;
mod native;
pub mod options;
mod package;
mod script_cluster;
mod script_web;
mod stall;
mod streaming;
mod wsgi;

pub use home::{exit, serve_here};
pub use native::populate;
pub use stall::stop_waiting_at;
pub use wsgi::extension as web_extension;

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::Duration;

use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::host::{HostedClass, HostedUsers, UserHost};
use locusta_engine::options::CustomOption;
use locusta_engine::runner::Runner;
use locusta_engine::shape::{LoadShape, NamedShape, ShapeContext, ShapeTick};
use locusta_engine::task::{TagFilter, TaskRatio};
use locusta_engine::user::UserDefinition;
use locusta_engine::Environment;
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::io::IoThread;
use crate::mailbox::{Answered, Call, Mailbox, Message, Reply};
use crate::native::{Shared, SHARED};
use crate::package::install_package;

/// What a locustfile run needs from the command line.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The locustfiles (Locust's `-f a.py,b.py` or a directory, expanded).
    pub locustfiles: Vec<PathBuf>,
    /// `--host`.
    pub host: Option<String>,
    /// `-T/--tags`.
    pub tags: Option<Vec<String>>,
    /// `-E/--exclude-tags`.
    pub exclude_tags: Option<Vec<String>>,
    /// Every option, as `environment.parsed_options` shows them.
    pub parsed_options: serde_json::Value,
}

/// A loaded locustfile: its user classes (run by `host`) and its shape.
pub struct Locustfile {
    /// The user classes found in the file.
    pub classes: Vec<Arc<dyn UserDefinition>>,
    /// The file's `LoadTestShape` subclasses, in definition order.
    pub shapes: Vec<NamedShape>,
    /// Runs the users of every class above, on the Python thread.
    pub host: Arc<dyn UserHost>,
    /// The classes that need no host (`User` subclasses that are not HTTP users).
    pub hostless: Vec<String>,
}

/// The Python thread once started: where to send the settings, and where its
/// findings come back.
struct Started {
    settings: SyncSender<Settings>,
    found: Receiver<Result<Discovery, String>>,
    mailbox: Arc<Mailbox>,
}

static STARTED: Mutex<Option<Started>> = Mutex::new(None);

/// Starts the Python thread and imports the locustfiles (before the command
/// line is parsed, as Locust does): returns the custom options their
/// `init_command_line_parser` listeners declared. Errors are messages for the
/// user (with the Python traceback).
pub fn start(locustfiles: &[PathBuf]) -> Result<Vec<CustomOption>, String> {
    if let Some(missing) = locustfiles.iter().find(|file| !file.is_file()) {
        return Err(format!(
            "Could not find '{}'. Ensure your locustfile ends with '.py' or is a directory with locustfiles.",
            missing.display()
        ));
    }
    if locustfiles.is_empty() {
        return Err("No locustfile found: give a .py file or a directory that holds some.".into());
    }
    let mut started = STARTED.lock();
    if started.is_some() {
        return Err("the Python locustfiles are already loaded".into());
    }
    let mailbox = share()?;
    let (declared_tx, declared) = sync_channel::<Result<String, String>>(1);
    let (settings, settings_rx) = sync_channel::<Settings>(1);
    let (found_tx, found) = sync_channel::<Result<Discovery, String>>(1);
    let files = locustfiles.to_vec();
    home::run_on_python_thread(Box::new(move || {
        python_thread(files, declared_tx, settings_rx, found_tx)
    }))?;
    let declared = declared
        .recv()
        .map_err(|_| "the Python thread ended while loading the locustfile".to_string())??;
    *started = Some(Started {
        settings,
        found,
        mailbox,
    });
    options::from_json(&declared)
}

/// Creates the mailbox and the I/O thread the native module shares.
fn share() -> Result<Arc<Mailbox>, String> {
    let mailbox = Arc::new(Mailbox::new().map_err(|e| format!("cannot create an eventfd: {e}"))?);
    let io = IoThread::start(mailbox.clone())
        .map_err(|e| format!("cannot start the I/O thread: {e}"))?;
    let _ = SHARED.set(Shared {
        mailbox: mailbox.clone(),
        io,
        runner: Default::default(),
        recorder: Default::default(),
    });
    Ok(mailbox)
}

/// Runs a Python script as `__main__` with the `locust` package installed, as
/// `python FILE ARGS…` would (`locusta --python FILE ARGS…`): `sys.argv` is
/// `[FILE, ARGS…]` and its directory comes first on `sys.path`. This is where
/// `run_single_user(UserClass)` works: its user's requests go through the
/// Rust client. Runs Python on the calling thread (the process's main thread,
/// so that Ctrl-C reaches Python as KeyboardInterrupt) and returns the exit
/// code: SystemExit's, 1 after an uncaught exception (its traceback printed),
/// 130 after an uncaught KeyboardInterrupt, 2 if the file cannot be read.
pub fn run_script(file: &Path, args: &[OsString]) -> i32 {
    if !file.is_file() {
        let why = if file.exists() {
            "not a file"
        } else {
            "no such file"
        };
        eprintln!("locusta: can't open file '{}': {why}", file.display());
        return 2;
    }
    if STARTED.lock().is_some() || SHARED.get().is_some() {
        eprintln!("locusta: a Python script cannot run beside Python locustfiles");
        return 2;
    }
    if let Err(message) = share() {
        eprintln!("{message}");
        return 1;
    }
    let file = file.to_path_buf();
    let args = args.to_vec();
    if !home::hosted() {
        return script_on_this_thread(&file, &args);
    }
    let (done, code) = sync_channel(1);
    let job = Box::new(move || {
        let _ = done.send(script_on_this_thread(&file, &args));
    });
    if let Err(message) = home::run_on_python_thread(job) {
        eprintln!("{message}");
        return 1;
    }
    code.recv().unwrap_or(1)
}

/// [`run_script`]'s work, on the thread Python's main thread is.
fn script_on_this_thread(file: &Path, args: &[OsString]) -> i32 {
    home::ensure_interpreter();
    Python::with_gil(|py| {
        let main = match install_package(py) {
            Ok(main) => main,
            Err(message) => {
                eprintln!("{message}");
                return 1;
            }
        };
        let argv: Vec<String> = std::iter::once(file.as_os_str())
            .chain(args.iter().map(OsString::as_os_str))
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        match main
            .call_method1("run_script", (argv,))
            .and_then(|code| code.extract::<i32>())
        {
            Ok(code) => code,
            Err(error) => {
                eprintln!("{}", describe(py, &error));
                1
            }
        }
    })
}

/// Finds the classes and shape of the locustfiles (started with [`start`],
/// which this calls when it was not), with the parsed command line.
pub fn load(settings: Settings) -> Result<Locustfile, String> {
    if STARTED.lock().is_none() {
        start(&settings.locustfiles)?;
    }
    let Some(Started {
        settings: send_settings,
        found,
        mailbox,
    }) = STARTED.lock().take()
    else {
        return Err("the Python locustfiles were not started".into());
    };
    let lost = || "the Python thread ended while loading the locustfile".to_string();
    send_settings.send(settings).map_err(|_| lost())?;
    let discovery = found.recv().map_err(|_| lost())??;
    let host = Arc::new(PythonHost {
        mailbox: mailbox.clone(),
        classes: discovery.classes.iter().map(|c| c.name.clone()).collect(),
    });
    let hostless = discovery.hostless.clone();
    Ok(Locustfile {
        hostless,
        classes: discovery
            .classes
            .into_iter()
            .map(|class| Arc::new(class) as Arc<dyn UserDefinition>)
            .collect(),
        shapes: discovery
            .shapes
            .into_iter()
            .map(|name| NamedShape {
                name: name.clone(),
                shape: Box::new(PythonShape { name }),
            })
            .collect(),
        host,
    })
}

/// Connects the Python side to the runner: statistics, the runner's state and
/// controls, and the engine's events (fired to the Python listeners, on the
/// Python thread, before the Rust caller goes on).
pub fn attach(runner: &Arc<Runner>) {
    let Some(shared) = SHARED.get() else { return };
    let env: &Arc<Environment> = runner.environment();
    let _ = shared.recorder.set(env.stats.recorder());
    let _ = shared.runner.set(runner.clone());
    let events = &env.events;
    events.init.add_listener(|_| fire("init", Vec::new()));
    events.test_start.add_listener(|env| {
        // The web UI's form may have changed custom options since the last test.
        let values = options::attributes(&env.parsed_options.read());
        call(Call::Options(serde_json::Value::Object(values).to_string()));
        fire("test_start", Vec::new());
    });
    events
        .test_stopping
        .add_listener(|_| fire("test_stopping", Vec::new()));
    events
        .test_stop
        .add_listener(|_| fire("test_stop", Vec::new()));
    events
        .spawning_complete
        .add_listener(|count| fire("spawning_complete", vec![("user_count", *count as f64)]));
    events
        .quitting
        .add_listener(|_| fire("quitting", Vec::new()));
    events
        .quit
        .add_listener(|code| fire("quit", vec![("exit_code", *code as f64)]));
    events.usage_monitor.add_listener(|usage| {
        fire(
            "usage_monitor",
            vec![
                ("cpu_usage", usage.cpu_percent),
                ("memory_usage", usage.memory_bytes as f64),
            ],
        )
    });
    events
        .cpu_warning
        .add_listener(|usage| fire("cpu_warning", vec![("cpu_usage", usage.cpu_percent)]));
    events
        .reset_stats
        .add_listener(|_| fire("reset_stats", Vec::new()));
    // Custom messages are handed over without waiting: the listener may
    // itself send messages, which go out through the caller's thread.
    events.custom_message.add_listener(|message| {
        if let Some(shared) = SHARED.get() {
            shared.mailbox.push(Message::Custom {
                kind: message.kind.clone(),
                data: message.data.to_string(),
                node_id: message.node_id.clone(),
            });
        }
    });
    // A master's worker reports, as custom messages are.
    events.worker_report.add_listener(|report| {
        if let Some(shared) = SHARED.get() {
            shared.mailbox.push(Message::WorkerReport {
                client_id: report.client_id.clone(),
                data: report.data.to_string(),
            });
        }
    });
}

/// Runs `call` on the Python thread and waits for its answer: for as long
/// as the hub is alive, but past the run's deadline
/// ([`stall::stop_waiting_at`]) not for a hub held by code that does not
/// yield (said once, with the code that holds it).
fn call(call: Call) -> Reply {
    let shared = SHARED.get()?;
    let (reply, answer) = sync_channel(1);
    let what = call.describe();
    shared.mailbox.push(Message::Call { call, reply });
    loop {
        match answer.recv_timeout(Duration::from_millis(200)) {
            Ok(answered) => return answered,
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => {
                // A live hub drains even an empty mailbox when woken.
                shared.mailbox.wake();
                let idle = shared.mailbox.idle_for();
                if stall::past_deadline() && idle >= stall::HELD {
                    static SAID: std::sync::Once = std::sync::Once::new();
                    SAID.call_once(|| {
                        log::error!(
                            "The Python thread has been held for {:.1} s by {}: the run ends without waiting for it ({what} not delivered)",
                            idle.as_secs_f64(),
                            stall::holder()
                        );
                    });
                    return None;
                }
            }
        }
    }
}

fn fire(name: &'static str, arguments: Vec<(&'static str, f64)>) {
    call(Call::Event { name, arguments });
}

/// Runs the Python classes' users as greenlets on the Python thread.
struct PythonHost {
    mailbox: Arc<Mailbox>,
    classes: HashSet<String>,
}

impl UserHost for PythonHost {
    fn hosts(&self, class: &str) -> bool {
        self.classes.contains(class)
    }
    fn spawn(&self, class: &str, count: u64, users: &HostedUsers) {
        self.mailbox.push(Message::Spawn {
            class: class.to_string(),
            count,
            users: users.clone(),
        });
    }
    fn stop(&self, class: &str, count: u64, graceful: Option<Duration>) {
        self.mailbox.push(Message::Stop {
            class: class.to_string(),
            count,
            graceful,
        });
    }
    fn kill_all(&self) {
        self.mailbox.push(Message::KillAll);
    }
    fn update_class(&self, settings: &UserClassSettings) -> Result<HostedClass, String> {
        let json = serde_json::to_string(settings).map_err(|e| e.to_string())?;
        match call(Call::UpdateClass(json)) {
            Some(Answered::Text(Ok(described))) => {
                DescribedClass::parse(&described).map(HostedClass::from)
            }
            Some(Answered::Text(Err(message))) => Err(message),
            _ => Err("the Python thread did not answer".into()),
        }
    }
    fn stop_waiting_at(&self, deadline: std::time::Instant) {
        stall::stop_waiting_at(deadline);
    }
    fn filter_tasks(&self, class: &str, filter: &TagFilter) {
        let json = serde_json::json!({
            "class": class,
            "tags": filter.tags,
            "exclude_tags": filter.exclude_tags,
        });
        call(Call::FilterTasks(json.to_string()));
    }
}

/// One of the locustfile's `LoadTestShape`s, ticked on the Python thread.
struct PythonShape {
    name: String,
}

impl LoadShape for PythonShape {
    fn tick(&mut self, context: &ShapeContext) -> Option<ShapeTick> {
        let Some(Answered::Tick(users, spawn_rate, user_classes)) = call(Call::ShapeTick {
            shape: self.name.clone(),
            run_time: context.run_time.as_secs_f64(),
            user_count: context.user_count,
        }) else {
            return None;
        };
        Some(ShapeTick {
            users,
            spawn_rate,
            user_classes,
        })
    }
}

/// What importing the locustfile found.
struct Discovery {
    classes: Vec<HostedClass>,
    hostless: Vec<String>,
    shapes: Vec<String>,
}

fn python_thread(
    files: Vec<PathBuf>,
    declared: SyncSender<Result<String, String>>,
    settings: Receiver<Settings>,
    found: SyncSender<Result<Discovery, String>>,
) {
    home::ensure_interpreter();
    Python::with_gil(|py| {
        stall::remember_python_thread(py);
        let main = match import_locustfiles(py, &files) {
            Ok((main, options)) => {
                let _ = declared.send(Ok(options));
                main
            }
            Err(message) => {
                let _ = declared.send(Err(message));
                return;
            }
        };
        // The engine parses the command line with the declared options meanwhile.
        let Ok(settings) = py.allow_threads(move || settings.recv()) else {
            return;
        };
        let serve = match discover(py, &main, &settings) {
            Ok((discovery, serve)) => {
                let _ = found.send(Ok(discovery));
                serve
            }
            Err(message) => {
                let _ = found.send(Err(message));
                return;
            }
        };
        // The hub runs until the process ends; if it ever stops, Python users
        // can no longer run or stop, and waiting for them would hang.
        let why = match serve.call0() {
            Ok(_) => "the gevent hub returned".to_string(),
            Err(error) => describe(py, &error),
        };
        log::error!("the Python thread stopped unexpectedly, exiting: {why}");
        home::exit(2);
    });
}

/// A Python exception as text: its traceback when it has one.
fn describe(py: Python<'_>, error: &PyErr) -> String {
    let formatted = py.import("traceback").and_then(|tb| {
        tb.call_method1(
            "format_exception",
            (error.get_type(py), error.value(py), error.traceback(py)),
        )
    });
    match formatted.and_then(|lines| lines.extract::<Vec<String>>()) {
        Ok(lines) => lines.concat().trim_end().to_string(),
        Err(_) => error.to_string(),
    }
}

/// Installs the `locust` package and imports the locustfiles; returns
/// `locust.main` and the custom options declared (JSON).
fn import_locustfiles<'py>(
    py: Python<'py>,
    files: &[PathBuf],
) -> Result<(Bound<'py, PyAny>, String), String> {
    let main = install_package(py)?;
    let files: Vec<String> = files
        .iter()
        .map(|file| file.to_string_lossy().into_owned())
        .collect();
    let imported = main
        .call_method1("import_files", (files,))
        .map_err(|e| describe(py, &e))?;
    // An error text, or the declared options as JSON: told apart by a leading '['.
    let text: String = imported.extract().map_err(|e| describe(py, &e))?;
    if !text.starts_with('[') {
        return Err(text);
    }
    Ok((main, text))
}

/// Finds the classes and shape of the imported locustfiles, with the parsed
/// command line; returns them plus the function that runs the hub.
fn discover<'py>(
    py: Python<'py>,
    main: &Bound<'py, PyAny>,
    settings: &Settings,
) -> Result<(Discovery, Bound<'py, PyAny>), String> {
    let options = PyDict::new(py);
    let set = |key: &str, value: Bound<'_, PyAny>| options.set_item(key, value);
    let json = serde_json::to_string(&settings.parsed_options).unwrap_or_else(|_| "{}".into());
    (|| -> PyResult<()> {
        set("host", settings.host.clone().into_pyobject(py)?.into_any())?;
        set("tags", settings.tags.clone().into_pyobject(py)?.into_any())?;
        set(
            "exclude_tags",
            settings.exclude_tags.clone().into_pyobject(py)?.into_any(),
        )?;
        set("parsed_options", json.into_pyobject(py)?.into_any())?;
        Ok(())
    })()
    .map_err(|e| describe(py, &e))?;
    let loaded = main
        .call_method1("load", (options,))
        .map_err(|e| describe(py, &e))?;
    // `load` returns an error text, or (classes, has_shape).
    if let Ok(message) = loaded.extract::<String>() {
        return Err(message);
    }
    let (described, shapes): (Vec<String>, Vec<String>) =
        loaded.extract().map_err(|e| describe(py, &e))?;
    let described = described
        .iter()
        .map(|text| DescribedClass::parse(text))
        .collect::<Result<Vec<_>, _>>()?;
    let hostless = described
        .iter()
        .filter(|class| !class.needs_host)
        .map(|class| class.name.clone())
        .collect();
    let classes = described.into_iter().map(HostedClass::from).collect();
    let serve = main.getattr("serve").map_err(|e| describe(py, &e))?;
    Ok((
        Discovery {
            classes,
            hostless,
            shapes,
        },
        serve,
    ))
}

/// A user class as the Python side describes it (`locust.main._describe`).
#[derive(serde::Deserialize)]
struct DescribedClass {
    name: String,
    weight: f64,
    fixed_count: u64,
    host: Option<String>,
    needs_host: bool,
    tasks: Vec<DescribedTask>,
    available_tasks: Vec<String>,
}

/// `[name, ratio, [children…]]`: a task's share, with a task set's own tasks.
#[derive(serde::Deserialize)]
struct DescribedTask(String, f64, Vec<DescribedTask>);

impl From<DescribedTask> for TaskRatio {
    fn from(DescribedTask(name, ratio, tasks): DescribedTask) -> Self {
        TaskRatio {
            name,
            ratio,
            tasks: tasks.into_iter().map(TaskRatio::from).collect(),
        }
    }
}

impl DescribedClass {
    fn parse(described: &str) -> Result<DescribedClass, String> {
        serde_json::from_str(described)
            .map_err(|e| format!("bad class description from Python ({e}): {described}"))
    }
}

impl From<DescribedClass> for HostedClass {
    fn from(class: DescribedClass) -> Self {
        HostedClass {
            name: class.name,
            weight: class.weight,
            fixed_count: class.fixed_count,
            host: class.host,
            task_ratios: class.tasks.into_iter().map(TaskRatio::from).collect(),
            available_tasks: class.available_tasks,
        }
    }
}

//! Python locustfiles for locusta.
//!
//! [`load`] starts the Python thread: an embedded CPython with gevent, where a
//! `locust` compatibility package (written for locusta, placed in
//! `sys.modules` before the locustfile is imported) and the native module
//! `locusta` live. Users run as greenlets on that thread; the engine's runner
//! decides how many of each class run, through the [`UserHost`] seam, exactly
//! as for Rust users. Requests go to an I/O thread that runs locusta's Rust
//! HTTP client; completions come back in batches through one eventfd the
//! gevent hub watches, so Rust threads never take the GIL.

mod io;
mod mailbox;
mod native;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::Duration;

use locusta_engine::host::{HostedClass, HostedUsers, UserHost};
use locusta_engine::runner::Runner;
use locusta_engine::shape::{LoadShape, ShapeContext, ShapeTick};
use locusta_engine::task::TaskRatio;
use locusta_engine::user::UserDefinition;
use locusta_engine::Environment;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::io::IoThread;
use crate::mailbox::{Call, Mailbox, Message, Reply};
use crate::native::{locusta_module as locusta_native, Shared, SHARED};

/// How one module of the `locust` package is made.
enum Source {
    /// A package (`__path__` set) with this `__init__` source.
    Package(&'static str),
    /// A module with this source.
    Module(&'static str),
    /// Another name for an already loaded module.
    Alias(&'static str),
}

/// The `locust` package, in dependency order (the package's own `__init__`,
/// listed first, runs last: it re-exports the others).
const PACKAGE: &[(&str, Source)] = &[
    (
        "locust",
        Source::Package(include_str!("../python/locust/__init__.py")),
    ),
    (
        "locust.exception",
        Source::Module(include_str!("../python/locust/exception.py")),
    ),
    (
        "locust.event",
        Source::Module(include_str!("../python/locust/event.py")),
    ),
    (
        "locust.wait_time",
        Source::Module(include_str!("../python/locust/wait_time.py")),
    ),
    (
        "locust.clients",
        Source::Module(include_str!("../python/locust/clients.py")),
    ),
    (
        "locust.task",
        Source::Module(include_str!("../python/locust/task.py")),
    ),
    (
        "locust.users",
        Source::Module(include_str!("../python/locust/users.py")),
    ),
    (
        "locust.shape",
        Source::Module(include_str!("../python/locust/shape.py")),
    ),
    (
        "locust.env",
        Source::Module(include_str!("../python/locust/env.py")),
    ),
    (
        "locust.runners",
        Source::Module(include_str!("../python/locust/runners.py")),
    ),
    ("locust.contrib", Source::Package("")),
    (
        "locust.contrib.fasthttp",
        Source::Module(include_str!("../python/locust/fasthttp.py")),
    ),
    (
        "locust.user",
        Source::Package(include_str!("../python/locust/user.py")),
    ),
    ("locust.user.task", Source::Alias("locust.task")),
    ("locust.user.users", Source::Alias("locust.users")),
    ("locust.user.wait_time", Source::Alias("locust.wait_time")),
    (
        "locust.main",
        Source::Module(include_str!("../python/locust/main.py")),
    ),
];

/// Applied before anything else is imported, as Locust does (gevent's
/// monkey-patching, unless LOCUST_SKIP_MONKEY_PATCH is set).
const PRELUDE: &str = "import os\nif not os.environ.get('LOCUST_SKIP_MONKEY_PATCH'):\n    from gevent import monkey\n    monkey.patch_all()\n";

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
    /// The file's `LoadTestShape`, if it has one.
    pub shape: Option<Box<dyn LoadShape>>,
    /// Runs the users of every class above, on the Python thread.
    pub host: Arc<dyn UserHost>,
    /// The classes that need no host (`User` subclasses that are not HTTP users).
    pub hostless: Vec<String>,
}

/// Starts the Python thread, imports the locustfile and finds its classes and
/// shape. Errors are messages for the user (with the Python traceback).
pub fn load(settings: Settings) -> Result<Locustfile, String> {
    if let Some(missing) = settings.locustfiles.iter().find(|file| !file.is_file()) {
        return Err(format!(
            "Could not find '{}'. Ensure your locustfile ends with '.py' or is a directory with locustfiles.",
            missing.display()
        ));
    }
    if settings.locustfiles.is_empty() {
        return Err("No locustfile found: give a .py file or a directory that holds some.".into());
    }
    let mailbox = Arc::new(Mailbox::new().map_err(|e| format!("cannot create an eventfd: {e}"))?);
    let io = IoThread::start(mailbox.clone())
        .map_err(|e| format!("cannot start the I/O thread: {e}"))?;
    let _ = SHARED.set(Shared {
        mailbox: mailbox.clone(),
        io,
        runner: Default::default(),
        recorder: Default::default(),
    });
    let (found, discovery) = sync_channel::<Result<Discovery, String>>(1);
    std::thread::Builder::new()
        .name("locusta-python".into())
        .spawn(move || python_thread(settings, found))
        .map_err(|e| format!("cannot start the Python thread: {e}"))?;
    let discovery = discovery
        .recv()
        .map_err(|_| "the Python thread ended while loading the locustfile".to_string())??;
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
        shape: discovery
            .shape
            .then(|| Box::new(PythonShape) as Box<dyn LoadShape>),
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
    events
        .test_start
        .add_listener(|_| fire("test_start", Vec::new()));
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
}

/// Runs `call` on the Python thread and waits for its answer.
fn call(call: Call) -> Reply {
    let shared = SHARED.get()?;
    let (reply, answer) = sync_channel(1);
    shared.mailbox.push(Message::Call { call, reply });
    answer.recv().ok().flatten()
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
}

/// The locustfile's `LoadTestShape`, ticked on the Python thread.
struct PythonShape;

impl LoadShape for PythonShape {
    fn tick(&mut self, context: &ShapeContext) -> Option<ShapeTick> {
        let (users, spawn_rate, user_classes) = call(Call::ShapeTick {
            run_time: context.run_time.as_secs_f64(),
            user_count: context.user_count,
        })?;
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
    shape: bool,
}

fn python_thread(
    settings: Settings,
    found: std::sync::mpsc::SyncSender<Result<Discovery, String>>,
) {
    pyo3::append_to_inittab!(locusta_native);
    pyo3::prepare_freethreaded_python();
    Python::with_gil(|py| {
        let serve = match bootstrap(py, &settings) {
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
        std::process::exit(2);
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

/// Installs the `locust` package, imports the locustfile and returns what it
/// holds plus the function that runs the hub.
fn bootstrap<'py>(
    py: Python<'py>,
    settings: &Settings,
) -> Result<(Discovery, Bound<'py, PyAny>), String> {
    let install = || -> PyResult<()> {
        let builtins = py.import("builtins")?;
        builtins.call_method1("exec", (PRELUDE, PyDict::new(py)))?;
        let sys = py.import("sys")?;
        let modules = sys.getattr("modules")?;
        let module_type = py.import("types")?.getattr("ModuleType")?;
        let mut pending = Vec::new();
        for (name, source) in PACKAGE {
            let module = match source {
                Source::Alias(target) => modules.get_item(*target)?,
                Source::Package(_) | Source::Module(_) => {
                    let module = module_type.call1((*name,))?;
                    let file = format!("<locusta>/{}.py", name.replace('.', "/"));
                    module.setattr("__file__", &file)?;
                    let package = match source {
                        Source::Package(_) => {
                            module.setattr("__path__", PyList::empty(py))?;
                            *name
                        }
                        _ => name.rsplit_once('.').map_or("", |(parent, _)| parent),
                    };
                    module.setattr("__package__", package)?;
                    module
                }
            };
            modules.set_item(*name, &module)?;
            if let Some((parent, child)) = name.rsplit_once('.') {
                modules.get_item(parent)?.setattr(child, &module)?;
            }
            if let Source::Package(code) | Source::Module(code) = source {
                pending.push((module, *name, *code));
            }
        }
        // Every module exists before any runs, so `import locust.x` never looks
        // on sys.path (where a real Locust may be installed).
        for (module, name, code) in pending.iter().skip(1).chain(pending.iter().take(1)) {
            let file = format!("<locusta>/{}.py", name.replace('.', "/"));
            let code = builtins.call_method1("compile", (*code, file.as_str(), "exec"))?;
            builtins.call_method1("exec", (code, module.getattr("__dict__")?))?;
        }
        Ok(())
    };
    if let Err(error) = py.import("gevent") {
        let python = option_env!("LOCUSTA_PYTHON").unwrap_or("python3");
        return Err(format!(
            "Python locustfiles need gevent in the Python locusta was built with: \
             install it with `{python} -m pip install gevent` (or run scripts/setup.sh). {}",
            describe(py, &error).lines().last().unwrap_or_default()
        ));
    }
    install().map_err(|e| format!("cannot set up the locust package: {}", describe(py, &e)))?;
    let main = py.import("locust.main").map_err(|e| describe(py, &e))?;
    let options = PyDict::new(py);
    let set = |key: &str, value: Bound<'_, PyAny>| options.set_item(key, value);
    let json = serde_json::to_string(&settings.parsed_options).unwrap_or_else(|_| "{}".into());
    (|| -> PyResult<()> {
        let files: Vec<String> = settings
            .locustfiles
            .iter()
            .map(|file| file.to_string_lossy().into_owned())
            .collect();
        set("locustfiles", files.into_pyobject(py)?.into_any())?;
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
    let (classes, shape): (Vec<Bound<'_, PyDict>>, bool) =
        loaded.extract().map_err(|e| describe(py, &e))?;
    let hostless = classes
        .iter()
        .filter(|class| {
            class
                .get_item("needs_host")
                .ok()
                .flatten()
                .is_some_and(|needs| !needs.is_truthy().unwrap_or(true))
        })
        .map(|class| -> PyResult<String> {
            class
                .get_item("name")?
                .map_or(Ok(String::new()), |name| name.extract())
        })
        .collect::<PyResult<Vec<_>>>()
        .map_err(|e| describe(py, &e))?;
    let classes = classes
        .iter()
        .map(hosted_class)
        .collect::<PyResult<Vec<_>>>()
        .map_err(|e| describe(py, &e))?;
    let serve = main.getattr("serve").map_err(|e| describe(py, &e))?;
    Ok((
        Discovery {
            classes,
            hostless,
            shape,
        },
        serve,
    ))
}

fn hosted_class(class: &Bound<'_, PyDict>) -> PyResult<HostedClass> {
    let get = |key: &str| -> PyResult<Bound<'_, PyAny>> {
        class
            .get_item(key)?
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(key.to_string()))
    };
    Ok(HostedClass {
        name: get("name")?.extract()?,
        weight: get("weight")?.extract()?,
        fixed_count: get("fixed_count")?.extract()?,
        host: get("host")?.extract()?,
        task_ratios: ratios(&get("tasks")?)?,
    })
}

/// `[(name, ratio, [children…])…]` into the engine's task ratio tree.
fn ratios(tasks: &Bound<'_, PyAny>) -> PyResult<Vec<TaskRatio>> {
    tasks
        .try_iter()?
        .map(|item| {
            let (name, ratio, children): (String, f64, Bound<'_, PyAny>) = item?.extract()?;
            Ok(TaskRatio {
                name,
                ratio,
                tasks: ratios(&children)?,
            })
        })
        .collect()
}

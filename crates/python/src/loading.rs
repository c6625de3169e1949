//! Loading locustfiles: the Python thread from its start to the hub.
//!
//! A `locusta -f` run loads in two steps, because Locust parses the command
//! line only after importing the locustfiles (their
//! `init_command_line_parser` listeners add options):
//!
//! 1. [`start`] starts the Python thread, which installs the `locust`
//!    package and imports the files, and hands back the options they
//!    declared; the thread then waits for the parsed command line;
//! 2. [`load`] sends it the parsed command line; the thread finds the user
//!    classes and shapes (`locust.main.load`), hands them back described as
//!    JSON ([`crate::described`]), then runs the gevent hub until the
//!    process ends.
//!
//! Both answer with a [`LoadError`] for the user (a Python traceback
//! included) instead of Python errors.

use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use locusta_engine::class_descriptor::ClassDescriptor;
use locusta_engine::options::CustomOption;
use locusta_engine::runner::SeatedClass;
use locusta_engine::shape::NamedShape;
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::described::DescribedClass;
use crate::home::PythonThreadError;
use crate::mailbox::Mailbox;
use crate::native::state::{share, ShareError};
use crate::options::DeclaredOptionsError;
use crate::package::{install_package, InstallError};
use crate::runtime::{PythonRuntime, PythonShape};
use crate::{describe, home, options, stall, Locustfile, Settings};

/// Locustfiles that cannot be loaded ([`start`], [`load`]).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A locustfile that does not exist (Locust's message).
    #[error("Could not find '{}'. Ensure your locustfile ends with '.py' or is a directory with locustfiles.", .0.display())]
    NotFound(PathBuf),
    /// No locustfile at all (an empty directory).
    #[error("No locustfile found: give a .py file or a directory that holds some.")]
    NoLocustfile,
    /// [`start`] called twice.
    #[error("the Python locustfiles are already loaded")]
    AlreadyLoaded,
    /// [`load`] called again after it took the Python thread.
    #[error("the Python locustfiles were not started")]
    NotStarted,
    /// The Python thread ended before it answered.
    #[error("the Python thread ended while loading the locustfile")]
    ThreadEnded,
    /// The mailbox or the I/O thread cannot be set up.
    #[error(transparent)]
    Share(#[from] ShareError),
    /// The Python thread cannot be reached or started.
    #[error(transparent)]
    Thread(#[from] PythonThreadError),
    /// The `locust` package cannot be installed (no gevent, …).
    #[error(transparent)]
    Install(#[from] InstallError),
    /// The options the locustfiles declared cannot be used.
    #[error(transparent)]
    Options(#[from] DeclaredOptionsError),
    /// The locustfiles' Python says no: an exception's traceback, what
    /// `locust.main` found wrong (no user class, an unknown class name, …),
    /// or a class it could not describe.
    #[error("{0}")]
    Python(String),
}

/// The Python thread once started: where to send the settings, and where its
/// findings come back.
struct Started {
    settings: SyncSender<Settings>,
    found: Receiver<Result<Discovery, LoadError>>,
    mailbox: Arc<Mailbox>,
}

static STARTED: Mutex<Option<Started>> = Mutex::new(None);

/// Starts the Python thread and imports the locustfiles (before the command
/// line is parsed, as Locust does): returns the custom options their
/// `init_command_line_parser` listeners declared. Errors are for the user
/// (with the Python traceback).
pub fn start(locustfiles: &[PathBuf]) -> Result<Vec<CustomOption>, LoadError> {
    if let Some(missing) = locustfiles.iter().find(|file| !file.is_file()) {
        return Err(LoadError::NotFound(missing.clone()));
    }
    if locustfiles.is_empty() {
        return Err(LoadError::NoLocustfile);
    }
    let mut started = STARTED.lock();
    if started.is_some() {
        return Err(LoadError::AlreadyLoaded);
    }
    let mailbox = share()?;
    let (declared_tx, declared) = sync_channel::<Result<String, LoadError>>(1);
    let (settings, settings_rx) = sync_channel::<Settings>(1);
    let (found_tx, found) = sync_channel::<Result<Discovery, LoadError>>(1);
    let files = locustfiles.to_vec();
    home::run_on_python_thread(Box::new(move || {
        python_thread(files, declared_tx, settings_rx, found_tx)
    }))?;
    let declared = declared.recv().map_err(|_| LoadError::ThreadEnded)??;
    *started = Some(Started {
        settings,
        found,
        mailbox,
    });
    Ok(options::from_json(&declared)?)
}

/// Whether [`start`] ran and [`load`] has not taken its thread yet.
pub(crate) fn is_started() -> bool {
    STARTED.lock().is_some()
}

/// Finds the classes and shape of the locustfiles (started with [`start`],
/// which this calls when it was not), with the parsed command line.
pub fn load(settings: Settings) -> Result<Locustfile, LoadError> {
    if STARTED.lock().is_none() {
        start(&settings.locustfiles)?;
    }
    let Some(Started {
        settings: send_settings,
        found,
        mailbox,
    }) = STARTED.lock().take()
    else {
        return Err(LoadError::NotStarted);
    };
    send_settings
        .send(settings)
        .map_err(|_| LoadError::ThreadEnded)?;
    let discovery = found.recv().map_err(|_| LoadError::ThreadEnded)??;
    let runtime = Arc::new(PythonRuntime {
        mailbox: mailbox.clone(),
    });
    let hostless = discovery.hostless.clone();
    Ok(Locustfile {
        hostless,
        classes: discovery
            .classes
            .into_iter()
            .map(|class| SeatedClass::Hosted(class, runtime.clone()))
            .collect(),
        shapes: discovery
            .shapes
            .into_iter()
            .map(|name| NamedShape {
                name: name.clone(),
                shape: Box::new(PythonShape { name }),
            })
            .collect(),
    })
}

/// What importing the locustfile found.
struct Discovery {
    classes: Vec<ClassDescriptor>,
    hostless: Vec<String>,
    shapes: Vec<String>,
}

/// The Python thread: imports the locustfiles, waits for the parsed command
/// line, finds the classes, then runs the hub; each finding goes back to
/// [`start`] or [`load`] through its channel.
fn python_thread(
    files: Vec<PathBuf>,
    declared: SyncSender<Result<String, LoadError>>,
    settings: Receiver<Settings>,
    found: SyncSender<Result<Discovery, LoadError>>,
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

/// Installs the `locust` package and imports the locustfiles; returns
/// `locust.main` and the custom options declared (JSON).
fn import_locustfiles<'py>(
    py: Python<'py>,
    files: &[PathBuf],
) -> Result<(Bound<'py, PyAny>, String), LoadError> {
    let main = install_package(py)?;
    let python = |e: PyErr| LoadError::Python(describe(py, &e));
    let files: Vec<String> = files
        .iter()
        .map(|file| file.to_string_lossy().into_owned())
        .collect();
    let imported = main
        .call_method1("import_files", (files,))
        .map_err(python)?;
    // An error text, or the declared options as JSON: told apart by a leading '['.
    let text: String = imported.extract().map_err(python)?;
    if !text.starts_with('[') {
        return Err(LoadError::Python(text));
    }
    Ok((main, text))
}

/// Finds the classes and shape of the imported locustfiles, with the parsed
/// command line; returns them plus the function that runs the hub.
fn discover<'py>(
    py: Python<'py>,
    main: &Bound<'py, PyAny>,
    settings: &Settings,
) -> Result<(Discovery, Bound<'py, PyAny>), LoadError> {
    let python = |e: PyErr| LoadError::Python(describe(py, &e));
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
    .map_err(python)?;
    let loaded = main.call_method1("load", (options,)).map_err(python)?;
    // `load` returns an error text, or (classes, has_shape).
    if let Ok(message) = loaded.extract::<String>() {
        return Err(LoadError::Python(message));
    }
    let (described, shapes): (Vec<String>, Vec<String>) = loaded.extract().map_err(python)?;
    let described = described
        .iter()
        .map(|text| DescribedClass::parse(text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(LoadError::Python)?;
    let hostless = described
        .iter()
        .filter(|class| !class.needs_host)
        .map(|class| class.class.name.clone())
        .collect();
    let classes = described.into_iter().map(|class| class.class).collect();
    let serve = main.getattr("serve").map_err(python)?;
    Ok((
        Discovery {
            classes,
            hostless,
            shapes,
        },
        serve,
    ))
}

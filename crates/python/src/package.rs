//! The `locust` compatibility package, as Python modules compiled into
//! locusta: [`install_package`] places every module in `sys.modules` before
//! a locustfile runs, so `import locust` resolves to locusta's package even
//! where a real Locust is installed, and it never looks on `sys.path`. The
//! same goes for `pytest_locust.plugin`, the module Locust's pytest plugin
//! is: inside a locusta run, its fixtures are locusta's.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::describe;

/// How one module of the `locust` package is made.
enum Source {
    /// A package (`__path__` set) with this `__init__` source.
    Package(&'static str),
    /// A module with this source.
    Module(&'static str),
    /// Another name for an already loaded module.
    Alias(&'static str),
    /// A module with this source, run when first imported (modules that need
    /// an optional package, or are rarely used): an ImportError then names
    /// the missing package, as in Locust.
    Lazy(&'static str),
}

/// The `locust` package, in dependency order (the package's own `__init__`,
/// listed first, runs last: it re-exports the others).
const PACKAGE: &[(&str, Source)] = &[
    (
        "locust",
        Source::Package(include_str!("../python/locust/__init__.py")),
    ),
    (
        "locust._run",
        Source::Module(include_str!("../python/locust/_run.py")),
    ),
    (
        "locust.exception",
        Source::Module(include_str!("../python/locust/exception.py")),
    ),
    (
        "locust.util",
        Source::Package(include_str!("../python/locust/util/__init__.py")),
    ),
    (
        "locust.util.cache",
        Source::Module(include_str!("../python/locust/util/cache.py")),
    ),
    (
        "locust.util.date",
        Source::Module(include_str!("../python/locust/util/date.py")),
    ),
    (
        "locust.util.deprecation",
        Source::Module(include_str!("../python/locust/util/deprecation.py")),
    ),
    (
        "locust.util.directory",
        Source::Module(include_str!("../python/locust/util/directory.py")),
    ),
    (
        "locust.util.exception_handler",
        Source::Module(include_str!("../python/locust/util/exception_handler.py")),
    ),
    (
        "locust.util.rounding",
        Source::Module(include_str!("../python/locust/util/rounding.py")),
    ),
    (
        "locust.util.timespan",
        Source::Module(include_str!("../python/locust/util/timespan.py")),
    ),
    (
        "locust.util.url",
        Source::Module(include_str!("../python/locust/util/url.py")),
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
        "locust.log",
        Source::Module(include_str!("../python/locust/log.py")),
    ),
    (
        "locust.dispatch",
        Source::Module(include_str!("../python/locust/dispatch.py")),
    ),
    (
        "locust.stats",
        Source::Module(include_str!("../python/locust/stats.py")),
    ),
    (
        "locust.runners",
        Source::Module(include_str!("../python/locust/runners.py")),
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
        "locust.contrib",
        Source::Package(include_str!("../python/locust/contrib/__init__.py")),
    ),
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
        "locust.user.sequential_taskset",
        Source::Module(include_str!("../python/locust/user_sequential_taskset.py")),
    ),
    (
        "locust.user.markov_taskset",
        Source::Module(include_str!("../python/locust/user_markov_taskset.py")),
    ),
    (
        "locust.user.inspectuser",
        Source::Lazy(include_str!("../python/locust/user_inspectuser.py")),
    ),
    (
        "locust.util.load_locustfile",
        Source::Lazy(include_str!("../python/locust/util/load_locustfile.py")),
    ),
    (
        "locust.argument_parser",
        Source::Module(include_str!("../python/locust/argument_parser.py")),
    ),
    (
        "locust.html",
        Source::Lazy(include_str!("../python/locust/html.py")),
    ),
    (
        "locust.input_events",
        Source::Lazy(include_str!("../python/locust/input_events.py")),
    ),
    (
        "locust.rpc",
        Source::Lazy(include_str!("../python/locust/rpc/__init__.py")),
    ),
    (
        "locust.rpc.protocol",
        Source::Lazy(include_str!("../python/locust/rpc/protocol.py")),
    ),
    (
        "locust.rpc.zmqrpc",
        Source::Lazy(include_str!("../python/locust/rpc/zmqrpc.py")),
    ),
    (
        "locust.web",
        Source::Lazy(include_str!("../python/locust/web.py")),
    ),
    (
        "locust.opentelemetry",
        Source::Lazy(include_str!("../python/locust/opentelemetry.py")),
    ),
    (
        "locust._lifecycle",
        Source::Module(include_str!("../python/locust/_lifecycle.py")),
    ),
    (
        "locust.main",
        Source::Module(include_str!("../python/locust/main.py")),
    ),
    (
        "locust.checks",
        Source::Module(include_str!("../python/locust/checks.py")),
    ),
    (
        "locust.debug",
        Source::Module(include_str!("../python/locust/debug.py")),
    ),
    (
        "locust.contrib.csv_request_logger",
        Source::Lazy(include_str!(
            "../python/locust/contrib/csv_request_logger.py"
        )),
    ),
    (
        "locust.contrib.socketio",
        Source::Lazy(include_str!("../python/locust/contrib/socketio.py")),
    ),
    (
        "locust.contrib.dns",
        Source::Lazy(include_str!("../python/locust/contrib/dns.py")),
    ),
    (
        "locust.contrib.mongodb",
        Source::Lazy(include_str!("../python/locust/contrib/mongodb.py")),
    ),
    (
        "locust.contrib.postgres",
        Source::Lazy(include_str!("../python/locust/contrib/postgres.py")),
    ),
    (
        "locust.contrib.mqtt",
        Source::Lazy(include_str!("../python/locust/contrib/mqtt.py")),
    ),
    (
        "locust.contrib.oai",
        Source::Lazy(include_str!("../python/locust/contrib/oai.py")),
    ),
    (
        "locust.contrib.milvus",
        Source::Lazy(include_str!("../python/locust/contrib/milvus.py")),
    ),
    (
        "locust.contrib._timed",
        Source::Lazy(include_str!("../python/locust/contrib/_timed.py")),
    ),
    (
        "locust.contrib.qdrant",
        Source::Lazy(include_str!("../python/locust/contrib/qdrant.py")),
    ),
    // Locust's pytest plugin (the fixtures of pytest-style locustfiles),
    // under the name Locust's entry point gives it.
    (
        "pytest_locust",
        Source::Lazy(include_str!("../python/pytest_locust/__init__.py")),
    ),
    (
        "pytest_locust.plugin",
        Source::Lazy(include_str!("../python/pytest_locust/plugin.py")),
    ),
];

/// Whether the lazy module `name` is a package: some other module lives in it.
fn is_package(name: &str) -> bool {
    PACKAGE.iter().any(|(other, _)| {
        other
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Finds the lazy modules of the package (`SOURCES`: name -> (code, is
/// package)); first on `sys.meta_path`, so that a Locust on `sys.path` never
/// answers for them.
const LAZY_FINDER: &str = r#"
import importlib.abc, importlib.util, sys

class LocustaFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the lazy modules of locusta's locust package."""

    def __init__(self, sources):
        self.sources = sources

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.sources:
            return None
        origin = "<locusta>/" + fullname.replace(".", "/") + ".py"
        return importlib.util.spec_from_loader(fullname, self, origin=origin, is_package=self.sources[fullname][1])

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        code, is_package = self.sources[module.__name__]
        module.__file__ = "<locusta>/" + module.__name__.replace(".", "/") + ".py"
        if is_package:
            module.__path__ = []
        exec(compile(code, module.__file__, "exec"), module.__dict__)

sys.meta_path.insert(0, LocustaFinder(SOURCES))
"#;

/// Applied before anything else is imported, as Locust does (gevent's
/// monkey-patching, unless LOCUST_SKIP_MONKEY_PATCH is set).
const PRELUDE: &str = "import os\nif not os.environ.get('LOCUST_SKIP_MONKEY_PATCH'):\n    from gevent import monkey\n    monkey.patch_all()\n";

/// Makes `locusta._native` importable. In the wheel, the user's interpreter
/// imported it already (it is the extension module that started the run);
/// in the `locusta` binary, which embeds the interpreter, a `locusta`
/// package holding the native module is placed in `sys.modules`, whatever a
/// `locusta` on `sys.path` may be, so the statics the Rust side uses are the
/// ones Python sees.
fn native_module(py: Python<'_>) -> PyResult<()> {
    let modules = py.import("sys")?.getattr("modules")?;
    if modules.contains("locusta._native")? {
        return Ok(());
    }
    let native = PyModule::new(py, "locusta._native")?;
    crate::native::populate(&native)?;
    let package = PyModule::new(py, "locusta")?;
    package.setattr("__path__", PyList::empty(py))?;
    package.setattr("_native", &native)?;
    package.setattr("__version__", env!("CARGO_PKG_VERSION"))?;
    modules.set_item("locusta", package)?;
    modules.set_item("locusta._native", native)?;
    Ok(())
}

/// The `locust` package cannot be installed ([`install_package`]); Python's
/// part of each message is the last line or the whole traceback.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// This Python has no gevent.
    #[error("Python locustfiles need gevent, and this Python ({python}) cannot import it: install it with `{python} -m pip install gevent`. {why}")]
    NoGevent {
        /// The interpreter (`sys.executable`).
        python: String,
        /// The last line of the import's traceback.
        why: String,
    },
    /// The module `locusta._native` cannot be set up.
    #[error("cannot set up the locusta module: {0}")]
    NativeModule(String),
    /// The `locust` package cannot be set up.
    #[error("cannot set up the locust package: {0}")]
    Package(String),
    /// `locust.main` cannot be imported: the traceback.
    #[error("{0}")]
    Main(String),
}

/// Applies the prelude (gevent's monkey-patching) and installs the `locust`
/// package in `sys.modules`; returns `locust.main`.
pub(crate) fn install_package(py: Python<'_>) -> Result<Bound<'_, PyAny>, InstallError> {
    let install = || -> PyResult<()> {
        let builtins = py.import("builtins")?;
        builtins.call_method1("exec", (PRELUDE, PyDict::new(py)))?;
        let sys = py.import("sys")?;
        let modules = sys.getattr("modules")?;
        let module_type = py.import("types")?.getattr("ModuleType")?;
        let mut pending = Vec::new();
        let lazy = PyDict::new(py);
        for (name, source) in PACKAGE {
            let module = match source {
                Source::Lazy(code) => {
                    lazy.set_item(*name, (*code, is_package(name)))?;
                    continue;
                }
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
        let globals = PyDict::new(py);
        globals.set_item("SOURCES", lazy)?;
        builtins.call_method1("exec", (LAZY_FINDER, globals))?;
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
        let python = py
            .import("sys")
            .and_then(|sys| sys.getattr("executable"))
            .and_then(|exe| exe.extract::<String>())
            .unwrap_or_else(|_| "python3".into());
        let why = describe(py, &error)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        return Err(InstallError::NoGevent { python, why });
    }
    native_module(py).map_err(|e| InstallError::NativeModule(describe(py, &e)))?;
    install().map_err(|e| InstallError::Package(describe(py, &e)))?;
    let main = py
        .import("locust.main")
        .map_err(|e| InstallError::Main(describe(py, &e)))?;
    Ok(main.into_any())
}

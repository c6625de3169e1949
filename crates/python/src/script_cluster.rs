//! A script's master or worker: Locust's library use with a distributed
//! runner (`environment.create_master_runner()` /
//! `create_worker_runner()` under `locusta --python script.py`).
//!
//! Both are the pieces a `locusta --master` or `--worker` run uses, started
//! in the script's process: the master is [`locusta_cluster::master`] driving
//! the engine's [`Runner`] over its workers; the worker is
//! [`locusta_cluster::worker`] with a runner whose users are the script's
//! classes, run as greenlets by the host of `locusta -f` runs
//! ([`PythonRuntime`]). The runner is then the one the rest of the native module
//! reads and drives (state, counts, `start`, statistics, custom messages),
//! and its events reach the script's listeners ([`crate::attach`]).
//!
//! Nothing here waits for Python (whose hub answers the runner's events):
//! stopping and quitting run on the control runtime, and the Python runner
//! polls [`script_runner_ended`] from a greenlet.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use locusta_cluster::master::Master;
use locusta_cluster::worker::{self, WorkerOptions};
use locusta_engine::class_descriptor::ClassDescriptor;
use locusta_engine::runner::{Runner, SeatedClass};
use locusta_engine::Environment;
use parking_lot::Mutex;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use tokio::sync::Notify;

use crate::native::runner::control_runtime;
use crate::native::state::SHARED;
use crate::runtime::PythonRuntime;

/// The script's distributed runner (one per process).
struct Cluster {
    runner: Arc<Runner>,
    role: Role,
    /// The exit code once the runner has ended: 0 after a quit, a worker's
    /// -1 when its master was unreachable or went silent.
    ended: Arc<Mutex<Option<i32>>>,
}

enum Role {
    Master(Master),
    /// Notified by `runner.quit()`: the worker tells its master and ends.
    Worker(Arc<Notify>),
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();

fn cluster() -> PyResult<&'static Cluster> {
    CLUSTER
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("no master or worker runner was created"))
}

/// A user class as the runner needs it: `(name, weight, fixed_count)`.
pub(crate) type ClassWeights = (String, f64, u64);

pub(crate) fn user_classes(classes: Vec<ClassWeights>) -> Vec<ClassDescriptor> {
    classes
        .into_iter()
        .map(|(name, weight, fixed_count)| ClassDescriptor {
            fixed_count,
            ..ClassDescriptor::weighted(&name, weight)
        })
        .collect()
}

/// `classes`, each only described: a master's workers run them.
pub(crate) fn remote_classes(classes: Vec<ClassWeights>) -> Vec<SeatedClass> {
    user_classes(classes)
        .into_iter()
        .map(SeatedClass::Remote)
        .collect()
}

pub(crate) fn environment(host: Option<String>, stop_timeout: f64) -> PyResult<Arc<Environment>> {
    let stop_timeout = Duration::try_from_secs_f64(stop_timeout)
        .map_err(|_| PyValueError::new_err("stop_timeout must be a number of seconds ≥ 0"))?;
    Ok(Arc::new(Environment {
        host: parking_lot::RwLock::new(host.filter(|h| !h.is_empty())),
        stop_timeout,
        ..Environment::default()
    }))
}

/// Makes `runner` the process's runner (what the native module reads) and
/// remembers it with its role.
fn install(runner: Arc<Runner>, role: Role) -> PyResult<Arc<Mutex<Option<i32>>>> {
    let ended = Arc::new(Mutex::new(None));
    let cluster = Cluster {
        runner: runner.clone(),
        role,
        ended: ended.clone(),
    };
    CLUSTER.set(cluster).map_err(|_| {
        PyRuntimeError::new_err("this process already has a master or worker runner")
    })?;
    crate::attach(&runner);
    Ok(ended)
}

fn check_first() -> PyResult<()> {
    let shared = SHARED
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("locusta is not running"))?;
    if CLUSTER.get().is_some() || shared.runner.get().is_some() {
        return Err(PyRuntimeError::new_err(
            "this process already has a runner (one master or worker runner per script)",
        ));
    }
    Ok(())
}

/// Starts locusta's master in this process, listening for workers on
/// `bind_host:bind_port` (`*`: every interface; port 0: any free port), and
/// returns the port. `classes` are the script's user classes.
#[pyfunction]
#[pyo3(signature = (classes, bind_host, bind_port, host=None, stop_timeout=0.0, rebalance=false))]
fn script_master(
    py: Python<'_>,
    classes: Vec<ClassWeights>,
    bind_host: String,
    bind_port: u16,
    host: Option<String>,
    stop_timeout: f64,
    rebalance: bool,
) -> PyResult<u16> {
    check_first()?;
    let env = environment(host, stop_timeout)?;
    let runtime = control_runtime()?;
    let master = py
        .allow_threads(|| {
            runtime.block_on(Master::bind(env.clone(), &bind_host, bind_port, rebalance))
        })
        .map_err(|e| PyOSError::new_err(e.to_string()))?;
    let runner = Runner::with_workers(env, remote_classes(classes), Arc::new(master.clone()))
        .map_err(PyValueError::new_err)?;
    master.attach(&runner);
    let port = master.port();
    log::info!("Starting locusta master, listening for workers on port {port}");
    install(runner, Role::Master(master))?;
    Ok(port)
}

/// Connects this process to the master at `master_host:master_port` as a
/// worker whose users are the script's `classes` (hosted by the Python
/// thread); returns the worker's node id (`client_id`).
#[pyfunction]
#[pyo3(signature = (classes, master_host, master_port, host=None, stop_timeout=0.0))]
fn script_worker(
    classes: Vec<ClassWeights>,
    master_host: String,
    master_port: u16,
    host: Option<String>,
    stop_timeout: f64,
) -> PyResult<String> {
    check_first()?;
    let shared = SHARED
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("locusta is not running"))?;
    let env = environment(host, stop_timeout)?;
    let runtime = Arc::new(PythonRuntime {
        mailbox: shared.mailbox.clone(),
    });
    let classes = user_classes(classes)
        .into_iter()
        .map(|class| SeatedClass::Hosted(class, runtime.clone()))
        .collect();
    let runner = Runner::seated(env, classes, 1).map_err(PyValueError::new_err)?;
    let quit = Arc::new(Notify::new());
    let ended = install(runner.clone(), Role::Worker(quit.clone()))?;
    let id = locusta_cluster::new_node_id();
    let options = WorkerOptions {
        master_host,
        master_port,
        log_lines: None,
        log_interval: worker::LOG_INTERVAL,
    };
    let worker_id = id.clone();
    control_runtime()?.spawn(async move {
        let code = worker::run_as(runner, options, worker_id, quit).await;
        *ended.lock() = Some(code);
    });
    Ok(id)
}

/// Stops the test (a master tells its workers), without waiting.
#[pyfunction]
fn script_runner_stop() -> PyResult<()> {
    let runner = cluster()?.runner.clone();
    control_runtime()?.spawn(async move { runner.stop().await });
    Ok(())
}

/// Ends the runner, without waiting: a master stops the test, sends its
/// workers `quit` and waits (a few seconds at most) for their last reports;
/// a worker stops its users, reports and tells its master it quits.
#[pyfunction]
fn script_runner_quit() -> PyResult<()> {
    let cluster = cluster()?;
    match &cluster.role {
        Role::Master(master) => {
            let (runner, master, ended) = (
                cluster.runner.clone(),
                master.clone(),
                cluster.ended.clone(),
            );
            control_runtime()?.spawn(async move {
                runner.stop().await;
                master.quit().await;
                runner.quit().await;
                *ended.lock() = Some(0);
            });
        }
        Role::Worker(quit) => quit.notify_one(),
    }
    Ok(())
}

/// The runner's exit code once it has ended, else None.
#[pyfunction]
fn script_runner_ended() -> PyResult<Option<i32>> {
    Ok(*cluster()?.ended.lock())
}

/// Adds these functions to `locusta._native`.
pub(crate) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(script_master, module)?)?;
    module.add_function(wrap_pyfunction!(script_worker, module)?)?;
    module.add_function(wrap_pyfunction!(script_runner_stop, module)?)?;
    module.add_function(wrap_pyfunction!(script_runner_quit, module)?)?;
    module.add_function(wrap_pyfunction!(script_runner_ended, module)?)?;
    Ok(())
}

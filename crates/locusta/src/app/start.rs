//! From checked options to a started runner: [`Run`] is what a mode
//! (headless, web UI, worker) receives, and [`Run::start`] turns it into a
//! [`Started`] run: with `--master`, listening for workers first, then the
//! runner, the program's runner hooks and the `init` event, then the
//! `--metrics-port` server.
//!
//! Every mode starts this same way, so a locustfile sees the same events in
//! the same order whichever mode runs it.

use std::sync::Arc;

use locusta_cluster::master::Master;
use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::runner::{Runner, SeatedClass};
use locusta_engine::shape::NamedShape;
use locusta_engine::Environment;
use locusta_web::WebExtension;

use super::master::bind_master;
use super::program::{Fatal, OnRunner};
use super::thresholds::Judge;
use crate::cli::Options;
use crate::outputs::Outputs;

/// What a run needs once the options are checked.
pub(super) struct Run {
    pub(super) options: Options,
    pub(super) env: Arc<Environment>,
    /// The user classes, each with who runs its users.
    pub(super) classes: Vec<SeatedClass>,
    pub(super) shapes: Vec<NamedShape>,
    pub(super) on_runner: Vec<OnRunner>,
    /// Classes whose users need no host.
    pub(super) hostless: Vec<String>,
    pub(super) web_extension: Option<Arc<dyn WebExtension>>,
    /// `--config-users` settings, applied to the classes before `init`.
    pub(super) user_settings: Vec<UserClassSettings>,
    pub(super) threads: usize,
    pub(super) outputs: Outputs,
    pub(super) judge: Arc<Judge>,
}

/// A run whose runner is up (and, on a master, listening for workers).
pub(super) struct Started {
    pub(super) options: Options,
    pub(super) env: Arc<Environment>,
    pub(super) shapes: Vec<NamedShape>,
    pub(super) hostless: Vec<String>,
    pub(super) web_extension: Option<Arc<dyn WebExtension>>,
    pub(super) outputs: Outputs,
    pub(super) threads: usize,
    pub(super) runner: Arc<Runner>,
    pub(super) master: Option<Master>,
    pub(super) judge: Arc<Judge>,
}

impl Run {
    /// Listens for workers (with `--master`), then starts the runner.
    pub(super) async fn start(self) -> Result<Started, Fatal> {
        let Run {
            options,
            env,
            classes,
            shapes,
            on_runner,
            hostless,
            web_extension,
            user_settings,
            threads,
            outputs,
            judge,
        } = self;
        let master = bind_master(&options, &env).await?;
        let runner = start_runner(
            &env,
            classes,
            threads,
            on_runner,
            &user_settings,
            master.as_ref(),
        )?;
        super::metrics::serve(&options, &runner).await?;
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
            judge,
        })
    }
}

/// The runner of every run: created, handed to the program's hooks (the
/// Python front attaches here), then `init` fires. A master's runner drives
/// the master's workers instead of users of its own.
fn start_runner(
    env: &Arc<Environment>,
    classes: Vec<SeatedClass>,
    threads: usize,
    on_runner: Vec<OnRunner>,
    user_settings: &[UserClassSettings],
    master: Option<&Master>,
) -> Result<Arc<Runner>, Fatal> {
    log::info!("Starting locusta {}", env!("CARGO_PKG_VERSION"));
    let runner = match master {
        Some(master) => {
            let runner = Runner::with_workers(env.clone(), classes, Arc::new(master.clone()))
                .map_err(Fatal::startup)?;
            master.attach(&runner);
            runner
        }
        None => Runner::seated(env.clone(), classes, threads).map_err(Fatal::startup)?,
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

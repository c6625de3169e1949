//! The seam between the runner and its user classes: every class the runner
//! is given takes one seat ([`RunClass`]), chosen once when the runner is
//! built, and the rest of the runner goes through it.
//!
//! * [`Seat::Local`]: a Rust class. Its [`LocalSpawner`] starts users on
//!   the load threads; settings and `--tags` make a new spawner.
//! * [`Seat::Hosted`]: a class a [`UserHost`] runs (Python). Spawn, stop,
//!   kill, settings and tags go to the host; its users report back through
//!   [`HostedUsers`].
//! * [`Seat::Remote`]: a bare description on a master that no host here
//!   holds; only the master's workers run its users.
//!
//! ```text
//! Arc<dyn UserDefinition> ──host.hosts(name)?──► Hosted { host, users }
//!                         ──local_spawner()?───► Local(spawner)
//!                         ──a master?──────────► Remote
//! ```

use std::sync::Arc;

use crate::class_settings::UserClassSettings;
use crate::host::{HostedUsers, UserHost};
use crate::run_state::RunShared;
use crate::task::TagFilter;
use crate::user::{LocalSpawner, UserDefinition};

/// One user class as the runner holds it: what it says about itself, and who
/// runs its users.
#[derive(Clone)]
pub(super) struct RunClass {
    /// What the class says about itself (for a local class, the same object
    /// as its spawner).
    pub(super) definition: Arc<dyn UserDefinition>,
    /// Who runs its users.
    pub(super) seat: Seat,
}

/// Who runs the users of a class.
#[derive(Clone)]
pub(super) enum Seat {
    /// The load threads, each user started by the class's spawner.
    Local(Arc<dyn LocalSpawner>),
    /// A host, whose users report back through `users`.
    Hosted {
        host: Arc<dyn UserHost>,
        users: HostedUsers,
    },
    /// A master's workers; nothing runs here.
    Remote,
}

impl RunClass {
    /// The seat of `class`, the class at `index`: with `host` if it hosts the
    /// class, else on the load threads if it can run there, else (on a master
    /// only) on the workers.
    pub(super) fn seat(
        class: Arc<dyn UserDefinition>,
        index: usize,
        host: Option<&Arc<dyn UserHost>>,
        shared: &Arc<RunShared>,
        master: bool,
    ) -> Result<RunClass, String> {
        if let Some(host) = host.filter(|host| host.hosts(class.name())) {
            return Ok(RunClass {
                definition: class,
                seat: Seat::Hosted {
                    host: host.clone(),
                    users: HostedUsers::new(shared.clone(), index),
                },
            });
        }
        match class.clone().local_spawner() {
            Some(spawner) => Ok(RunClass::local(spawner)),
            None if master => Ok(RunClass {
                definition: class,
                seat: Seat::Remote,
            }),
            None => Err(format!("{}: no user host runs this class", class.name())),
        }
    }

    fn local(spawner: Arc<dyn LocalSpawner>) -> RunClass {
        RunClass {
            definition: spawner.clone().definition(),
            seat: Seat::Local(spawner),
        }
    }

    /// The class's name.
    pub(super) fn name(&self) -> &str {
        self.definition.name()
    }

    /// The host of a hosted class.
    pub(super) fn host(&self) -> Option<&Arc<dyn UserHost>> {
        match &self.seat {
            Seat::Hosted { host, .. } => Some(host),
            _ => None,
        }
    }

    /// The class with only the tasks that pass `filter`, for those whose
    /// tasks the runner filters (a host filters its own:
    /// [`UserHost::filter_tasks`]).
    pub(super) fn with_tag_filter(&self, filter: &TagFilter) -> RunClass {
        match &self.seat {
            Seat::Local(spawner) => RunClass::local(spawner.with_tag_filter(filter)),
            _ => self.clone(),
        }
    }

    /// The class with `settings` applied: by the class itself, or by its
    /// host (which waits for its own thread).
    pub(super) fn with_settings(&self, settings: &UserClassSettings) -> Result<RunClass, String> {
        match &self.seat {
            Seat::Local(spawner) => Ok(RunClass::local(spawner.with_settings(settings)?)),
            Seat::Hosted { host, .. } => Ok(RunClass {
                definition: Arc::new(host.update_class(settings)?),
                seat: self.seat.clone(),
            }),
            Seat::Remote => Err(format!(
                "the settings of {} go through its host",
                self.name()
            )),
        }
    }
}

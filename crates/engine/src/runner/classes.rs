//! The seam between the runner and its user classes: the caller gives every
//! class with its seat ([`SeatedClass`]: who runs its users), the runner
//! holds it as a [`RunClass`], and the rest of the runner goes through it.
//!
//! * [`SeatedClass::Local`]: a Rust class. Its [`LocalSpawner`] starts users
//!   on the load threads; settings and `--tags` make a new spawner.
//! * [`SeatedClass::Hosted`]: a class a [`ClassRuntime`] runs (Python).
//!   Spawn, stop, kill, settings and tags go to the runtime; its users report
//!   back through [`HostedUsers`].
//! * [`SeatedClass::Remote`]: a bare description on a master; only the
//!   master's workers run its users.
//!
//! ```text
//! SeatedClass::Local(class)           ──class.local_spawner()──► Seat::Local(spawner)
//! SeatedClass::Hosted(desc, runtime)  ─────────────────────────► Seat::Hosted { runtime, users }
//! SeatedClass::Remote(desc)           ──(a master only)────────► Seat::Remote
//! ```

use std::sync::Arc;

use crate::class_descriptor::ClassDescriptor;
use crate::class_settings::UserClassSettings;
use crate::hosting::{ClassRuntime, HostedUsers};
use crate::run_state::RunShared;
use crate::task::TagFilter;
use crate::user::{LocalSpawner, UserDefinition};

/// A user class as a runner is given it: what it is, and who runs its users.
#[derive(Clone)]
pub enum SeatedClass {
    /// A Rust class ([`UserClass::boxed`](crate::user::UserClass::boxed)):
    /// its users run on the load threads.
    Local(Arc<dyn UserDefinition>),
    /// A class whose users `runtime` runs (Python's).
    Hosted(ClassDescriptor, Arc<dyn ClassRuntime>),
    /// A class that only a master's workers run.
    Remote(ClassDescriptor),
}

impl SeatedClass {
    /// The class's name.
    pub fn name(&self) -> &str {
        match self {
            SeatedClass::Local(class) => class.name(),
            SeatedClass::Hosted(class, _) | SeatedClass::Remote(class) => &class.name,
        }
    }

    /// What the class says about itself.
    pub fn definition(&self) -> Arc<dyn UserDefinition> {
        match self {
            SeatedClass::Local(class) => class.clone(),
            SeatedClass::Hosted(class, _) | SeatedClass::Remote(class) => Arc::new(class.clone()),
        }
    }

    /// The same class, in the same seat, with another weight and fixed
    /// count (`--equal-weights`).
    pub fn with_weights(&self, weight: f64, fixed_count: u64) -> SeatedClass {
        let described = |class: &ClassDescriptor| ClassDescriptor {
            weight,
            fixed_count,
            ..class.clone()
        };
        match self {
            SeatedClass::Local(class) => {
                SeatedClass::Local(class.with_weights(weight, fixed_count))
            }
            SeatedClass::Hosted(class, runtime) => {
                SeatedClass::Hosted(described(class), runtime.clone())
            }
            SeatedClass::Remote(class) => SeatedClass::Remote(described(class)),
        }
    }
}

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
    /// A class runtime, whose users report back through `users`.
    Hosted {
        runtime: Arc<dyn ClassRuntime>,
        users: HostedUsers,
    },
    /// A master's workers; nothing runs here.
    Remote,
}

impl RunClass {
    /// The class at `index`, in the seat it was given. A local class must
    /// be able to run on the load threads; a remote one is for a master.
    pub(super) fn seat(
        class: SeatedClass,
        index: usize,
        shared: &Arc<RunShared>,
        master: bool,
    ) -> Result<RunClass, String> {
        match class {
            SeatedClass::Local(class) => match class.clone().local_spawner() {
                Some(spawner) => Ok(RunClass::local(spawner)),
                None => Err(format!(
                    "{}: a description alone cannot run on the load threads",
                    class.name()
                )),
            },
            SeatedClass::Hosted(class, runtime) => Ok(RunClass {
                definition: Arc::new(class),
                seat: Seat::Hosted {
                    runtime,
                    users: HostedUsers::new(shared.clone(), index),
                },
            }),
            SeatedClass::Remote(class) if master => Ok(RunClass {
                definition: Arc::new(class),
                seat: Seat::Remote,
            }),
            SeatedClass::Remote(class) => {
                Err(format!("{}: no class runtime runs this class", class.name))
            }
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

    /// The runtime of a hosted class.
    pub(super) fn runtime(&self) -> Option<&Arc<dyn ClassRuntime>> {
        match &self.seat {
            Seat::Hosted { runtime, .. } => Some(runtime),
            _ => None,
        }
    }

    /// The class with only the tasks that pass `filter`, for those whose
    /// tasks the runner filters (a runtime filters its own:
    /// [`ClassRuntime::filter_tasks`]).
    pub(super) fn with_tag_filter(&self, filter: &TagFilter) -> RunClass {
        match &self.seat {
            Seat::Local(spawner) => RunClass::local(spawner.with_tag_filter(filter)),
            _ => self.clone(),
        }
    }

    /// The class with `settings` applied: by the class itself, by its runtime
    /// (which waits for its own thread), or — run elsewhere — its weight and
    /// fixed count here, the rest by whoever runs it (the runner hands the
    /// settings on to its `Workers`).
    pub(super) fn with_settings(&self, settings: &UserClassSettings) -> Result<RunClass, String> {
        match &self.seat {
            Seat::Local(spawner) => Ok(RunClass::local(spawner.with_settings(settings)?)),
            Seat::Hosted { runtime, .. } => Ok(RunClass {
                definition: Arc::new(runtime.update_class(settings)?),
                seat: self.seat.clone(),
            }),
            Seat::Remote => Ok(RunClass {
                definition: self.definition.with_weights(
                    settings.weight.unwrap_or(self.definition.weight()),
                    settings
                        .fixed_count
                        .unwrap_or(self.definition.fixed_count()),
                ),
                seat: Seat::Remote,
            }),
        }
    }
}

//! locusta's engine: simulated users written in Rust, the runner that spawns them
//! with Locust's dispatch, load shapes and the event bus. Requests go through
//! [`locusta_http`] and land in [`locusta_stats`].
//!
//! ```no_run
//! use locusta_engine::prelude::*;
//!
//! async fn index(u: &mut User<()>) {
//!     u.client.get("/").send().await;
//! }
//! let quick = UserClass::<()>::new("Quick").wait(between(0.5, 1.0)).task(1, index);
//! ```
//!
//! The modules, from the bottom up (each imports only those above it, except
//! that `task` and `user` name each other's types):
//!
//! * Plain values and tools: [`timespan`], [`options`], [`class_descriptor`]
//!   (a user class as data), [`class_settings`],
//!   [`budget`], [`dispatch`] (Locust's `UsersDispatcher`), [`shape`],
//!   [`wait`], [`usage`].
//! * [`health`]: the generator's self-check (is locusta the bottleneck?),
//!   its probes, rules and monitor thread.
//! * The run's context: [`environment`] and [`events`]; [`remote`], the
//!   seam to distributed mode.
//! * `run_state` (crate-private): what the runner shares with load threads,
//!   runtimes and users (live counts, `--iterations`, the stop switch).
//! * What users are: [`task`] (tasks and task sets) and [`user`] (the `User`
//!   context, `UserClass`, the class description the runner sees and the
//!   spawner that starts Rust users on a load thread).
//! * [`hosting`]: the seam for classes whose users a class runtime runs
//!   (Python's interpreter).
//! * [`runner`]: load threads, the ramp, placement and stop, holding every
//!   class through one seam (local or hosted).
//! * [`session`]: one test under control (start with users or a shape, the
//!   run-time timer, stop with a reason, the end and why), for the headless
//!   run and the web UI alike.

pub mod budget;
pub mod class_descriptor;
pub mod class_settings;
pub mod dispatch;
pub mod environment;
pub mod events;
pub mod health;
pub mod hosting;
pub mod options;
pub mod remote;
mod run_state;
pub mod runner;
pub mod session;
pub mod shape;
pub mod task;
pub mod timespan;
pub mod usage;
pub mod user;
pub mod wait;

pub use environment::Environment;

/// Everything a locustfile-style Rust program needs.
pub mod prelude {
    pub use crate::class_settings::UserClassSettings;
    pub use crate::environment::Environment;
    pub use crate::events::{CustomMessage, Events, Usage, UserError};
    pub use crate::options::{CustomOption, OptionKind, OptionValue};
    pub use crate::shape::{LoadShape, ShapeContext, ShapeTick, Stage, Stages};
    pub use crate::task::{TaskError, TaskResult, TaskSet};
    pub use crate::user::{User, UserClass, UserDefinition};
    pub use crate::wait::{
        between, constant, constant_pacing, constant_throughput, custom, poisson, WaitTime,
    };
    pub use locusta_http::{Method, Response};
}

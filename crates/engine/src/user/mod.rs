//! Users written in Rust: the per-user context a task receives ([`User`]),
//! the definition of a kind of user ([`UserClass`]), and how the runner runs
//! those users on its load threads.
//!
//! The pieces, one idea per file:
//!
//! * `mod.rs` (here): [`User<S>`], what every task gets: the user's HTTP
//!   client, its own state, the environment, and ways to report requests.
//! * `class.rs`: [`UserClass<S>`], the builder a locustfile-style program
//!   writes (tasks, wait time, weight, host, state), and what it tells the
//!   runner about itself.
//! * `definition.rs`: [`UserDefinition`], a user class as the runner and the
//!   reports see it, whatever runs its users (a Rust class, or a Python class
//!   a [`ClassRuntime`](crate::hosting::ClassRuntime) runs).
//! * `spawner.rs`: [`LocalSpawner`], the other side of a Rust class: starting
//!   its users on a load thread, applying settings and tag filters.
//! * `control.rs`: [`UserControl`], the runner's handle on one running user
//!   (graceful stop, kill).
//! * `run.rs`: the loop that runs one user (`on_start`, tasks, waits, task
//!   sets, `on_stop`), with Locust's semantics.
//!
//! ```
//! use locusta_engine::prelude::*;
//!
//! #[derive(Default)]
//! struct Visitor { pages: u32 }
//!
//! async fn browse(u: &mut User<Visitor>) {
//!     u.client.get("/products").send().await;
//!     u.pages += 1; // the user's own state, through Deref
//! }
//! let class = UserClass::<Visitor>::new("Visitor").wait(between(1.0, 2.0)).task(1, browse);
//! let for_the_runner = class.boxed(); // an Arc<dyn UserDefinition>
//! assert_eq!(for_the_runner.name(), "Visitor");
//! ```

mod class;
mod control;
mod definition;
mod run;
mod spawner;

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use locusta_http::HttpClient;
use locusta_stats::{now_epoch, RequestRecord};

use crate::run_state::ThreadContext;
use crate::Environment;

pub use class::UserClass;
pub use control::UserControl;
pub use definition::UserDefinition;
#[doc(hidden)]
pub use spawner::LocalSpawner;

/// The log target of errors in user code, whichever file reports them
/// (logger `locusta.user`).
const LOG_TARGET: &str = module_path!();

/// What a task receives: this user's HTTP client, its own state `S` (also
/// reachable through `Deref`), and the test's environment.
pub struct User<S> {
    /// The user's HTTP client: its own cookie jar and keep-alive connections.
    pub client: HttpClient,
    /// The user's own state.
    pub state: S,
    id: u64,
    control: Rc<UserControl>,
    thread: Rc<ThreadContext>,
}

impl<S> Deref for User<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.state
    }
}

impl<S> DerefMut for User<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.state
    }
}

impl<S> User<S> {
    /// A number unique to this user within the process.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The test's environment (statistics, events, options).
    pub fn environment(&self) -> &Arc<Environment> {
        &self.thread.env
    }

    /// Reports a request of any protocol into the statistics, as Locust's
    /// `events.request.fire` does. `error` is `None` on success.
    pub fn record(
        &self,
        request_type: &str,
        name: &str,
        response_time: Duration,
        response_length: u64,
        error: Option<&str>,
    ) {
        let start_time = now_epoch() - response_time.as_secs_f64();
        self.thread.recorder.record(&RequestRecord {
            request_type,
            name,
            response_time: Some(response_time),
            response_length,
            error,
            start_time,
            url: "",
            status: 0,
        });
    }

    /// Counts check `name` as passed when `passed` (k6's `check`): an
    /// assertion shown in the Checks table and usable in thresholds
    /// (`checks > 99%`), that never fails a request. Returns `passed`, so
    /// that it can guard what follows.
    pub fn check(&self, name: &str, passed: bool) -> bool {
        self.thread.recorder.check(name, passed);
        passed
    }

    /// Times `request` and reports it (Locust's `events.request.measure`): an
    /// `Err` is recorded as a failure with its message, and returned.
    pub async fn measure<T, E: std::fmt::Display>(
        &self,
        request_type: &str,
        name: &str,
        request: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let started = Instant::now();
        let result = request.await;
        let elapsed = started.elapsed();
        match &result {
            Ok(_) => self.record(request_type, name, elapsed, 0, None),
            Err(error) => {
                let message = error.to_string();
                self.record(request_type, name, elapsed, 0, Some(&message));
            }
        }
        result
    }
}

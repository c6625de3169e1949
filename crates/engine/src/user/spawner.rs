//! [`LocalSpawner`]: the side of a Rust user class that runs its users on the
//! runner's load threads, apart from what the class says about itself
//! ([`UserDefinition`]).
//!
//! The runner holds a Rust class through its spawner (`runner/classes.rs`):
//! a load thread asks it for each new user ([`LocalSpawner::start_user`]),
//! and settings (`--config-users`, `POST /user`) and `--tags` make new
//! spawners from it. A hosted class has no spawner: its runtime does all this
//! on its own thread.
//!
//! ```text
//! UserClass<S>::boxed() ──► Arc<dyn UserDefinition> ──local_spawner()──► Arc<dyn LocalSpawner>
//! load thread: spawner.start_user(id, thread) ──► (UserControl, future that runs the user)
//! ```

use std::rc::Rc;
use std::sync::Arc;

use locusta_http::HttpClient;

use super::run::run_user;
use super::{User, UserClass, UserControl, UserDefinition};
use crate::class_settings::UserClassSettings;
use crate::run_state::ThreadContext;
use crate::task::{LocalBoxFuture, TagFilter};

/// A user class whose users run on the load threads (every [`UserClass`]).
pub trait LocalSpawner: Send + Sync {
    /// What the class says about itself.
    fn definition(self: Arc<Self>) -> Arc<dyn UserDefinition>;
    /// A copy with only the tasks that pass the filter.
    fn with_tag_filter(&self, filter: &TagFilter) -> Arc<dyn LocalSpawner>;
    /// The same class with `settings` applied (`--config-users`, `POST /user`);
    /// an error names what cannot be applied.
    fn with_settings(&self, settings: &UserClassSettings) -> Result<Arc<dyn LocalSpawner>, String>;
    /// Creates one user on the calling load thread and returns its control
    /// and the future that runs it.
    fn start_user(
        self: Arc<Self>,
        id: u64,
        thread: &Rc<ThreadContext>,
    ) -> (Rc<UserControl>, LocalBoxFuture<'static, ()>);
}

impl<S: 'static> LocalSpawner for UserClass<S> {
    fn definition(self: Arc<Self>) -> Arc<dyn UserDefinition> {
        self
    }

    fn with_tag_filter(&self, filter: &TagFilter) -> Arc<dyn LocalSpawner> {
        let mut class = self.clone();
        class.root = self.root.filtered(filter, &[]);
        class.all_tasks = None;
        Arc::new(class)
    }

    fn with_settings(&self, settings: &UserClassSettings) -> Result<Arc<dyn LocalSpawner>, String> {
        if let Some(key) = settings.other.keys().next() {
            return Err(format!(
                "{}: unknown setting '{key}' (a Rust user class takes host, weight, fixed_count and tasks)",
                self.name
            ));
        }
        let mut class = self.clone();
        if let Some(host) = &settings.host {
            class.host = (!host.is_empty()).then(|| host.clone());
        }
        if let Some(weight) = settings.weight {
            class.weight = weight;
        }
        if let Some(fixed_count) = settings.fixed_count {
            class.fixed_count = fixed_count;
        }
        if let Some(names) = &settings.tasks {
            let all = self.all_tasks.clone().unwrap_or_else(|| self.root.clone());
            let (kept, unknown) = all.keep_named(names);
            if !unknown.is_empty() {
                return Err(format!(
                    "{} has no task named {} (its tasks: {})",
                    self.name,
                    unknown.join(", "),
                    all.task_names().join(", ")
                ));
            }
            class.root = kept;
            class.all_tasks = Some(all);
        }
        Ok(Arc::new(class))
    }

    fn start_user(
        self: Arc<Self>,
        id: u64,
        thread: &Rc<ThreadContext>,
    ) -> (Rc<UserControl>, LocalBoxFuture<'static, ()>) {
        let control = UserControl::new();
        let env_host = thread.env.host();
        let host = env_host.as_deref().or(self.host.as_deref());
        let client = HttpClient::new(host, self.client.clone(), thread.recorder.clone())
            .or_else(|_| HttpClient::new(None, self.client.clone(), thread.recorder.clone()))
            .expect("a client without a host can always be built");
        let user = User {
            client,
            state: (self.new_state)(),
            id,
            control: control.clone(),
            thread: thread.clone(),
        };
        (control, Box::pin(run_user(self, user)))
    }
}

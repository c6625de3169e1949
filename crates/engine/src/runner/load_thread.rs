//! A load thread: a single-threaded tokio runtime on an OS thread of its own,
//! whose users are local tasks (never `Send`, never stolen by another thread).
//! Beside them runs the generator self-check's ticker ([`crate::health`]).
//!
//! The runner talks to it only through [`Command`]s on a channel; the thread
//! keeps, per class, the controls of the users it started (newest last), so
//! that `Stop` takes the newest first. A panic in user code ends that user
//! only: it is caught, recorded like a task error, and the live count stays
//! right.
//!
//! ```text
//! runner ──Spawn{class, n}──► thread: n × (user_started, spawn_local(run user))
//!        ──Stop{class, n, graceful}──► stop the n newest (kill after the timeout)
//!        ──KillAll / Shutdown──►
//! ```

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;

use super::LOG_TARGET;
use crate::events::{panic_message, UserError};
use crate::run_state::{RunShared, ThreadContext};
use crate::task::LocalBoxFuture;
use crate::user::{LocalSpawner, UserControl};
use crate::Environment;

/// What the runner tells a load thread.
pub(super) enum Command {
    /// Start `count` users of the class at `index`.
    Spawn {
        index: usize,
        class: Arc<dyn LocalSpawner>,
        count: u64,
    },
    /// Stop the `count` newest users of the class at `index`: at once, or
    /// gracefully within the timeout.
    Stop {
        index: usize,
        count: u64,
        graceful: Option<Duration>,
    },
    /// Kill every user now (their `on_stop` handlers still run).
    KillAll,
    /// Leave the loop; the thread ends.
    Shutdown,
}

/// The runner's handle on one load thread.
pub(super) struct LoadThread {
    commands: mpsc::UnboundedSender<Command>,
    handle: Option<JoinHandle<()>>,
}

impl LoadThread {
    /// Starts load thread `number`: a current-thread tokio runtime whose
    /// users record into a statistics shard of its own.
    pub(super) fn start(
        number: usize,
        env: Arc<Environment>,
        shared: Arc<RunShared>,
    ) -> std::io::Result<LoadThread> {
        let (commands, inbox) = mpsc::unbounded_channel::<Command>();
        let recorder = env.stats.recorder();
        let probe = env.health.register_thread(format!("locusta-load-{number}"));
        let handle = std::thread::Builder::new()
            .name(format!("locusta-load-{number}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        log::error!(target: LOG_TARGET, "cannot start load thread {number}: {error}");
                        return;
                    }
                };
                let context = Rc::new(ThreadContext::new(env, recorder, shared));
                let local = tokio::task::LocalSet::new();
                // The self-check's ticker: how late this thread's timers fire.
                local.spawn_local(probe.tick());
                local.block_on(&runtime, serve(inbox, context));
            })?;
        Ok(LoadThread {
            commands,
            handle: Some(handle),
        })
    }

    /// Sends a command; a thread that has ended ignores it.
    pub(super) fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// Waits (off the async runtime) for the thread to end, once it was told
    /// to [`Command::Shutdown`].
    pub(super) async fn join(&mut self) {
        if let Some(handle) = self.handle.take() {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}

/// A load thread's loop: obeys the runner's commands until `Shutdown`.
async fn serve(mut inbox: mpsc::UnboundedReceiver<Command>, context: Rc<ThreadContext>) {
    // Per class index, the users this thread started, newest last.
    let mut users: Vec<Vec<Rc<UserControl>>> = Vec::new();
    while let Some(command) = inbox.recv().await {
        match command {
            Command::Spawn {
                index,
                class,
                count,
            } => {
                if users.len() <= index {
                    users.resize_with(index + 1, Vec::new);
                }
                for _ in 0..count {
                    users[index].push(spawn_user(&context, index, &class));
                }
            }
            Command::Stop {
                index,
                count,
                graceful,
            } => {
                let Some(stack) = users.get_mut(index) else {
                    continue;
                };
                stack.retain(|user| !user.is_finished());
                let keep = stack
                    .len()
                    .saturating_sub(count.min(usize::MAX as u64) as usize);
                let stopping: Vec<Rc<UserControl>> = stack.split_off(keep);
                stop_users(stopping, graceful);
            }
            Command::KillAll => {
                for user in users.iter().flatten() {
                    user.kill();
                }
            }
            Command::Shutdown => break,
        }
    }
}

/// Starts one user of `class` (at `index`) as a local task of this thread.
fn spawn_user(
    context: &Rc<ThreadContext>,
    index: usize,
    class: &Arc<dyn LocalSpawner>,
) -> Rc<UserControl> {
    let id = context.shared().user_started(index);
    let (control, run) = class.clone().start_user(id, context);
    let shared = context.shared().clone();
    let env = context.env.clone();
    let class_name = class.clone().definition().name().to_string();
    tokio::task::spawn_local(async move {
        if let Err(panic) = CatchUnwind(run).await {
            report_panic(&env, &class_name, panic.as_ref());
        }
        shared.user_ended(index);
    });
    control
}

/// Runs a user's future, turning a panic in user code into an `Err` instead of
/// losing the user silently (and the runner's count of live users with it).
struct CatchUnwind(LocalBoxFuture<'static, ()>);

impl Future for CatchUnwind {
    type Output = Result<(), Box<dyn Any + Send>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// A panic in user code ends that user; it is recorded like a task error.
fn report_panic(env: &Environment, class: &str, panic: &(dyn Any + Send)) {
    let message = panic_message(panic);
    let traceback = format!("{class}: panicked: {message} (the user was stopped)");
    log::error!(target: LOG_TARGET, "{traceback}");
    env.stats.log_exception(&message, &traceback, "local");
    env.events.user_error.fire(&UserError {
        user_class: class.to_string(),
        location: "panic".to_string(),
        message,
    });
}

/// Stops users: at once, or gracefully with a deadline after which they are killed.
fn stop_users(users: Vec<Rc<UserControl>>, graceful: Option<Duration>) {
    match graceful {
        None => users.iter().for_each(|user| user.kill()),
        Some(timeout) => {
            users.iter().for_each(|user| user.stop_gracefully());
            tokio::task::spawn_local(async move {
                tokio::time::sleep(timeout).await;
                users
                    .iter()
                    .filter(|u| !u.is_finished())
                    .for_each(|u| u.kill());
            });
        }
    }
}

//! The loop that runs one Rust user, with Locust's semantics: `on_start`,
//! then tasks picked by weight (or in order) with the wait time between them,
//! nested task sets with their own `on_start`/`on_stop`, and at the end every
//! `on_stop` from the innermost task set out, whether the user stopped by
//! itself, was stopped gracefully, or was killed.
//!
//! How a task ends steers the loop ([`TaskError`]): `Reschedule` waits,
//! `RescheduleImmediately` does not, `Interrupt` leaves a task set, `StopUser`
//! ends the user, `StopTest` ends the test, and an error is recorded
//! (exceptions table, `user_error`, an ERROR log line) before the user goes on.
//!
//! ```text
//! run_user: on_start ─► run_set(root) ─┬─ pick task ─► call ─► wait ─┐
//!                                      │      ▲                      │
//!                                      │      └──────────────────────┘
//!                                      └─ task set ─► run_child_set ─► run_set(child) …
//!           ◄─ stop/kill/StopUser: on_stop of each entered set, then the user's
//! ```

use std::sync::Arc;

use rand::Rng;

use super::control::{killable, UserState};
use super::{User, UserClass, LOG_TARGET};
use crate::events::UserError;
use crate::task::{LocalBoxFuture, TaskError, TaskFn, TaskKind, TaskSet};
use crate::wait::WaitState;

/// How a task set's loop ended.
enum SetExit {
    StopUser,
    StopTest,
    Interrupt { reschedule: bool },
}

/// Runs one user: `on_start`, the task loop, then every `on_stop` (innermost task
/// set first, the user's last), whether it stopped by itself or was killed.
pub(super) async fn run_user<S: 'static>(class: Arc<UserClass<S>>, mut user: User<S>) {
    let control = user.control.clone();
    let mut stop_test = false;
    let mut run_tasks = true;
    if let Some(on_start) = &class.root.on_start {
        match killable(&control, on_start.call(&mut user)).await {
            None | Some(Err(TaskError::StopUser)) => run_tasks = false,
            Some(Err(TaskError::StopTest)) => {
                run_tasks = false;
                stop_test = true;
            }
            Some(Err(TaskError::Failed(error))) => {
                // As Locust: the user dies, is not replaced, and its on_stop does not run.
                report_error(&user, &class.name, "on_start", &*error);
                control.finish();
                return;
            }
            Some(_) => {}
        }
    }
    let mut stack: Vec<Arc<TaskSet<S>>> = Vec::new();
    if run_tasks {
        let exit = killable(
            &control,
            run_set(&class.root, &mut user, &mut stack, &class, true),
        )
        .await;
        stop_test |= matches!(exit, Some(SetExit::StopTest));
    }
    // Task sets left on the stack are the ones the user was inside: stop them, innermost first.
    control.clear_kill();
    while let Some(set) = stack.pop() {
        if let Some(on_stop) = &set.on_stop {
            run_stop_handler(
                &mut user,
                &class.name,
                &format!("{}.on_stop", set.name),
                on_stop,
            )
            .await;
        }
    }
    if let Some(on_stop) = &class.root.on_stop {
        run_stop_handler(&mut user, &class.name, "on_stop", on_stop).await;
    }
    if stop_test {
        user.thread.request_stop_test(&class.name);
    }
    control.finish();
}

async fn run_stop_handler<S: 'static>(
    user: &mut User<S>,
    class: &str,
    location: &str,
    handler: &Arc<dyn TaskFn<S>>,
) {
    if let Err(TaskError::Failed(error)) = handler.call(user).await {
        report_error(user, class, location, &*error);
    }
}

/// Records an error in user code: logged, added to the exceptions table, and
/// fired as `user_error`.
fn report_error<S>(
    user: &User<S>,
    class: &str,
    location: &str,
    error: &(dyn std::error::Error + Send + Sync),
) {
    let message = error.to_string();
    let mut traceback = format!("{class}.{location}: {message}");
    let mut source = error.source();
    while let Some(cause) = source {
        traceback.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    log::error!(target: LOG_TARGET, "{traceback}");
    let env = &user.thread.env;
    env.stats.log_exception(&message, &traceback, "local");
    env.events.user_error.fire(&UserError {
        user_class: class.to_string(),
        location: location.to_string(),
        message,
    });
}

/// How many tasks in a row run without a wait before the user yields to the
/// others on its thread (so a task that never awaits cannot starve the thread).
const YIELD_EVERY: u32 = 32;

fn run_set<'a, S: 'static>(
    set: &'a TaskSet<S>,
    user: &'a mut User<S>,
    stack: &'a mut Vec<Arc<TaskSet<S>>>,
    class: &'a UserClass<S>,
    is_root: bool,
) -> LocalBoxFuture<'a, SetExit> {
    Box::pin(async move {
        if set.picks.is_empty() {
            let error = format!(
                "No tasks defined on {}. Add tasks with .task() (or check --tags/--exclude-tags)",
                set.name
            );
            let error: Box<dyn std::error::Error + Send + Sync> = error.into();
            report_error(user, &class.name, "run", &*error);
            return SetExit::StopUser;
        }
        let wait = set.wait.as_ref().unwrap_or(&class.wait);
        let mut wait_state = WaitState::default();
        let mut next_in_sequence = 0usize;
        let mut without_yield = 0u32;
        loop {
            if user.control.stopping() {
                return SetExit::StopUser;
            }
            without_yield += 1;
            if without_yield >= YIELD_EVERY {
                without_yield = 0;
                tokio::task::yield_now().await;
            }
            let index = if set.sequential {
                let index = set.picks[next_in_sequence % set.picks.len()];
                next_in_sequence += 1;
                index
            } else {
                set.picks[rand::rng().random_range(0..set.picks.len())]
            };
            let entry = &set.tasks[index as usize];
            let result = match &entry.kind {
                TaskKind::Func(task) => {
                    if !user.thread.take_iteration() {
                        return SetExit::StopUser;
                    }
                    task.call(user).await
                }
                TaskKind::Set(child) => match run_child_set(child, user, stack, class).await {
                    Ok(()) => Ok(()),
                    Err(exit @ (SetExit::StopUser | SetExit::StopTest)) => return exit,
                    Err(SetExit::Interrupt { reschedule: true }) => {
                        Err(TaskError::RescheduleImmediately)
                    }
                    Err(SetExit::Interrupt { reschedule: false }) => Ok(()),
                },
            };
            match result {
                Ok(()) | Err(TaskError::Reschedule) => {}
                Err(TaskError::RescheduleImmediately) => continue,
                Err(TaskError::Interrupt { reschedule }) => {
                    if !is_root {
                        return SetExit::Interrupt { reschedule };
                    }
                    // Locust kills the user when a task outside any task set
                    // interrupts; locusta treats it as a reschedule instead.
                    if reschedule {
                        continue;
                    }
                }
                Err(TaskError::StopUser) => return SetExit::StopUser,
                Err(TaskError::StopTest) => return SetExit::StopTest,
                Err(TaskError::Failed(error)) => {
                    report_error(user, &class.name, &entry.name, &*error);
                }
            }
            if user.control.stopping() {
                return SetExit::StopUser;
            }
            let pause = wait.next(&mut wait_state);
            if !pause.is_zero() {
                without_yield = 0;
                user.control.set_state(UserState::Waiting);
                tokio::time::sleep(pause).await;
                user.control.set_state(UserState::Running);
            }
            if user.control.stopping() {
                return SetExit::StopUser;
            }
        }
    })
}

/// Enters a nested task set: its `on_start`, its loop, and on interrupt its
/// `on_stop`. `Ok` means its `on_start` skipped it without interrupting.
async fn run_child_set<S: 'static>(
    child: &Arc<TaskSet<S>>,
    user: &mut User<S>,
    stack: &mut Vec<Arc<TaskSet<S>>>,
    class: &UserClass<S>,
) -> Result<(), SetExit> {
    stack.push(child.clone());
    if let Some(on_start) = &child.on_start {
        match on_start.call(user).await {
            Ok(()) | Err(TaskError::Reschedule | TaskError::RescheduleImmediately) => {}
            Err(TaskError::Interrupt { reschedule }) => {
                // Interrupting from on_start skips the set without its on_stop.
                stack.pop();
                return Err(SetExit::Interrupt { reschedule });
            }
            Err(TaskError::StopUser) => return Err(SetExit::StopUser),
            Err(TaskError::StopTest) => return Err(SetExit::StopTest),
            Err(TaskError::Failed(error)) => {
                stack.pop();
                report_error(
                    user,
                    &class.name,
                    &format!("{}.on_start", child.name),
                    &*error,
                );
                return Ok(());
            }
        }
    }
    let exit = run_set(child, user, stack, class, false).await;
    if let SetExit::Interrupt { .. } = exit {
        stack.pop();
        if let Some(on_stop) = &child.on_stop {
            run_stop_handler(
                user,
                &class.name,
                &format!("{}.on_stop", child.name),
                on_stop,
            )
            .await;
        }
    }
    Err(exit)
}

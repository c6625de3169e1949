//! The runner's handle on one running user ([`UserControl`]): its state as
//! Locust names it, a graceful stop, and a kill switch.
//!
//! The load thread keeps the control of every user it started; the user's own
//! loop (`run.rs`) reads it between tasks and awaits everything through
//! [`killable`], so that a kill cancels whatever the user was waiting for:
//!
//! ```text
//! stop_gracefully(): waiting user → killed now; running user → Stopping, ends after its task
//! kill():            cancels the awaited future; the user's on_stop handlers still run
//! ```

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// The states of a user, as Locust's (`running`, `waiting`, `stopping`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UserState {
    Running,
    Waiting,
    Stopping,
}

/// How the runner reaches one user: its state, and a switch that kills it
/// (cancels whatever it awaits; its `on_stop` handlers still run).
pub struct UserControl {
    state: Cell<UserState>,
    killed: Cell<bool>,
    finished: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

impl UserControl {
    /// The control of a user that starts running.
    pub(super) fn new() -> Rc<Self> {
        Rc::new(UserControl {
            state: Cell::new(UserState::Running),
            killed: Cell::new(false),
            finished: Cell::new(false),
            waker: Cell::new(None),
        })
    }

    /// Kills the user now.
    pub(crate) fn kill(&self) {
        self.killed.set(true);
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    /// Graceful stop: a waiting user is killed at once, a running one finishes its
    /// task and stops at the next task boundary.
    pub(crate) fn stop_gracefully(&self) {
        if self.state.get() == UserState::Waiting {
            self.kill();
        } else {
            self.state.set(UserState::Stopping);
        }
    }

    /// The user has ended (its `on_stop` handlers are done).
    pub(super) fn finish(&self) {
        self.finished.set(true);
    }

    /// The kill has been seen: the user's `on_stop` handlers run without it
    /// (a further kill cancels them).
    pub(super) fn clear_kill(&self) {
        self.killed.set(false);
    }

    /// Whether the user has ended.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished.get()
    }

    /// Whether a graceful stop asked the user to end after its task.
    pub(super) fn stopping(&self) -> bool {
        self.state.get() == UserState::Stopping
    }

    /// The user starts or ends a wait (a stopping user stays stopping).
    pub(super) fn set_state(&self, state: UserState) {
        if self.state.get() != UserState::Stopping {
            self.state.set(state);
        }
    }
}

/// Runs `inner` unless the user is killed first (then `None`).
struct Killable<'a, F> {
    control: &'a UserControl,
    inner: Pin<&'a mut F>,
}

impl<F: Future> Future for Killable<'_, F> {
    type Output = Option<F::Output>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.control.killed.get() {
            return Poll::Ready(None);
        }
        match self.inner.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(Some(output)),
            Poll::Pending => {
                let waker = match self.control.waker.take() {
                    Some(w) if w.will_wake(cx.waker()) => w,
                    _ => cx.waker().clone(),
                };
                self.control.waker.set(Some(waker));
                Poll::Pending
            }
        }
    }
}

/// Awaits `future` unless the user is killed first (then `None`).
pub(super) async fn killable<F: Future>(control: &UserControl, future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    Killable {
        control,
        inner: future.as_mut(),
    }
    .await
}

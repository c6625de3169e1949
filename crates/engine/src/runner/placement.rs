//! Placement: putting users where they run, and taking them off again.
//!
//! A ramp step says how many users of each class this process should have;
//! [`Runner::apply`] turns the difference into commands: new users of a Rust
//! class go to the load threads round-robin, and stopping takes the newest
//! first (LIFO, as Locust); a hosted class's users are spawned and stopped
//! through its [`ClassRuntime`](crate::hosting::ClassRuntime). [`Runner::stop`] takes every user off: gracefully
//! within `--stop-timeout`, then by force, waiting for their `on_stop`
//! handlers up to the run's deadline.

use std::time::{Duration, Instant};

use super::classes::Seat;
use super::load_thread::Command;
use super::{Runner, RunnerState, LOG_TARGET};

/// How long killed users get to run their `on_stop` handlers past the
/// deadline before the stop goes on without them.
const KILL_GRACE: Duration = Duration::from_secs(2);
/// How long a master waits, beyond `--stop-timeout`, for workers to report
/// their users stopped (Locust's figure).
const REMOTE_STOP_GRACE: Duration = Duration::from_secs(60);

impl Runner {
    /// Spawns and stops users so that each class has `targets[i]` placed users:
    /// new users of a local class go to the threads round-robin, stopped ones
    /// are the newest; a hosted class's runtime is told the difference.
    pub(super) fn apply(&self, targets: &[u64]) {
        let threads = self.threads.lock();
        let mut ramp = self.ramp.lock();
        let classes = self.classes.read();
        let thread_count = threads.len();
        let timeout = self.stop_timeout();
        let graceful = (!timeout.is_zero()).then_some(timeout);
        for (index, &target) in targets.iter().enumerate() {
            let placed = ramp.placed[index];
            let spawner = match &classes[index].seat {
                Seat::Local(spawner) => spawner,
                Seat::Hosted { runtime, users } => {
                    let class = classes[index].name();
                    if target > placed {
                        runtime.spawn(class, target - placed, users);
                    } else if target < placed {
                        runtime.stop(class, placed - target, graceful);
                    }
                    ramp.placed[index] = target;
                    continue;
                }
                // Never on a master's ramp steps: they go to the workers.
                Seat::Remote => {
                    ramp.placed[index] = target;
                    continue;
                }
            };
            if target > placed {
                let mut per_thread = vec![0u64; thread_count];
                for _ in placed..target {
                    let thread = ramp.next_thread % thread_count;
                    ramp.next_thread = ramp.next_thread.wrapping_add(1);
                    per_thread[thread] += 1;
                    ramp.placement[index].push(thread);
                }
                for (thread, count) in per_thread.into_iter().enumerate() {
                    if count > 0 {
                        threads[thread].send(Command::Spawn {
                            index,
                            class: spawner.clone(),
                            count,
                        });
                    }
                }
            }
        }
        for (index, &target) in targets.iter().enumerate() {
            let placed = ramp.placed[index];
            if target < placed {
                let mut per_thread = vec![0u64; thread_count];
                for _ in target..placed {
                    if let Some(thread) = ramp.placement[index].pop() {
                        per_thread[thread] += 1;
                    }
                }
                for (thread, count) in per_thread.into_iter().enumerate() {
                    if count > 0 {
                        threads[thread].send(Command::Stop {
                            index,
                            count,
                            graceful,
                        });
                    }
                }
            }
            ramp.placed[index] = target;
        }
    }

    /// Stops the test: ends the ramp, stops every user (gracefully within
    /// `--stop-timeout`, then by force), and fires `test_stopping`/`test_stop`.
    pub async fn stop(&self) {
        if matches!(
            self.state(),
            RunnerState::Ready | RunnerState::Stopped | RunnerState::Stopping
        ) {
            return;
        }
        if let Some(task) = self.ramp_task.lock().take() {
            task.abort();
        }
        self.ramp.lock().state = RunnerState::Stopping;
        self.env.events.test_stopping.fire(&self.env);
        let timeout = self.stop_timeout();
        let graceful = (!timeout.is_zero()).then_some(timeout);
        if let Some(remote) = &self.remote {
            remote.stop();
            // Workers report their users stopped (or go missing, which zeroes them).
            if !self.wait_for_users(timeout + REMOTE_STOP_GRACE).await {
                log::warn!(target: LOG_TARGET, "Workers did not report all their users stopped; stopping anyway");
            }
        }
        {
            let threads = self.threads.lock();
            for thread in threads.iter() {
                for index in 0..self.shared.class_count() {
                    thread.send(Command::Stop {
                        index,
                        count: u64::MAX,
                        graceful,
                    });
                }
            }
        }
        for (class, runtime) in self.hosted_classes() {
            runtime.stop(&class, u64::MAX, graceful);
        }
        // Without a stop timeout users are killed at once; their on_stop handlers
        // still run, and are waited for as Locust does.
        if !timeout.is_zero()
            && !self
                .wait_for_users(timeout + Duration::from_millis(100))
                .await
        {
            log::info!(
                target: LOG_TARGET,
                "Not all users finished their tasks & terminated in {} seconds. Stopping them...",
                timeout.as_secs()
            );
            for thread in self.threads.lock().iter() {
                thread.send(Command::KillAll);
            }
            for (_, runtime) in self.hosted_classes() {
                runtime.kill_all();
            }
        }
        if self.remote.is_none() {
            let limit = self.deadline.lock().map_or(Duration::MAX, |deadline| {
                deadline.saturating_duration_since(Instant::now()) + KILL_GRACE
            });
            if !self.wait_for_users(limit).await {
                log::error!(
                    target: LOG_TARGET,
                    "{} users did not stop by the end of the run: leaving them",
                    self.user_count()
                );
            }
        }
        {
            let mut ramp = self.ramp.lock();
            ramp.state = RunnerState::Stopped;
            ramp.placed.iter_mut().for_each(|n| *n = 0);
            ramp.placement.iter_mut().for_each(Vec::clear);
            ramp.target_user_count = 0;
            ramp.dispatcher.new_dispatch(0, 1.0, None);
            while ramp.dispatcher.next_step().is_some() {}
        }
        self.env.events.test_stop.fire(&self.env);
    }

    /// Waits until no user is alive, up to `limit`; whether they all ended.
    pub(super) async fn wait_for_users(&self, limit: Duration) -> bool {
        let started = Instant::now();
        while self.user_count() > 0 {
            if started.elapsed() >= limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    /// Stops the test and the load threads.
    pub async fn quit(&self) {
        self.stop().await;
        let mut threads = std::mem::take(&mut *self.threads.lock());
        for thread in &threads {
            thread.send(Command::Shutdown);
        }
        for thread in &mut threads {
            thread.join().await;
        }
    }

    /// Sets when the current phase of the test must be over: the end of
    /// `--run-time` while it runs, `--stop-timeout` from now once it stops.
    /// Past it, stopping no longer waits (beyond `KILL_GRACE`, 2 s) for users
    /// that do not end, nor for class runtimes whose thread user code holds
    /// ([`ClassRuntime::stop_waiting_at`](crate::hosting::ClassRuntime::stop_waiting_at)).
    pub fn set_deadline(&self, deadline: Instant) {
        *self.deadline.lock() = Some(deadline);
        for (_, runtime) in self.hosted_classes() {
            runtime.stop_waiting_at(deadline);
        }
    }
}

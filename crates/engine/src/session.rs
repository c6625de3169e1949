//! A test under control: [`TestSession`] is the one object through which a
//! headless run and the web UI (`locusta-web`) start a test, time it, drive
//! it from a load shape, stop it, and learn why it ended.
//!
//! The [`Runner`] knows how to ramp and stop users; what lives *around* a
//! test is here, once:
//!
//! * the start: a user count or a load shape ([`Load`]); a shape's ticks
//!   drive the runner from a task the session owns;
//! * the run-time timer (`--run-time`, the web form's run time);
//! * the end and its reason ([`TestEnd`]): the run time, the shape's end, the
//!   runner's own end (`StopTest`, `--iterations`, a master whose workers all
//!   left), SIGINT/SIGTERM, or [`TestSession::stop`] with a reason from any
//!   other part of the program (a failed threshold, say), which is logged.
//!
//! What an end does depends on the [`Mode`]. A headless run has one test,
//! whose end is the run's: [`TestSession::wait_for_end`] returns it and the
//! caller shuts the run down. The web UI has tests that come and go: each
//! end stops that test at once (from whichever task saw it) and the session
//! waits for the next start; only a signal ends the wait.
//!
//! ```no_run
//! # async fn run(runner: std::sync::Arc<locusta_engine::runner::Runner>) {
//! use std::time::Duration;
//! use locusta_engine::session::{Load, Mode, TestSession};
//!
//! let session = TestSession::new(runner, Mode::Run);
//! session.start(Load::users(10, 2.0), Some(Duration::from_secs(60)));
//! let end = session.wait_for_end().await; // logged: "--run-time limit reached, shutting down"
//! session.stop_test().await;
//! # }
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::runner::{Runner, RunnerState};
use crate::shape::LoadShape;

/// What happens when a test ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One test, whose end is the end of the run (headless): the end is
    /// kept for [`TestSession::wait_for_end`], and the run time also bounds
    /// how long stuck user code is waited for ([`Runner::set_deadline`]).
    Run,
    /// Tests come and go (the web UI): each end stops its test at once.
    Tests,
}

/// What a test starts with.
pub enum Load {
    /// Ramp to `count` users at `spawn_rate` per second, of `classes` only
    /// when given.
    Users {
        /// Peak users.
        count: u64,
        /// Users started per second.
        spawn_rate: f64,
        /// Only these classes (`None`: all).
        classes: Option<Vec<String>>,
    },
    /// Let a load shape set the users, tick after tick, until it ends.
    Shape(Box<dyn LoadShape>),
}

impl Load {
    /// `count` users of every class, `spawn_rate` more per second.
    pub fn users(count: u64, spawn_rate: f64) -> Load {
        Load::Users {
            count,
            spawn_rate,
            classes: None,
        }
    }
}

/// Why a test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestEnd {
    /// The run time is over.
    RunTime,
    /// The load shape returned no more ticks.
    ShapeDone,
    /// The runner ended it: a user's `StopTest`, `--iterations` spent, no
    /// worker left (the runner's words).
    Finished(String),
    /// Another part of the program stopped it ([`TestSession::stop`]), for
    /// this reason.
    Stopped(String),
    /// SIGINT or SIGTERM (its name).
    Signal(&'static str),
}

impl TestEnd {
    /// The log line of this end: a headless run shuts down, the web UI
    /// stops the test (a signal shuts down either).
    fn log(&self, mode: Mode) {
        match (self, mode) {
            (TestEnd::Signal(name), _) => log::info!("Got {name} signal, shutting down"),
            (TestEnd::RunTime, Mode::Run) => log::info!("--run-time limit reached, shutting down"),
            (TestEnd::RunTime, Mode::Tests) => {
                log::info!("Time limit reached. Stopping the test.")
            }
            (TestEnd::ShapeDone, Mode::Run) => {
                log::info!("Shape test completed, shutting down")
            }
            (TestEnd::ShapeDone, Mode::Tests) => {
                log::info!("Shape test completed: stopping the test")
            }
            (TestEnd::Finished(reason) | TestEnd::Stopped(reason), Mode::Run) => {
                log::info!("{reason}, shutting down")
            }
            (TestEnd::Finished(reason) | TestEnd::Stopped(reason), Mode::Tests) => {
                log::info!("{reason}: stopping the test")
            }
        }
    }
}

/// The tasks that live as long as a test.
#[derive(Default)]
struct Tasks {
    /// The run-time timer.
    timer: Option<JoinHandle<()>>,
    /// The task driving the runner from a load shape.
    shape: Option<JoinHandle<()>>,
}

impl Tasks {
    fn abort_all(&mut self) {
        for task in [self.timer.take(), self.shape.take()].into_iter().flatten() {
            task.abort();
        }
    }
}

/// Starts, times, shapes and stops the tests of one runner, and tells why
/// they end (see the module's documentation).
pub struct TestSession {
    runner: Arc<Runner>,
    mode: Mode,
    tasks: Mutex<Tasks>,
    /// In [`Mode::Run`], the test's end once known (the first one counts).
    end: watch::Sender<Option<TestEnd>>,
    /// Where the session's own tasks run (a [`TestSession::stop`] may come
    /// from any thread).
    runtime: tokio::runtime::Handle,
}

impl TestSession {
    /// A session over `runner`. Call it on the tokio runtime the tests
    /// run on: the session's tasks are spawned there.
    pub fn new(runner: Arc<Runner>, mode: Mode) -> Arc<TestSession> {
        Arc::new(TestSession {
            runner,
            mode,
            tasks: Mutex::new(Tasks::default()),
            end: watch::channel(None).0,
            runtime: tokio::runtime::Handle::current(),
        })
    }

    /// The runner the tests run on.
    pub fn runner(&self) -> &Arc<Runner> {
        &self.runner
    }

    /// Starts a test, or changes the running one: its users (or its shape,
    /// which starts again from zero) and, when given, a new run time
    /// counted from now. A new test without a run time has none; a change
    /// without one keeps the running test's timer.
    pub fn start(self: &Arc<Self>, load: Load, run_time: Option<Duration>) {
        let new_test = matches!(
            self.runner.state(),
            RunnerState::Ready | RunnerState::Stopped
        );
        if new_test {
            // A new test is judged afresh (docs/health.md).
            self.runner.environment().health.reset();
        }
        if new_test || run_time.is_some() {
            if let Some(timer) = self.tasks.lock().timer.take() {
                timer.abort();
            }
        }
        match load {
            Load::Users {
                count,
                spawn_rate,
                classes,
            } => self.runner.start(count, spawn_rate, classes),
            Load::Shape(shape) => {
                let session = self.clone();
                let task = self.runtime.spawn(async move {
                    session.runner.run_shape(shape).await;
                    session.tasks.lock().shape.take();
                    session.ended(TestEnd::ShapeDone).await;
                });
                if let Some(previous) = self.tasks.lock().shape.replace(task) {
                    previous.abort();
                }
            }
        }
        if let Some(limit) = run_time {
            log::info!("Run time limit set to {} seconds", limit.as_secs());
            if self.mode == Mode::Run {
                // At the end of the run time the run ends, even if user code
                // holds a host's thread; the stop's own deadline follows.
                self.runner.set_deadline(Instant::now() + limit);
            }
            let session = self.clone();
            let timer = self.runtime.spawn(async move {
                tokio::time::sleep(limit).await;
                session.tasks.lock().timer.take();
                session.ended(TestEnd::RunTime).await;
            });
            self.tasks.lock().timer = Some(timer);
        }
    }

    /// Ends the test for `reason` (logged), from any part of the program
    /// and any thread: a headless run then shuts down
    /// ([`TestSession::wait_for_end`] returns [`TestEnd::Stopped`]); in the
    /// web UI the running test stops.
    pub fn stop(self: &Arc<Self>, reason: impl Into<String>) {
        let end = TestEnd::Stopped(reason.into());
        match self.mode {
            Mode::Run => self.record(end),
            Mode::Tests => {
                if self.test_active() {
                    let session = self.clone();
                    self.runtime.spawn(async move { session.ended(end).await });
                }
            }
        }
    }

    /// Stops the current test: its run-time timer, its shape, then its
    /// users (gracefully within the stop timeout, as [`Runner::stop`]).
    pub async fn stop_test(&self) {
        self.tasks.lock().abort_all();
        self.runner.stop().await;
    }

    /// Waits for the end and logs it. In [`Mode::Run`]: the test's end,
    /// whichever comes first (the timer and shape are then stopped; the
    /// users are the caller's to stop). In [`Mode::Tests`]: each test the
    /// runner ends by itself is stopped on the way, and the wait ends only
    /// with a signal.
    pub async fn wait_for_end(&self) -> TestEnd {
        let end = match self.mode {
            Mode::Run => self.wait_for_run_end().await,
            Mode::Tests => self.serve_tests().await,
        };
        self.tasks.lock().abort_all();
        end.log(self.mode);
        end
    }

    /// [`Mode::Run`]: the first of the recorded end (timer, shape,
    /// [`TestSession::stop`]), the runner's own end, or a signal.
    async fn wait_for_run_end(&self) -> TestEnd {
        let mut recorded = self.end.subscribe();
        let recorded = async {
            let kept = recorded
                .wait_for(Option::is_some)
                .await
                .map(|end| end.clone());
            match kept {
                Ok(Some(end)) => end,
                // The sender lives in `self`: the wait cannot fail.
                _ => std::future::pending().await,
            }
        };
        let finished = async {
            loop {
                if let Some(reason) = self.runner.finished() {
                    return TestEnd::Finished(reason);
                }
                // A master whose workers all left stops its test.
                if self.runner.is_distributed() && self.runner.state() == RunnerState::Stopped {
                    return TestEnd::Finished("No worker is left".to_string());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::select! {
            end = recorded => end,
            end = finished => end,
            end = signal() => end,
        }
    }

    /// [`Mode::Tests`]: stops each test the runner ends by itself, until a
    /// signal.
    async fn serve_tests(&self) -> TestEnd {
        tokio::select! {
            end = signal() => end,
            end = self.stop_finished_tests() => end,
        }
    }

    /// Every 100 ms, stops the running test if the runner says it is over;
    /// never returns.
    async fn stop_finished_tests(&self) -> TestEnd {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if self.test_active() {
                if let Some(reason) = self.runner.finished() {
                    self.ended(TestEnd::Finished(reason)).await;
                }
            }
        }
    }

    /// A test ended for `end`: recorded for the run's end, or logged and
    /// stopped at once.
    async fn ended(&self, end: TestEnd) {
        match self.mode {
            Mode::Run => self.record(end),
            Mode::Tests => {
                end.log(Mode::Tests);
                self.stop_test().await;
            }
        }
    }

    /// Keeps `end` as the test's end unless it already has one.
    fn record(&self, end: TestEnd) {
        self.end.send_if_modified(|kept| {
            let first = kept.is_none();
            if first {
                *kept = Some(end);
            }
            first
        });
    }

    /// Whether a test is ramping or running.
    fn test_active(&self) -> bool {
        matches!(
            self.runner.state(),
            RunnerState::Spawning | RunnerState::Running
        )
    }
}

/// The next SIGINT or SIGTERM.
async fn signal() -> TestEnd {
    let mut sigterm =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match sigterm.as_mut() {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => TestEnd::Signal("SIGINT"),
        _ = terminated => TestEnd::Signal("SIGTERM"),
    }
}

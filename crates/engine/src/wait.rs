//! Wait times between tasks: Locust's `between`, `constant`, `constant_pacing`,
//! `constant_throughput`, `poisson`, and custom functions.
//!
//! A [`WaitTime`] belongs to a user class (or a task set, which then
//! overrides its class's); the user's loop (`user/run.rs`) asks it for the
//! pause after each task, with a [`WaitState`] per running task-set loop so
//! that the pacing waits can count from the start of the previous task.
//!
//! ```
//! use locusta_engine::prelude::*;
//!
//! let polite = UserClass::<()>::new("Polite").wait(between(1.0, 3.0));
//! let paced = UserClass::<()>::new("Paced").wait(constant_pacing(10.0)); // one task per 10 s
//! # let _ = (polite, paced);
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;

/// How long a user (or task set) waits after each task.
#[derive(Clone)]
pub enum WaitTime {
    /// Always the same.
    Constant(Duration),
    /// Uniformly random in [min, max] seconds.
    Between(f64, f64),
    /// Task starts spaced this far apart (the wait fills the rest of the period).
    ConstantPacing(Duration),
    /// Exponentially distributed waits with this mean rate (per second).
    Poisson(f64),
    /// Any function.
    Custom(Arc<dyn Fn() -> Duration + Send + Sync>),
}

impl Default for WaitTime {
    fn default() -> Self {
        WaitTime::Constant(Duration::ZERO)
    }
}

/// Always wait `seconds`.
pub fn constant(seconds: f64) -> WaitTime {
    WaitTime::Constant(secs(seconds))
}

/// Wait a uniformly random time between `min` and `max` seconds.
pub fn between(min: f64, max: f64) -> WaitTime {
    let (min, max) = if min <= max { (min, max) } else { (max, min) };
    WaitTime::Between(min.max(0.0), max.max(0.0))
}

/// Start tasks every `seconds` (the wait is whatever the task left of the period).
pub fn constant_pacing(seconds: f64) -> WaitTime {
    WaitTime::ConstantPacing(secs(seconds))
}

/// Run at most `tasks_per_second` tasks per second, per user.
///
/// # Panics
/// If the rate is not a positive finite number (as Locust 2.47 rejects it).
pub fn constant_throughput(tasks_per_second: f64) -> WaitTime {
    assert!(
        tasks_per_second.is_finite() && tasks_per_second > 0.0,
        "constant_throughput needs a positive rate, got {tasks_per_second}"
    );
    constant_pacing(1.0 / tasks_per_second)
}

/// Exponentially distributed waits: on average `rate` tasks per second per user.
///
/// # Panics
/// If the rate is not a positive finite number.
pub fn poisson(rate: f64) -> WaitTime {
    assert!(
        rate.is_finite() && rate > 0.0,
        "poisson needs a positive rate, got {rate}"
    );
    WaitTime::Poisson(rate)
}

/// A custom wait function.
pub fn custom(f: impl Fn() -> Duration + Send + Sync + 'static) -> WaitTime {
    WaitTime::Custom(Arc::new(f))
}

fn secs(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX)
}

/// The per-user (or per-task-set) memory that pacing needs.
#[derive(Debug, Default, Clone, Copy)]
pub struct WaitState {
    last_run: Option<Instant>,
    last_wait: Duration,
}

impl WaitTime {
    /// The next wait, updating the pacing `state`.
    pub fn next(&self, state: &mut WaitState) -> Duration {
        match self {
            WaitTime::Constant(d) => *d,
            WaitTime::Between(min, max) => {
                if max > min {
                    secs(rand::rng().random_range(*min..=*max))
                } else {
                    secs(*min)
                }
            }
            WaitTime::ConstantPacing(period) => {
                let now = Instant::now();
                let wait = match state.last_run {
                    None => Duration::ZERO,
                    Some(last) => {
                        let run_time = now.saturating_duration_since(last + state.last_wait);
                        period.saturating_sub(run_time)
                    }
                };
                state.last_run = Some(now);
                state.last_wait = wait;
                wait
            }
            WaitTime::Poisson(rate) => {
                let u: f64 = rand::rng().random_range(f64::EPSILON..1.0);
                secs(-u.ln() / rate)
            }
            WaitTime::Custom(f) => f(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_stays_in_range_and_constant_is_constant() {
        let mut state = WaitState::default();
        let wait = between(0.5, 1.5);
        for _ in 0..1000 {
            let d = wait.next(&mut state).as_secs_f64();
            assert!((0.5..=1.5).contains(&d), "{d}");
        }
        assert_eq!(constant(2.0).next(&mut state), Duration::from_secs(2));
        let swapped = between(3.0, 1.0).next(&mut state).as_secs_f64();
        assert!((1.0..=3.0).contains(&swapped), "{swapped}");
    }

    #[test]
    fn constant_pacing_subtracts_the_task_time() {
        let mut state = WaitState::default();
        let wait = constant_pacing(10.0);
        assert_eq!(
            wait.next(&mut state),
            Duration::ZERO,
            "the first call does not wait"
        );
        // Pretend the previous task started 4 s ago and did not wait.
        state.last_run = Some(Instant::now() - Duration::from_secs(4));
        state.last_wait = Duration::ZERO;
        let next = wait.next(&mut state);
        assert!(
            next <= Duration::from_secs(6) && next > Duration::from_millis(5900),
            "{next:?}"
        );
        // A task longer than the period means no wait at all.
        state.last_run = Some(Instant::now() - Duration::from_secs(30));
        state.last_wait = Duration::ZERO;
        assert_eq!(wait.next(&mut state), Duration::ZERO);
    }

    #[test]
    fn constant_throughput_is_pacing_by_the_inverse_rate() {
        match constant_throughput(4.0) {
            WaitTime::ConstantPacing(d) => assert_eq!(d, Duration::from_millis(250)),
            _ => panic!("constant_throughput is a pacing"),
        }
    }

    #[test]
    fn poisson_has_the_asked_mean() {
        let mut state = WaitState::default();
        let wait = poisson(4.0);
        let n = 20_000;
        let mean: f64 = (0..n)
            .map(|_| wait.next(&mut state).as_secs_f64())
            .sum::<f64>()
            / n as f64;
        // Mean 0.25 s; the standard error over 20,000 draws is 0.0018.
        assert!((mean - 0.25).abs() < 0.01, "{mean}");
    }

    #[test]
    fn custom_functions_are_called() {
        let wait = custom(|| Duration::from_millis(7));
        assert_eq!(
            wait.next(&mut WaitState::default()),
            Duration::from_millis(7)
        );
    }
}

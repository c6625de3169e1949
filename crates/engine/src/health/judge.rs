//! The verdict: the per-second figures of the generator turned into
//! healthy or suspect, by two rules.
//!
//! * **Saturated**: for [`SATURATED_FOR`] seconds in a row a generator
//!   thread (a load thread or the Python thread) used at least
//!   [`HOT_PERCENT`] of a core, or the whole process that share of the CPUs
//!   it may use (affinity, cgroup quota), or those CPUs were that busy with
//!   any process's work (a generator sharing its CPUs is short of them
//!   too) — and in at least [`LATE_SECONDS`]
//!   of those seconds its timers woke [`LATE`] or more after they were due.
//!   Busy alone is not enough: a thread at 95 % whose timers are on time
//!   still measures right. The episode ends after [`SATURATED_FOR`] seconds
//!   without saturation.
//! * **Hub held**: the Python thread did not answer a wake-up within
//!   [`HELD`]: user code blocked it (a `time.sleep` gevent does not patch, a
//!   C extension, a socket of its own), and every Python user with it. At
//!   once, naming the class and task that hold it; it ends when the hub
//!   answers again.
//!
//! Once a rule fired the run stays suspect; [`Judge::observe`] says when an
//! episode begins and ends so that the console warns once per episode.
//!
//! ```
//! use locusta_engine::health::judge::{Figures, Judge};
//! let mut judge = Judge::default();
//! let calm = Figures { process_cpu_percent: 20.0, cpu_limit_cores: 2.0, ..Figures::default() };
//! for _ in 0..30 {
//!     assert!(judge.observe(&calm, || String::new()).is_empty());
//! }
//! assert!(judge.reasons().is_empty());
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use serde::Serialize;

/// A thread this busy (percent of one core) is near its limit.
pub const HOT_PERCENT: f64 = 90.0;
/// How long saturation must last.
pub const SATURATED_FOR: usize = 5;
/// Timer lag that shows saturation hurts measurements.
pub const LATE: Duration = Duration::from_millis(10);
/// In how many of the [`SATURATED_FOR`] seconds timers must be [`LATE`].
pub const LATE_SECONDS: usize = 3;
/// A hub that has not answered for this long is held by user code.
pub const HELD: Duration = Duration::from_secs(1);

/// One load thread's second.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ThreadFigures {
    /// Its name (`locusta-load-0`).
    pub name: String,
    /// CPU used, percent of one core.
    pub cpu_percent: f64,
    /// The worst timer lag, ms.
    pub lag_ms: f64,
}

/// The Python thread's second.
#[derive(Clone, Debug, Default, Serialize)]
pub struct HubFigures {
    /// CPU used, percent of one core.
    pub cpu_percent: f64,
    /// How long the hub took to answer a wake-up (or has been waiting), ms.
    pub lag_ms: f64,
}

/// The generator's figures over one second.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Figures {
    /// The process's CPU, percent of one core.
    pub process_cpu_percent: f64,
    /// How many cores the process may use.
    pub cpu_limit_cores: f64,
    /// How busy the CPUs it may use were, all processes together, percent.
    pub allowed_cpus_busy_percent: f64,
    /// Each load thread.
    pub load_threads: Vec<ThreadFigures>,
    /// The Python thread, when Python users run here.
    pub hub: Option<HubFigures>,
}

impl Figures {
    /// The busiest generator thread and whether the process is at its limit.
    fn hot(&self) -> Option<String> {
        let busiest = self
            .load_threads
            .iter()
            .map(|t| (t.name.as_str(), t.cpu_percent))
            .chain(
                self.hub
                    .iter()
                    .map(|h| ("the Python thread", h.cpu_percent)),
            )
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((name, cpu)) = busiest.filter(|(_, cpu)| *cpu >= HOT_PERCENT) {
            return Some(format!("{name} at {cpu:.0} % of a core"));
        }
        let limit = self.cpu_limit_cores * 100.0;
        if limit > 0.0 && self.process_cpu_percent >= HOT_PERCENT / 100.0 * limit {
            return Some(format!(
                "the process at {:.0} % of the {} CPU(s) it may use",
                self.process_cpu_percent, self.cpu_limit_cores
            ));
        }
        (self.allowed_cpus_busy_percent >= HOT_PERCENT).then(|| {
            format!(
                "the CPU(s) it may use {:.0} % busy (its own share {:.0} % of a core)",
                self.allowed_cpus_busy_percent, self.process_cpu_percent
            )
        })
    }

    /// The worst timer lag of any generator thread, ms.
    pub fn worst_lag_ms(&self) -> f64 {
        self.load_threads
            .iter()
            .map(|t| t.lag_ms)
            .chain(self.hub.iter().map(|h| h.lag_ms))
            .fold(0.0, f64::max)
    }

    /// The worst lag that saturation may explain: a held hub's is the
    /// other rule's.
    fn saturation_lag_ms(&self) -> f64 {
        let held = HELD.as_secs_f64() * 1000.0;
        self.load_threads
            .iter()
            .map(|t| t.lag_ms)
            .chain(self.hub.iter().map(|h| h.lag_ms).filter(|&lag| lag < held))
            .fold(0.0, f64::max)
    }
}

/// Why a run is suspect.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    /// `saturated` or `hub_held`.
    pub kind: &'static str,
    /// What was seen, for people.
    pub message: String,
    /// The worker it happened on, in a distributed run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
}

/// An episode beginning or ending, for the console.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A rule fired.
    Began(Reason),
    /// The rule of this kind no longer holds.
    Ended(&'static str),
}

/// Applies the rules to one second after another.
#[derive(Default)]
pub struct Judge {
    /// The last seconds: (why hot, if it was; whether timers were late).
    window: VecDeque<(Option<String>, bool)>,
    saturated: bool,
    held: bool,
    reasons: Vec<Reason>,
}

impl Judge {
    /// Takes one second's figures; `holder` names the code holding the hub
    /// (asked only when the hub-held rule fires).
    pub fn observe(&mut self, figures: &Figures, holder: impl FnOnce() -> String) -> Vec<Change> {
        let mut changes = Vec::new();
        let lag = figures.saturation_lag_ms();
        self.window
            .push_back((figures.hot(), lag >= LATE.as_secs_f64() * 1000.0));
        if self.window.len() > SATURATED_FOR {
            self.window.pop_front();
        }
        let full = self.window.len() == SATURATED_FOR;
        let all_hot = full && self.window.iter().all(|(hot, _)| hot.is_some());
        let late = self.window.iter().filter(|(_, late)| *late).count();
        if !self.saturated && all_hot && late >= LATE_SECONDS {
            self.saturated = true;
            let why = self.window.back().and_then(|(hot, _)| hot.clone());
            self.fire(
                &mut changes,
                "saturated",
                format!(
                    "the generator is saturated: {} for {SATURATED_FOR} s, timers up to {lag:.0} ms late; response times include its own delay",
                    why.unwrap_or_default()
                ),
            );
        } else if self.saturated && full && self.window.iter().all(|(hot, _)| hot.is_none()) {
            self.saturated = false;
            changes.push(Change::Ended("saturated"));
        }
        let hub_lag = figures.hub.as_ref().map_or(0.0, |h| h.lag_ms);
        let held = hub_lag >= HELD.as_secs_f64() * 1000.0;
        if held && !self.held {
            self.held = true;
            self.fire(
                &mut changes,
                "hub_held",
                format!(
                    "the Python thread has been held for {:.1} s by {}: every Python user waits for it",
                    hub_lag / 1000.0,
                    holder()
                ),
            );
        } else if !held && self.held {
            self.held = false;
            changes.push(Change::Ended("hub_held"));
        }
        changes
    }

    fn fire(&mut self, changes: &mut Vec<Change>, kind: &'static str, message: String) {
        let reason = Reason {
            kind,
            message,
            worker: None,
        };
        if !self.reasons.iter().any(|r| r.kind == kind) {
            self.reasons.push(reason.clone());
        }
        changes.push(Change::Began(reason));
    }

    /// Every rule that fired during the run (the first episode of each).
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn second(cpu: f64, lag_ms: f64) -> Figures {
        Figures {
            process_cpu_percent: cpu,
            cpu_limit_cores: 2.0,
            allowed_cpus_busy_percent: cpu / 2.0,
            load_threads: vec![ThreadFigures {
                name: "locusta-load-0".into(),
                cpu_percent: cpu,
                lag_ms,
            }],
            hub: None,
        }
    }

    #[test]
    fn sustained_cpu_with_late_timers_is_saturation_once_per_episode() {
        let mut judge = Judge::default();
        for _ in 0..4 {
            assert!(judge.observe(&second(97.0, 30.0), String::new).is_empty());
        }
        let changes = judge.observe(&second(97.0, 30.0), String::new);
        assert!(
            matches!(&changes[..], [Change::Began(r)] if r.kind == "saturated"),
            "{changes:?}"
        );
        assert!(judge.observe(&second(97.0, 30.0), String::new).is_empty());
        for _ in 0..4 {
            assert!(judge.observe(&second(10.0, 1.0), String::new).is_empty());
        }
        assert_eq!(
            judge.observe(&second(10.0, 1.0), String::new),
            vec![Change::Ended("saturated")]
        );
        assert_eq!(judge.reasons().len(), 1);
    }

    #[test]
    fn busy_with_timers_on_time_or_briefly_busy_is_healthy() {
        let mut judge = Judge::default();
        for _ in 0..20 {
            assert!(judge.observe(&second(99.0, 2.0), String::new).is_empty());
        }
        // Late timers in two of five hot seconds, then late but not busy.
        for _ in 0..2 {
            assert!(judge.observe(&second(99.0, 50.0), String::new).is_empty());
        }
        for _ in 0..10 {
            assert!(judge.observe(&second(50.0, 50.0), String::new).is_empty());
        }
        assert!(judge.reasons().is_empty());
    }

    #[test]
    fn a_held_hub_is_named_at_once() {
        let mut judge = Judge::default();
        let mut figures = second(5.0, 1.0);
        figures.hub = Some(HubFigures {
            cpu_percent: 0.0,
            lag_ms: 1500.0,
        });
        let changes = judge.observe(&figures, || "Blocker.nap (f.py:9)".into());
        let [Change::Began(reason)] = &changes[..] else {
            panic!("{changes:?}")
        };
        assert!(reason.message.contains("Blocker.nap"), "{}", reason.message);
        figures.hub = Some(HubFigures::default());
        assert_eq!(
            judge.observe(&figures, String::new),
            vec![Change::Ended("hub_held")]
        );
    }

    #[test]
    fn a_held_hub_on_busy_cpus_is_not_saturation() {
        let mut judge = Judge::default();
        let mut figures = second(5.0, 1.0);
        figures.allowed_cpus_busy_percent = 100.0;
        figures.hub = Some(HubFigures {
            cpu_percent: 0.0,
            lag_ms: 1500.0,
        });
        for _ in 0..10 {
            judge.observe(&figures, String::new);
        }
        let kinds: Vec<&str> = judge.reasons().iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["hub_held"]);
    }
}

//! What the self-check reads, and how cheaply: the CPU time of single
//! threads, the CPU the process may use, and how late timers fire on a load
//! thread.
//!
//! * A thread's CPU time is read from `/proc/self/task/TID/stat` (user plus
//!   system ticks) by the monitor, once a second per thread; the thread
//!   itself does nothing for it.
//! * A load thread's timer lag is measured by a [`ThreadProbe`] ticker, a
//!   local task of that thread that asks to wake every [`TICK`] and notes how
//!   late it actually woke; the worst lag since the last sample is kept in
//!   an atomic the monitor swaps to zero. A thread whose runtime is busy
//!   with ready users, or that the OS does not schedule, wakes late.
//! * The CPU limit is the number of CPUs the affinity mask allows, lowered
//!   by a cgroup v2 quota (`cpu.max`) when there is one; how busy those CPUs
//!   are, whoever keeps them busy, comes from `/proc/stat`.
//!
//! ```
//! use locusta_engine::health::probe::{cpu_limit_cores, current_thread_id, thread_cpu_seconds};
//! assert!(cpu_limit_cores() > 0.0);
//! assert!(thread_cpu_seconds(current_thread_id()).is_some());
//! ```

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often a load thread's ticker asks to wake.
pub const TICK: Duration = Duration::from_millis(100);

/// The OS id of the calling thread (for [`thread_cpu_seconds`]).
pub fn current_thread_id() -> i32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() }
}

/// User plus system CPU seconds of thread `tid` of this process, `None`
/// once the thread has ended (or off Linux).
pub fn thread_cpu_seconds(tid: i32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields count from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After ')': state is field 3, utime field 14 and stime field 15.
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Some((utime + stime) / ticks)
}

/// How many cores this process may use: the CPUs of its affinity mask,
/// fewer when a cgroup v2 quota says so.
pub fn cpu_limit_cores() -> f64 {
    // SAFETY: sched_getaffinity writes into the set we pass, of the size we give.
    let allowed = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
            libc::CPU_COUNT(&set) as f64
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get()) as f64
        }
    };
    match cgroup_quota_cores() {
        Some(quota) if quota < allowed => quota,
        _ => allowed.max(1.0),
    }
}

/// The cgroup v2 CPU quota of this process in cores (`cpu.max`), if any.
fn cgroup_quota_cores() -> Option<f64> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = cgroups.lines().find_map(|line| line.strip_prefix("0::"))?;
    let max = std::fs::read_to_string(format!("/sys/fs/cgroup{path}/cpu.max")).ok()?;
    let mut parts = max.split_whitespace();
    let quota: f64 = parts.next()?.parse().ok()?; // "max" fails here: no quota
    let period: f64 = parts.next()?.parse().ok()?;
    (period > 0.0).then(|| quota / period)
}

/// Busy and total jiffies of the CPUs in this process's affinity mask, all
/// processes together (from `/proc/stat`): a generator whose CPUs others
/// keep busy is as short of CPU as one that uses them all itself.
pub fn allowed_cpus_jiffies() -> Option<(u64, u64)> {
    // SAFETY: sched_getaffinity writes into the set we pass, of the size we give.
    let set = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return None;
        }
        set
    };
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let (mut busy, mut total) = (0, 0);
    for line in stat.lines() {
        let Some(rest) = line.strip_prefix("cpu") else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let Some(Ok(cpu)) = fields.next().map(str::parse::<usize>) else {
            continue; // the "cpu" line of all CPUs
        };
        // SAFETY: CPU_ISSET reads the set; `cpu` is checked against its size.
        if cpu >= libc::CPU_SETSIZE as usize || !unsafe { libc::CPU_ISSET(cpu, &set) } {
            continue;
        }
        let values: Vec<u64> = fields.filter_map(|v| v.parse().ok()).collect();
        // user nice system idle iowait irq softirq steal (guest is in user).
        let all: u64 = values.iter().take(8).sum();
        let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
        busy += all - idle.min(all);
        total += all;
    }
    (total > 0).then_some((busy, total))
}

/// One load thread as the monitor sees it: its OS id and the worst timer
/// lag since the last sample.
#[derive(Debug)]
pub struct ThreadProbe {
    /// The thread's name, as the warnings say it (`locusta-load-0`).
    pub name: String,
    tid: AtomicI32,
    worst_lag_us: AtomicU64,
}

impl ThreadProbe {
    /// A probe for the thread named `name`; the thread itself calls
    /// [`ThreadProbe::tick`] to fill it.
    pub fn new(name: String) -> ThreadProbe {
        ThreadProbe {
            name,
            tid: AtomicI32::new(0),
            worst_lag_us: AtomicU64::new(0),
        }
    }

    /// The thread's OS id, once its ticker started.
    pub fn thread_id(&self) -> Option<i32> {
        Some(self.tid.load(Ordering::Relaxed)).filter(|&tid| tid != 0)
    }

    /// The worst lag since the previous call (which resets it).
    pub fn take_worst_lag(&self) -> Duration {
        Duration::from_micros(self.worst_lag_us.swap(0, Ordering::Relaxed))
    }

    fn note_lag(&self, lag: Duration) {
        self.worst_lag_us
            .fetch_max(lag.as_micros() as u64, Ordering::Relaxed);
    }

    /// The ticker, run as a local task of the probed thread until its
    /// runtime ends: wakes every [`TICK`] and notes how late it woke.
    pub async fn tick(self: std::sync::Arc<Self>) {
        self.tid.store(current_thread_id(), Ordering::Relaxed);
        let mut due = Instant::now() + TICK;
        loop {
            tokio::time::sleep_until(due.into()).await;
            let now = Instant::now();
            self.note_lag(now.saturating_duration_since(due));
            // A thread that woke very late does not try to catch up.
            due = (due + TICK).max(now + TICK / 2);
        }
    }
}

/// The Python thread (or any other runtime's single thread) as the monitor
/// sees it; the class runtime that owns it provides it
/// ([`ClassRuntime::hub`](crate::hosting::ClassRuntime::hub)).
pub trait HubProbe: Send + Sync {
    /// The hub thread's OS id, once known.
    fn thread_id(&self) -> Option<i32>;
    /// Asks the hub to answer (wakes it); called once per sample.
    fn ping(&self);
    /// How long the last [`HubProbe::ping`] took to be answered, or how long
    /// it has been waiting when it is not answered yet.
    fn lag(&self) -> Duration;
    /// Which user class and task hold the hub now (may take up to a second).
    fn holder(&self) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_thread_has_cpu_time() {
        let tid = current_thread_id();
        let before = thread_cpu_seconds(tid).expect("this thread's stat");
        let start = Instant::now();
        let mut x = 0u64;
        while start.elapsed() < Duration::from_millis(300) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
        }
        let after = thread_cpu_seconds(tid).expect("this thread's stat");
        assert!(after > before, "{before} -> {after}");
        assert_eq!(thread_cpu_seconds(i32::MAX), None);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_blocked_runtime_wakes_its_ticker_late() {
        let probe = std::sync::Arc::new(ThreadProbe::new("test".into()));
        let ticker = tokio::spawn(probe.clone().tick());
        tokio::time::sleep(Duration::from_millis(250)).await;
        probe.take_worst_lag();
        // Hold the runtime's only thread: the ticker cannot run.
        std::thread::sleep(Duration::from_millis(400));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let lag = probe.take_worst_lag();
        assert!(lag >= Duration::from_millis(200), "lag {lag:?}");
        assert_eq!(probe.thread_id(), Some(current_thread_id()));
        ticker.abort();
    }
}

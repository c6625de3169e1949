//! CPU and memory of this process, for the `usage_monitor` event and for
//! warning when the generator itself is the bottleneck.
//!
//! The `locusta` crate (and a distributed worker) samples a [`UsageSampler`]
//! every few seconds and fires
//! the `usage_monitor` event (and `cpu_warning` when the load threads are
//! saturated) with the [`Usage`] it returns; both are read from `/proc` on
//! Linux.
//!
//! ```
//! let cpu = locusta_engine::usage::process_cpu_seconds();
//! assert!(cpu >= 0.0);
//! ```

use std::time::Instant;

use crate::events::Usage;

/// Samples CPU use between calls.
pub struct UsageSampler {
    last_cpu: f64,
    last_at: Instant,
}

impl Default for UsageSampler {
    fn default() -> Self {
        UsageSampler {
            last_cpu: process_cpu_seconds(),
            last_at: Instant::now(),
        }
    }
}

impl UsageSampler {
    /// CPU use since the previous sample (percent of one core) and current RSS.
    pub fn sample(&mut self) -> Usage {
        let cpu = process_cpu_seconds();
        let now = Instant::now();
        let wall = now.duration_since(self.last_at).as_secs_f64();
        let cpu_percent = if wall > 0.0 {
            100.0 * (cpu - self.last_cpu) / wall
        } else {
            0.0
        };
        self.last_cpu = cpu;
        self.last_at = now;
        Usage {
            cpu_percent,
            memory_bytes: resident_memory_bytes(),
        }
    }
}

/// User + system CPU seconds of this process.
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// Resident set size of this process in bytes (0 if unknown).
pub fn resident_memory_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(0) as u64;
    pages * page_size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_report_this_process() {
        let mut sampler = UsageSampler::default();
        // Burn a little CPU so the sample has something to measure.
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let usage = sampler.sample();
        assert!(usage.memory_bytes > 1 << 20, "RSS {}", usage.memory_bytes);
        assert!(usage.cpu_percent > 0.0, "CPU {}", usage.cpu_percent);
        assert!(process_cpu_seconds() > 0.0);
    }
}

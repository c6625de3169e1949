//! How many users this process can hold before it takes the machine down.
//!
//! A user count comes from `-u`, the web UI's form, a load shape's `tick()`
//! or a master. Asked for a billion users, the dispatcher alone would need
//! 16 GB (it remembers every user it placed) and the users far more, so the
//! runner asks here first: a user's cost (about 16 KiB for a Rust user,
//! 32 KiB for a Python one; a master keeps only the dispatcher's entry)
//! against the memory this process may still use: what the kernel reports
//! as available, the cgroup's limit (a container's `--memory`), and the
//! address-space limit (`ulimit -v`), whichever is smallest. The runner ramps
//! to as many users as fit in three quarters of it, and says so.

use std::path::Path;

/// About what one user costs: a Rust user's state, task futures, client and
/// buffers (measured: 13 KiB, see docs/performance.md).
pub const RUST_USER_BYTES: u64 = 16 * 1024;
/// About what one Python user costs: its greenlet, `User` object and client
/// (measured: 10–20 KiB for locustfiles of the examples' size).
pub const PYTHON_USER_BYTES: u64 = 32 * 1024;
/// What a master keeps per user: the dispatcher's record of where it is.
pub const DISPATCHED_USER_BYTES: u64 = 64;

/// The share of the available memory users may take.
const SHARE: f64 = 0.75;

/// The most users of `bytes_per_user` each that fit, or `None` when the
/// available memory cannot be read (then nothing is limited).
pub fn max_users(bytes_per_user: u64) -> Option<u64> {
    let available = available_memory()?;
    Some(((available as f64 * SHARE) / bytes_per_user.max(1) as f64) as u64)
}

/// Why `asked` users of `bytes_per_user` do not fit, when `allowed` do (with
/// the memory available now).
pub fn too_many(asked: u64, allowed: u64, bytes_per_user: u64) -> TooManyUsers {
    TooManyUsers {
        asked,
        allowed,
        bytes_per_user,
        available: available_memory().unwrap_or(0),
    }
}

/// More users asked for than fit in the memory this process may use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{asked} users at about {} each would need {}, and this process has {} of memory available: \
     at most {allowed} users fit in {:.0}% of it",
    human(*bytes_per_user),
    human(asked.saturating_mul(*bytes_per_user)),
    human(*available),
    SHARE * 100.0
)]
pub struct TooManyUsers {
    /// The users asked for.
    pub asked: u64,
    /// The most users that fit.
    pub allowed: u64,
    /// What one user costs, in bytes.
    pub bytes_per_user: u64,
    /// The memory this process may still use, in bytes.
    pub available: u64,
}

/// The memory this process may still use, in bytes: the smallest of the
/// kernel's `MemAvailable`, the cgroup's room and the address-space room.
pub fn available_memory() -> Option<u64> {
    let limits = [meminfo_available(), cgroup_room(), address_space_room()];
    limits.into_iter().flatten().min()
}

fn meminfo_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    kib_field(&text, "MemAvailable:")
}

/// `memory.max - memory.current` of this process's cgroup (v2), if limited.
fn cgroup_room() -> Option<u64> {
    let membership = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let relative = membership
        .lines()
        .find_map(|line| line.strip_prefix("0::"))?;
    let dir = Path::new("/sys/fs/cgroup").join(relative.trim_start_matches('/'));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let max: u64 = read("memory.max")?.trim().parse().ok()?; // "max" means none
    let current: u64 = read("memory.current")?.trim().parse().ok()?;
    Some(max.saturating_sub(current))
}

/// `RLIMIT_AS` minus what is mapped already, if limited.
fn address_space_room() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit fills the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let mapped = kib_field(&status, "VmSize:")?;
    Some(limit.rlim_cur.saturating_sub(mapped))
}

/// A `Name:   123 kB` line of a /proc file, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|line| line.starts_with(name))?;
    let kib: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib * 1024)
}

/// Bytes as people read them: `16 KiB`, `29.8 TiB`.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_sizes_read_as_people_write_them() {
        let text = "MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(kib_field(text, "MemAvailable:"), Some(20_000_000 * 1024));
        assert_eq!(kib_field(text, "Missing:"), None);
        assert_eq!(human(16 * 1024), "16 KiB");
        assert_eq!(human(1_000_000_000 * 32 * 1024), "29.8 TiB");
        assert_eq!(human(512), "512 bytes");
    }

    #[test]
    fn this_machine_has_a_budget() {
        let available = available_memory().expect("/proc/meminfo is readable here");
        assert!(available > 0);
        let fit = max_users(RUST_USER_BYTES).expect("a budget");
        assert!(fit < 1_000_000_000_000, "{fit}");
    }
}

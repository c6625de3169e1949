//! Memory per request name, through the real binary (the one cargo built
//! for this test; `LOCUSTA_TEST_BINARY` names another, e.g. an older build
//! to see this fail): a locustfile that puts
//! ids in URLs makes up to 20,000 names in a run bounded by `-t`; what each
//! name costs is the peak RSS of that run above the peak of the same run
//! with one name, divided by the names reached. Before the small-first
//! histograms it was about 11 KiB a name; the bound here is 5 KiB, wide
//! on purpose. The warning about too many names fires once and names the
//! pattern.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::programs::{locusta_binary, locustfile};
use common::scratch::scratch;
use locusta_demo_target::{spawn, TargetConfig};

/// The peak RSS in KiB of `locusta -f many_names.py` with `names` names
/// (VmHWM, read every 50 ms until the process ends), the names in its CSV,
/// and its log.
fn run(names: u64, url: &str, dir: &Path) -> (u64, u64, String) {
    let file = locustfile("many_names.py");
    let log_path = dir.join(format!("{names}.log"));
    let csv = dir.join(format!("n{names}"));
    let mut child = Command::new(locusta_binary())
        .args([
            "-f",
            &file,
            "--headless",
            "-u",
            "20",
            "-r",
            "20",
            "-t",
            "6s",
            "-H",
            url,
            "--only-summary",
            "--csv",
            csv.to_str().unwrap(),
        ])
        .env("NAMES", names.to_string())
        .env("LOCUSTA_NAME_WARNING", "500")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .expect("locusta starts");
    let status_file = format!("/proc/{}/status", child.id());
    let started = Instant::now();
    let mut peak = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                peak = peak.max(kib);
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not end in 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let rows = std::fs::read_to_string(format!("{}_stats.csv", csv.display())).unwrap_or_default();
    let names_seen = rows.lines().filter(|l| l.contains("/item/")).count() as u64;
    (
        peak,
        names_seen,
        std::fs::read_to_string(&log_path).unwrap_or_default(),
    )
}

#[test]
fn a_request_name_costs_little_and_too_many_are_named_once() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("names");
    let (base, _, _) = run(0, &target.url(), &dir);
    let (peak, names, log) = run(20_000, &target.url(), &dir);
    assert!(
        names >= 2_000,
        "only {names} names in 6 s: too few to measure"
    );
    let per_name = (peak.saturating_sub(base)) * 1024 / names;
    eprintln!("peak {peak} KiB with {names} names, {base} KiB with none: {per_name} bytes a name");
    assert!(
        per_name < 5 * 1024,
        "{per_name} bytes a name (peak {peak} KiB with {names} names, {base} KiB without)"
    );
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("request names so far"))
        .collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(
        warnings[0].contains("\"/item/{id}\"") && warnings[0].contains("name="),
        "{}",
        warnings[0]
    );
}

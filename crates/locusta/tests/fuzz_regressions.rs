//! The `config` fuzz target's inputs as tests: every committed seed
//! (`fuzz/seeds/config/`: a `locust.conf`, `pyproject.toml` files and
//! `--config-users` JSON as Locust's documentation writes them) and every
//! input the fuzzer found that broke something (below, with what it broke)
//! go through `locusta::fuzzing::config` on each `cargo test`.

use std::path::Path;
use std::time::Duration;

use locusta::fuzzing;

#[test]
fn seeds_and_found_crashes_pass_the_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/config");
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for seed in std::fs::read_dir(dir).expect("fuzz/seeds/config exists") {
        let path = seed.unwrap().path();
        inputs.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    assert!(inputs.len() >= 5, "only {} seeds", inputs.len());
    for (what, bytes) in found_crashes() {
        inputs.push((what.to_string(), bytes));
    }
    for (what, bytes) in inputs {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            fuzzing::config(&bytes);
            let _ = done.send(());
        });
        assert!(
            finished.recv_timeout(Duration::from_secs(30)).is_ok(),
            "{what}: panicked, or not done in 30 s"
        );
    }
}

/// Inputs the fuzzer found that broke something, with what they broke.
fn found_crashes() -> Vec<(&'static str, Vec<u8>)> {
    vec![]
}

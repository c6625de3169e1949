//! Replays a fuzz target's inputs as an ordinary test: every committed seed
//! (`fuzz/seeds/<target>/`) and every input the fuzzer found that broke
//! something go through the target's function on each `cargo test`, each on
//! its own thread with a time limit, so a panic or a hang fails the test and
//! names the input. Test files include it with
//! `#[path = "../../../fuzz/replay.rs"] mod replay;`.

use std::path::Path;
use std::time::Duration;

/// Runs `run` over the seeds of `target` (at least five must be committed)
/// and over `found`; fails naming the first input that panicked or took over
/// 30 s.
pub fn seeds_and_found(target: &str, found: Vec<(&'static str, Vec<u8>)>, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for seed in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = seed.unwrap().path();
        inputs.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    assert!(inputs.len() >= 5, "only {} seeds", inputs.len());
    inputs.extend(
        found
            .into_iter()
            .map(|(what, bytes)| (what.to_string(), bytes)),
    );
    for (what, bytes) in inputs {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            run(&bytes);
            let _ = done.send(());
        });
        assert!(
            finished.recv_timeout(Duration::from_secs(30)).is_ok(),
            "{what}: panicked, or not done in 30 s"
        );
    }
}

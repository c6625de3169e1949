//! The programs the tests run and the files they run: the `locusta` binary
//! cargo built for this test, the bundled example programs (built once per
//! name, with the same profile), the locustfiles of `examples/` and
//! `tests/locustfiles/`, real Locust; and runs of `locusta` to their end.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use super::timed::{run, Run};

/// Every run is bounded: a run that does not end by itself within this is a hang.
pub const LIMIT: Duration = Duration::from_secs(60);

/// The `locusta` binary cargo built for this test, or the one
/// `LOCUSTA_TEST_BINARY` names (e.g. an older build, to see a test fail
/// without a fix).
pub fn locusta_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        std::env::var_os("LOCUSTA_TEST_BINARY").map_or_else(
            || PathBuf::from(env!("CARGO_BIN_EXE_locusta")),
            PathBuf::from,
        )
    })
}

/// A bundled example program (`crates/locusta/examples/NAME.rs`), built by
/// cargo with the profile of the `locusta` binary of this test, once per
/// name and test binary (`cargo test --all-targets` builds examples as test
/// harnesses, not as the programs).
pub fn example(name: &str) -> PathBuf {
    static BUILT: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let profile_dir = Path::new(env!("CARGO_BIN_EXE_locusta"))
        .parent()
        .expect("the profile folder");
    let path = profile_dir.join("examples").join(name);
    // Held while cargo builds: tests asking at once wait for one build.
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if built
        .get_or_insert_with(HashSet::new)
        .insert(name.to_string())
    {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "-p", "locusta", "--example", name]);
        match profile_dir.file_name().and_then(|p| p.to_str()) {
            Some("debug") | None => {}
            Some(profile) => {
                build.args(["--profile", profile]);
            }
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building the example {name} failed");
    }
    assert!(path.exists(), "{} is missing", path.display());
    path
}

/// A file of `examples/` (the workspace's locustfiles and scripts).
pub fn example_file(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A locustfile written for these tests (`tests/locustfiles/NAME`).
pub fn locustfile(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/locustfiles")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The virtualenv with real Locust 2.47.0 that `scripts/setup.sh test`
/// installs (`bench/.venv-locust`).
fn reference_venv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/.venv-locust")
}

/// Real Locust, for the interoperability tests: `$LOCUSTA_LOCUST`, else the
/// reference virtualenv's. Without either the test fails, saying how to get
/// one: an interoperability test that passed without Locust would prove
/// nothing.
pub fn real_locust() -> PathBuf {
    let path = std::env::var_os("LOCUSTA_LOCUST")
        .map(PathBuf::from)
        .unwrap_or_else(|| reference_venv().join("bin/locust"));
    assert!(
        path.is_file(),
        "no Locust at {}: run scripts/setup.sh test (or set LOCUSTA_LOCUST)",
        path.display()
    );
    path
}

/// The Python of the reference virtualenv (real Locust 2.47.0).
pub fn reference_python() -> PathBuf {
    let python = reference_venv().join("bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/setup.sh test (it installs Locust 2.47.0 there)",
        python.display()
    );
    python
}

/// Runs `locusta --headless ARGS…`; kills it (and fails) past [`LIMIT`].
pub fn locusta(args: &[&str]) -> Run {
    locusta_with_env(args, &[])
}

/// As [`locusta`], with extra environment variables.
pub fn locusta_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let args: Vec<&str> = std::iter::once("--headless")
        .chain(args.iter().copied())
        .collect();
    run_binary(&args, env)
}

/// Runs `locusta` with exactly these arguments; kills it (and fails) past
/// [`LIMIT`].
pub fn run_binary(args: &[&str], env: &[(&str, &str)]) -> Run {
    run(
        Command::new(locusta_binary())
            .args(args)
            .envs(env.iter().copied()),
        LIMIT,
    )
}

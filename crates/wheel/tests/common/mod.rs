//! What the wheel's tests share: the built wheel, the CPythons of this
//! machine, fresh virtual environments; and, from `crates/locusta`'s test
//! toolkit (`crates/locusta/tests/common`, included file by file with
//! `#[path]`), commands run with a time limit, scratch folders, ports and
//! HTTP requests, the reports of a run and checks of printed text.
//!
//! The wheel is `dist/locusta-*.whl`, built by `scripts/build-wheel.sh`
//! (which `scripts/test.sh` runs first); a missing wheel fails the tests.

#![allow(dead_code)] // each test file uses its own part of this module

#[path = "../../../locusta/tests/common/net.rs"]
pub mod net;
#[path = "../../../locusta/tests/common/reports.rs"]
pub mod reports;
#[path = "../../../locusta/tests/common/scratch.rs"]
pub mod scratch;
#[path = "../../../locusta/tests/common/text.rs"]
pub mod text;
#[path = "../../../locusta/tests/common/timed.rs"]
pub mod timed;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use timed::run;

/// The workspace's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root")
}

/// The wheel `scripts/build-wheel.sh` built.
pub fn wheel() -> PathBuf {
    let dist = root().join("dist");
    let found: Vec<PathBuf> = std::fs::read_dir(&dist)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("locusta-") && name.ends_with(".whl")
        })
        .collect();
    match found.as_slice() {
        [wheel] => wheel.clone(),
        [] => panic!(
            "no wheel in {}: run scripts/build-wheel.sh (scripts/test.sh does)",
            dist.display()
        ),
        many => panic!("several wheels in {}: {many:?}", dist.display()),
    }
}

/// A CPython of this machine: a label and its executable.
pub struct Python {
    pub label: String,
    pub executable: PathBuf,
}

/// Every CPython the wheel must serve: pyenv's 3.9 to 3.13 and Debian's own
/// `/usr/bin/python3` (which has no shared libpython). A missing one fails
/// the test that asks: the machines this runs on have them all.
pub fn pythons() -> Vec<Python> {
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".pyenv"))
        .join("versions");
    let mut found = Vec::new();
    for minor in 9..=13 {
        let prefix = format!("3.{minor}.");
        let version = std::fs::read_dir(&pyenv)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| name.starts_with(&prefix))
            .max()
            .unwrap_or_else(|| {
                panic!(
                    "no CPython 3.{minor} under {}: the wheel is tested with pyenv's 3.9 to 3.13",
                    pyenv.display()
                )
            });
        found.push(Python {
            label: format!("pyenv {version}"),
            executable: pyenv.join(&version).join("bin/python3"),
        });
    }
    let debian = PathBuf::from("/usr/bin/python3");
    assert!(debian.exists(), "Debian's /usr/bin/python3 is missing");
    found.push(Python {
        label: "Debian python3".into(),
        executable: debian,
    });
    found
}

/// pyenv's newest CPython 3.`minor`.
pub fn python(minor: u32) -> Python {
    let wanted = format!("pyenv 3.{minor}.");
    pythons()
        .into_iter()
        .find(|python| python.label.starts_with(&wanted))
        .expect("pythons() has every minor version")
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// A new virtual environment made with `python -m venv`, under
/// `target/wheel-tests/NAME` (replaced if it exists), with the wheel and
/// `packages` installed by its own pip.
pub struct Venv {
    pub dir: PathBuf,
}

impl Venv {
    pub fn new(name: &str, python: &Python, packages: &[&str]) -> Venv {
        let dir = root().join("target/wheel-tests").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.parent().expect("a parent")).expect("target/wheel-tests");
        let made = run(
            Command::new(&python.executable)
                .args(["-m", "venv"])
                .arg(&dir),
            Duration::from_secs(120),
        );
        assert_eq!(
            made.code,
            Some(0),
            "{}: venv failed:\n{}",
            python.label,
            made.all()
        );
        let venv = Venv { dir };
        let installed = run(
            Command::new(venv.bin("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .arg(wheel())
                .args(packages),
            Duration::from_secs(600),
        );
        assert_eq!(
            installed.code,
            Some(0),
            "{}: pip install failed:\n{}",
            python.label,
            installed.all()
        );
        venv
    }

    /// A program of the venv's `bin/`.
    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }

    /// A command for one of the venv's programs, run as a user would run it
    /// without activating the venv: no VIRTUAL_ENV, no PYTHONPATH or
    /// PYTHONHOME, nothing of locusta's own in the environment.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin(program));
        command
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", home())
            .env("LANG", "C.UTF-8");
        command
    }
}

/// Writes `text` to `dir/name` and returns its path as text.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path.to_string_lossy().into_owned()
}

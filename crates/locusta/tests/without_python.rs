//! A Rust program that describes its users in Rust depends on `locusta` with
//! `default-features = false`: it builds and links no Python (the wheel's
//! extension module and the binary's embedded interpreter both come with the
//! `python` feature only).

use std::process::Command;

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

#[test]
fn without_the_python_feature_nothing_of_python_is_built_or_linked() {
    let tree = cargo()
        .args([
            "tree",
            "-p",
            "locusta",
            "--no-default-features",
            "-e",
            "normal,build",
        ])
        .output()
        .expect("cargo tree runs");
    let tree = String::from_utf8_lossy(&tree.stdout);
    assert!(tree.contains("locusta-engine"), "{tree}");
    for python in ["pyo3", "locusta-python"] {
        assert!(!tree.contains(python), "{python} is in the tree:\n{tree}");
    }
    let built = cargo()
        .args([
            "build",
            "--quiet",
            "-p",
            "locusta",
            "--no-default-features",
            "--example",
            "shop",
        ])
        .status()
        .expect("cargo build runs");
    assert!(built.success());
    let example = std::env::current_exe()
        .expect("the test's path")
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the target folder")
        .join("examples/shop");
    let linked = Command::new("ldd")
        .arg(&example)
        .output()
        .expect("ldd runs");
    let linked = String::from_utf8_lossy(&linked.stdout);
    assert!(linked.contains("libc.so"), "{linked}");
    assert!(!linked.contains("libpython"), "{linked}");
}

//! locust-plugins' users for other systems, under locusta against the real
//! thing: `FtpUser` with an FTP server (pyftpdlib) and `WebdriverUser` with
//! Debian's headless Chromium through chromedriver, each started by the
//! test on 127.0.0.1. `scripts/setup.sh test` installs locust-plugins,
//! pyftpdlib, selenium, chromium and chromium-driver.
#![cfg(feature = "python")]

mod common;

use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::net::free_port;
use common::process::Proc;
use common::programs::{locusta_binary, locustfile, LIMIT};
use common::scratch::scratch;
use common::timed::{run, wait_until, Run};
use locusta_demo_target::{spawn, TargetConfig};

/// Waits (10 s at most) until something listens on 127.0.0.1:`port`.
fn wait_for_port(port: &str, what: &str) {
    wait_until(Duration::from_secs(10), what, || {
        TcpStream::connect(format!("127.0.0.1:{port}")).is_ok()
    });
}

/// `locusta --headless -f FILE ARGS…` in `dir` with `env`, to its end.
fn locusta_in(dir: &Path, file: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    run(
        Command::new(locusta_binary())
            .args(["--headless", "-f", &locustfile(file)])
            .args(args)
            .envs(env.iter().copied())
            .current_dir(dir),
        LIMIT,
    )
}

#[test]
fn ftp_users_upload_and_download_through_a_real_ftp_server() {
    let dir = scratch("plugins-ftp");
    let served = dir.join("served");
    let local = dir.join("local");
    std::fs::create_dir_all(&served).expect("the server's folder");
    std::fs::create_dir_all(&local).expect("the users' folder");
    std::fs::write(served.join("seed.txt"), "seed\n").expect("seed.txt");
    std::fs::write(local.join("payload.txt"), "payload\n").expect("payload.txt");
    let port = free_port().to_string();
    let served_arg = served.to_string_lossy().into_owned();
    let _server = Proc::start(
        Path::new("python3"),
        &[
            "-m",
            "pyftpdlib",
            "-i",
            "127.0.0.1",
            "-p",
            &port,
            "-w",
            "-d",
            &served_arg,
        ],
        &dir,
        "pyftpdlib",
    );
    wait_for_port(&port, "the FTP server listening (pip install pyftpdlib)");

    let local_arg = local.to_string_lossy().into_owned();
    let ran = locusta_in(
        &dir,
        "ftp_users.py",
        &[
            "-u",
            "2",
            "-r",
            "10",
            "-t",
            "3s",
            "-H",
            "127.0.0.1",
            "--json",
        ],
        &[("FTP_PORT", &port), ("FTP_LOCAL", &local_arg)],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let rows = ran.rows();
    let payload = local.join("payload.txt").to_string_lossy().into_owned();
    let (uploads, failed) = rows[&payload];
    assert!(uploads > 0 && failed == 0, "{rows:?}");
    let (downloads, failed) = rows["seed.txt"];
    assert!(downloads > 0 && failed == 0, "{rows:?}");
    // Every upload counted is a file on the server, beside seed.txt.
    let on_server = std::fs::read_dir(&served)
        .expect("the server's folder")
        .count() as u64;
    assert_eq!(on_server, uploads + 1, "{rows:?}");
}

#[test]
fn webdriver_users_drive_headless_chromium_through_chromedriver() {
    let target = spawn(TargetConfig::default());
    let dir = scratch("plugins-webdriver");
    let port = free_port().to_string();
    let port_arg = format!("--port={port}");
    let _driver = Proc::start(
        Path::new("chromedriver"),
        &[&port_arg],
        &dir,
        "chromedriver",
    );
    wait_for_port(
        &port,
        "chromedriver listening (apt-get install chromium-driver)",
    );

    let ran = locusta_in(
        &dir,
        "webdriver_users.py",
        &[
            "-u",
            "2",
            "-r",
            "10",
            "-t",
            "5s",
            "-H",
            &target.url(),
            "--json",
        ],
        &[("WEBDRIVER_PORT", &port)],
    );
    // The wrong page's steps fail: exit code 1.
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let rows = ran.rows();
    let (pages, failed) = rows["front page"];
    assert!(pages > 0 && failed == 0, "{rows:?}");
    // One find per front page (one more when the end came between the two).
    let (finds, failed) = rows["body"];
    assert!(
        finds >= pages && finds <= pages + 2 && failed == 0,
        "{rows:?}"
    );
    let (wrong, failed) = rows["wrong page"];
    assert!(wrong > 0 && failed == wrong, "{rows:?}");
    // The browser really asked the target for its pages.
    assert!(target.requests_served() >= pages + wrong);
}

//! A headless Chromium driven through chromedriver, for the tests that look
//! at the UI in a real browser (this crate's, and the `locusta` crate's, which
//! includes this file): sessions, screenshots (to
//! `target/test-screenshots/`), and what a person does on a page.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// chromedriver on a free loopback port, killed when dropped with the
/// browser it started (which a test that failed never closed).
pub struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        kill_browsers_of(&self.profile);
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Kills the Chromium processes that use `profile` (killing chromedriver
/// leaves them running).
pub fn kill_browsers_of(profile: &std::path::Path) {
    let marker = format!("--user-data-dir={}", profile.display());
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return;
    };
    for process in processes.flatten() {
        let Ok(pid) = process.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(process.path().join("cmdline")) else {
            continue;
        };
        if cmdline
            .split(|&b| b == 0)
            .any(|arg| arg == marker.as_bytes())
        {
            // SAFETY: kill(2) on a process this test's browser session started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A chromedriver and a browser session. Starting them is retried (with a new
/// port) a few times: on a loaded machine a driver can fail to start or drop
/// the first connection; that is not what these tests check.
pub async fn browser(name: &str) -> (Driver, Client) {
    let mut failures = Vec::new();
    for _ in 0..3 {
        match try_browser(name).await {
            Ok(started) => return started,
            Err(error) => failures.push(error),
        }
    }
    panic!("no browser session after 3 attempts: {failures:?}");
}

pub async fn try_browser(name: &str) -> Result<(Driver, Client), String> {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver runs (scripts/setup.sh installs chromium-driver)");
    let profile =
        std::env::temp_dir().join(format!("locusta-web-{name}-{}-{port}", std::process::id()));
    let driver = Driver {
        child,
        port,
        profile: profile.clone(),
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", driver.port)).is_err() {
        if Instant::now() >= deadline {
            return Err("chromedriver did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut capabilities = serde_json::Map::new();
    // The console's messages, for `console::console_errors` (this crate's tests).
    capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1440,900", "--force-prefers-color-scheme=light",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let client = tokio::time::timeout(
        Duration::from_secs(30),
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}")),
    )
    .await
    .map_err(|_| "the browser did not start in 30 s".to_string())?
    .map_err(|e| format!("no browser session: {e}"))?;
    Ok((driver, client))
}

pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("test-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

pub async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("saved");
}

/// Evaluates `expression` in the page.
pub async fn eval(client: &Client, expression: &str) -> Value {
    client
        .execute(&format!("return ({expression});"), vec![])
        .await
        .unwrap_or_else(|e| panic!("{expression}: {e}"))
}

/// Waits (up to 20 s) until `expression` is true in the page.
pub async fn wait_for(client: &Client, expression: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if eval(client, expression).await == Value::Bool(true) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for: {expression}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

pub async fn type_into(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.expect(css);
    field.clear().await.expect("cleared");
    field.send_keys(text).await.expect("typed");
}

pub async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .expect(css)
        .text()
        .await
        .expect("text")
}

pub async fn open_tab(client: &Client, tab: &str) {
    click(client, &format!(".tab[data-tab='{tab}']")).await;
}

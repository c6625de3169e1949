//! The container image and the Compose file, run for real: builds the image
//! from the wheel in `dist/` on the local base image (`scripts/docker.sh`
//! makes both the daemon and that image), then `docker-compose up` with the
//! repository's `docker-compose.yml` plus a test override: the master headless
//! with `--expect-workers 2 --csv`, two workers, and the demo target in a
//! container. The master's aggregated request count (its CSV) must match the
//! target's own count (`GET /stats`). Everything the test starts is removed
//! when it ends, failed or not.
//!
//! Skipped, with a banner, only when `scripts/docker.sh` reports that dockerd
//! cannot start on this machine. A missing wheel is a failure.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use locusta_deploy_tests::{
    at, compose_defaults, must, option_value, repo_root, run, words, yaml_file, Value,
};

/// Simulated users (split over the two workers) and run time of the test.
const USERS: u64 = 10;
const RUN_TIME_S: u64 = 15;
/// The wheel's dependencies are downloaded on the host into this folder of
/// `dist/`: containers here may not reach a package index.
const DEPS: &str = "dist/deps";

/// Compose projects of this test are named `locustatest<unix time>x<pid>x<ns>`.
const PROJECT_PREFIX: &str = "locustatest";

/// Removes what runs of this test older than an hour left behind (a run
/// killed before its guard could clean up): their containers, networks,
/// volumes and images.
fn remove_stale_runs(now: u64) {
    let ran = run(
        Command::new("docker").args([
            "ps",
            "-a",
            "--filter",
            &format!("name={PROJECT_PREFIX}"),
            "--format",
            "{{.Label \"com.docker.compose.project\"}} {{.Names}}",
        ]),
        Duration::from_secs(60),
    );
    let mut stale = std::collections::BTreeSet::new();
    for line in ran.stdout.lines() {
        for word in line.split_whitespace() {
            let Some(rest) = word.strip_prefix(PROJECT_PREFIX) else {
                continue;
            };
            let project: String = word
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let started = rest.split('x').next().and_then(|t| t.parse::<u64>().ok());
            if started.is_some_and(|t| t + 3600 < now) {
                stale.insert(project);
            }
        }
    }
    for project in stale {
        eprintln!("removing {project}, left behind by an earlier run");
        let ids = run(
            Command::new("docker").args(["ps", "-aq", "--filter", &format!("name={project}")]),
            Duration::from_secs(60),
        );
        for id in ids.stdout.split_whitespace() {
            let _ = run(
                Command::new("docker").args(["rm", "-f", "-v", id]),
                Duration::from_secs(60),
            );
        }
        for leftover in [
            vec!["network", "rm", &format!("{project}_default")],
            vec!["rmi", "-f", &format!("locusta-test:{project}")],
            vec!["rmi", "-f", &format!("locusta-test-build:{project}")],
        ] {
            let _ = run(
                Command::new("docker").args(leftover),
                Duration::from_secs(60),
            );
        }
    }
}

/// Where a step's time goes, for the log.
fn step(start: Instant, what: &str) {
    eprintln!("[compose test {:>6.1?}] {what}", start.elapsed());
}

/// The one wheel `scripts/build-wheel.sh` leaves in `dist/`.
fn the_wheel(root: &Path) -> PathBuf {
    let wheels: Vec<PathBuf> = std::fs::read_dir(root.join("dist"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().unwrap_or_default().to_string_lossy();
                    name.starts_with("locusta-") && name.ends_with(".whl")
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        !wheels.is_empty(),
        "no locusta wheel in {}: run scripts/build-wheel.sh first (the image installs it)",
        root.join("dist").display()
    );
    assert_eq!(
        wheels.len(),
        1,
        "more than one wheel in dist/ ({wheels:?}): run scripts/build-wheel.sh again"
    );
    wheels.into_iter().next().unwrap()
}

/// Runs `scripts/docker.sh`; `Err(reason)` when it says Docker cannot start
/// here, a panic when it fails otherwise.
fn docker_ready(root: &Path) -> Result<(), String> {
    let ran = run(
        Command::new(root.join("scripts/docker.sh")).current_dir(root),
        Duration::from_secs(900),
    );
    if ran.ok() {
        return Ok(());
    }
    let marker = root.join("target/docker-unavailable");
    match std::fs::read_to_string(&marker) {
        Ok(reason) if ran.status.is_some() => Err(reason.trim().to_owned()),
        _ => panic!("scripts/docker.sh failed:\n{}", ran.describe()),
    }
}

/// `docker-compose` (the v1 tool), else `docker compose` (the plugin).
fn compose_program() -> Vec<String> {
    let v1 = run(
        Command::new("docker-compose").arg("version"),
        Duration::from_secs(60),
    );
    if v1.ok() {
        vec!["docker-compose".into()]
    } else {
        vec!["docker".into(), "compose".into()]
    }
}

/// The locusta-demo-target executable built for the host (glibc as in the
/// bookworm base image): beside this test's own executable when the
/// workspace was built, else built now into a target folder of its own (the
/// workspace's is locked by the `cargo test` running this).
fn demo_target(root: &Path) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's executable");
    if let Some(profile_dir) = exe.parent().and_then(Path::parent) {
        let beside = profile_dir.join("locusta-demo-target");
        if beside.is_file() {
            return beside;
        }
    }
    let target_dir = root.join("target/deploy-tests/cargo");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    must(
        "building locusta-demo-target",
        Command::new(cargo)
            .args([
                "build",
                "-p",
                "locusta-demo-target",
                "--bin",
                "locusta-demo-target",
            ])
            .env("CARGO_TARGET_DIR", &target_dir)
            .current_dir(root),
        Duration::from_secs(900),
    );
    target_dir.join("debug/locusta-demo-target")
}

/// The base image's Python as `3.11`.
fn base_python(base: &str) -> String {
    let ran = must(
        "asking the base image for its Python version",
        Command::new("docker").args([
            "run",
            "--rm",
            "--network",
            "none",
            base,
            "python3",
            "-c",
            "import sys; print('%d.%d' % sys.version_info[:2])",
        ]),
        Duration::from_secs(120),
    );
    ran.stdout.trim().to_owned()
}

/// A Python of the host's with pip: `python3`, else a virtual environment
/// made from it (Debian's own python3 may come without pip).
fn host_python(root: &Path) -> PathBuf {
    let has_pip = run(
        Command::new("python3").args(["-m", "pip", "--version"]),
        Duration::from_secs(60),
    );
    if has_pip.ok() {
        return PathBuf::from("python3");
    }
    let venv = root.join("target/deploy-tests/pip-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        must(
            "making a virtual environment for pip",
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            Duration::from_secs(300),
        );
    }
    python
}

/// Downloads (on the host, which reaches the package index) the wheel's
/// dependencies for the base image's Python into `dist/deps`, unless they are
/// there already, so that the image builds with `PIP_OFFLINE=1`.
fn dependency_wheels(root: &Path, wheel: &Path, python: &str) {
    let deps = root.join(DEPS);
    let cp = format!("cp{}", python.replace('.', ""));
    let have_gevent = std::fs::read_dir(&deps)
        .map(|entries| {
            entries.filter_map(|e| e.ok()).any(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with("gevent-") && name.contains(&format!("-{cp}-"))
            })
        })
        .unwrap_or(false);
    if !have_gevent {
        let mut cmd = Command::new(host_python(root));
        cmd.args([
            "-m",
            "pip",
            "download",
            "--disable-pip-version-check",
            "--quiet",
        ])
        .args(["--only-binary=:all:", "--implementation", "cp"])
        .args(["--python-version", python])
        .arg("-d")
        .arg(&deps);
        // Every manylinux level up to bookworm's glibc (2.36).
        for minor in 17..=36 {
            cmd.args(["--platform", &format!("manylinux_2_{minor}_x86_64")]);
        }
        cmd.args(["--platform", "manylinux2014_x86_64"]).arg(wheel);
        must(
            "downloading the wheel's dependencies",
            &mut cmd,
            Duration::from_secs(300),
        );
    }
    // pip download copies the wheel itself too; the image takes it from dist/.
    for entry in std::fs::read_dir(&deps).expect("dist/deps").flatten() {
        if entry.file_name().to_string_lossy().starts_with("locusta-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Everything one run starts, removed on drop: the Compose project (its
/// containers, network and volumes), the images built and the scratch folder.
struct Deployment {
    compose: Vec<String>,
    project: String,
    files: Vec<PathBuf>,
    images: Vec<String>,
    /// Containers started with `docker run`, outside the Compose project.
    containers: Vec<String>,
    env: Vec<(&'static str, String)>,
    scratch: PathBuf,
}

impl Deployment {
    /// A `docker-compose -p PROJECT -f … -f …` command with the test's
    /// environment.
    fn compose(&self) -> Command {
        let mut cmd = Command::new(&self.compose[0]);
        cmd.args(&self.compose[1..]).args(["-p", &self.project]);
        for file in &self.files {
            cmd.arg("-f").arg(file);
        }
        for name in [
            "LOCUSTA_HOST",
            "LOCUSTA_WEB_BIND",
            "BASE_IMAGE",
            "PIP_OFFLINE",
        ] {
            cmd.env_remove(name);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// The id of the one container of `service`.
    fn container(&self, service: &str) -> String {
        let ran = must(
            "listing the containers",
            self.compose().args(["ps", "-q", service]),
            Duration::from_secs(60),
        );
        let id = ran.stdout.lines().next().unwrap_or("").trim().to_owned();
        assert!(!id.is_empty(), "no container for {service}");
        id
    }

    fn logs(&self) -> String {
        let ran = run(
            self.compose().args(["logs", "--no-color", "--tail", "200"]),
            Duration::from_secs(60),
        );
        format!("{}{}", ran.stdout, ran.stderr)
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("=== the containers' logs ===\n{}", self.logs());
        }
        let down = run(
            self.compose()
                .args(["down", "-v", "--remove-orphans", "-t", "5"]),
            Duration::from_secs(120),
        );
        if !down.ok() {
            eprintln!("compose down failed:\n{}", down.describe());
        }
        for container in &self.containers {
            let _ = run(
                Command::new("docker").args(["rm", "-f", "-v", container]),
                Duration::from_secs(60),
            );
        }
        for image in &self.images {
            let _ = run(
                Command::new("docker").args(["rmi", "-f", image]),
                Duration::from_secs(120),
            );
        }
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// Waits until the container has exited and returns its exit code.
fn exit_code(container: &str, timeout: Duration) -> i64 {
    let start = Instant::now();
    loop {
        let ran = must(
            "inspecting a container",
            Command::new("docker").args([
                "inspect",
                "-f",
                "{{.State.Status}} {{.State.ExitCode}}",
                container,
            ]),
            Duration::from_secs(60),
        );
        let out = ran.stdout.trim().to_owned();
        if let Some(code) = out.strip_prefix("exited ") {
            return code.parse().expect("an exit code");
        }
        assert!(
            start.elapsed() < timeout,
            "{container} still {out} after {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The image's configuration, as Locust's image has it (with locusta's names).
fn image_is_like_locusts(image: &str) {
    let ran = must(
        "docker image inspect",
        Command::new("docker").args([
            "image",
            "inspect",
            "-f",
            "{{json .Config}}|{{.Size}}",
            image,
        ]),
        Duration::from_secs(60),
    );
    let (config, size) = ran.stdout.trim().rsplit_once('|').expect("config|size");
    let config: serde_json::Value = serde_json::from_str(config).expect("the image's config");
    assert_eq!(config["User"], "locusta", "not root");
    assert_eq!(config["WorkingDir"], "/home/locusta");
    assert_eq!(config["Entrypoint"], serde_json::json!(["locusta"]));
    for port in ["8089/tcp", "5557/tcp"] {
        assert!(config["ExposedPorts"].get(port).is_some(), "EXPOSE {port}");
    }
    let size: f64 = size.parse().expect("a size");
    eprintln!("image {image}: {:.0} MB", size / 1e6);
}

/// `GET /` on `addr` until it answers 200 (the master needs a moment).
fn wait_for_page(addr: &str, timeout: Duration) -> String {
    let start = Instant::now();
    loop {
        match try_http_get(addr, "/") {
            Ok(body) => return body,
            Err(e) if start.elapsed() > timeout => panic!("{addr} never answered: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

/// `GET path` on `addr`: the body of a 200 answer, else why not.
fn try_http_get(addr: &str, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    let response = String::from_utf8_lossy(&bytes);
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP response: {response}"))?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(head.to_owned());
    }
    Ok(body.to_owned())
}

/// `GET path` on `addr` (a port the test published on 127.0.0.1): the body.
fn http_get(addr: &str, path: &str) -> String {
    try_http_get(addr, path).unwrap_or_else(|e| panic!("GET {path} on {addr}: {e}"))
}

/// The aggregated row's request and failure counts in a `_stats.csv`.
fn csv_totals(csv: &str) -> (u64, u64) {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no {name} column in {header:?}"))
    };
    let (requests, failures) = (column("Request Count"), column("Failure Count"));
    let row: Vec<&str> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|cells| cells.get(1) == Some(&"Aggregated"))
        .expect("an Aggregated row");
    (
        row[requests].parse().expect("a count"),
        row[failures].parse().expect("a count"),
    )
}

#[test]
fn compose_master_two_workers_and_the_target_agree_on_the_totals() {
    let start = Instant::now();
    let root = repo_root();
    let wheel = the_wheel(&root);

    if let Err(reason) = docker_ready(&root) {
        let bar = "!".repeat(78);
        // Written to the process's stderr itself, not through eprintln!, so
        // that the test harness does not capture it: a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n{bar}\n!! SKIPPED: the container image and Compose test did not run.\n\
             !! dockerd cannot start on this machine: {reason}\n\
             !! (from scripts/docker.sh, target/docker-unavailable)\n{bar}\n"
        );
        return;
    }
    step(start, "docker is ready");

    let base =
        std::env::var("LOCUSTA_BASE_IMAGE").unwrap_or_else(|_| "locusta-base:bookworm".into());
    let python = base_python(&base);
    dependency_wheels(&root, &wheel, &python);
    step(
        start,
        &format!("dependency wheels for Python {python} in {DEPS}"),
    );
    let target_exe = demo_target(&root);
    step(start, "demo target built");

    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    remove_stale_runs(now.as_secs());
    let project = format!(
        "{PROJECT_PREFIX}{}x{}x{}",
        now.as_secs(),
        std::process::id(),
        now.subsec_nanos()
    );
    let image = format!("locusta-test:{project}");
    let build_stage = format!("locusta-test-build:{project}");
    let scratch = root.join("target/deploy-tests").join(&project);
    std::fs::create_dir_all(&scratch).unwrap();

    // The shipped file decides the master's and workers' commands; the
    // override makes the master headless and adds the target.
    let shipped = yaml_file("docker-compose.yml");
    let master_command = compose_defaults(
        at(&shipped, &["services", "master", "command"])
            .as_str()
            .expect("the master's command"),
    );
    let master_args = words(&Value::String(master_command.clone()));
    let host = option_value(&master_args, "-H").expect("-H in the master's command");
    assert_eq!(
        host, "http://target:8080",
        "the override names its target service `target`"
    );
    let headless = format!(
        "{master_command} --headless --expect-workers 2 --expect-workers-max-wait 120 \
         -u {USERS} -r {USERS} -t {RUN_TIME_S}s --csv /home/locusta/run \
         --html /home/locusta/report.html --json-file /home/locusta/stats"
    );
    let override_file = scratch.join("docker-compose.test.yml");
    std::fs::write(
        &override_file,
        format!(
            "version: \"3.7\"\n\
             services:\n\
             \x20 master:\n\
             \x20   command: {headless}\n\
             \x20   depends_on: [target]\n\
             \x20 target:\n\
             \x20   image: {base}\n\
             \x20   volumes:\n\
             \x20     - {exe}:/usr/local/bin/locusta-demo-target:ro\n\
             \x20   command: [locusta-demo-target, --host, 0.0.0.0, --port, \"8080\", --threads, \"2\"]\n\
             \x20   ports:\n\
             \x20     - \"127.0.0.1::8080\"\n",
            exe = target_exe.display(),
        ),
    )
    .unwrap();

    let mut deployment = Deployment {
        compose: compose_program(),
        project,
        files: vec![root.join("docker-compose.yml"), override_file],
        images: vec![image.clone(), build_stage.clone()],
        containers: Vec::new(),
        env: vec![
            ("LOCUSTA_IMAGE", image.clone()),
            // Published on 127.0.0.1 at a port Docker picks.
            ("LOCUSTA_WEB_PORT", String::new()),
        ],
        scratch: scratch.clone(),
    };

    // The build stage is tagged too, so that the guard removes it.
    for (tag, stage) in [(&build_stage, Some("build")), (&image, None)] {
        let mut cmd = Command::new("docker");
        cmd.args(["build", "-q", "-t", tag])
            .args(["--build-arg", &format!("BASE_IMAGE={base}")])
            .args(["--build-arg", "PIP_OFFLINE=1"]);
        if let Some(stage) = stage {
            cmd.args(["--target", stage]);
        }
        cmd.arg(&root);
        must("docker build", &mut cmd, Duration::from_secs(300));
    }
    step(start, &format!("image {image} built"));
    image_is_like_locusts(&image);

    // The web UI, as the shipped Compose file's master serves it, published
    // on 127.0.0.1 at a port Docker picks.
    let ui = format!("{}-ui", deployment.project);
    deployment.containers.push(ui.clone());
    let mut run_ui = Command::new("docker");
    run_ui
        .args(["run", "-d", "--name", &ui, "-p", "127.0.0.1::8089", "-v"])
        .arg(format!(
            "{}:/mnt/locust:ro",
            root.join("examples").display()
        ))
        .arg(&image)
        .args(&master_args);
    must("docker run (web UI)", &mut run_ui, Duration::from_secs(120));
    let published = must(
        "docker port",
        Command::new("docker").args(["port", &ui, "8089"]),
        Duration::from_secs(60),
    );
    let ui_addr = published
        .stdout
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    assert!(
        ui_addr.starts_with("127.0.0.1:"),
        "web UI published on {ui_addr}"
    );
    let page = wait_for_page(&ui_addr, Duration::from_secs(60));
    assert!(
        page.contains("<html") || page.contains("<!DOCTYPE"),
        "the web UI's page: {page:.200}"
    );
    let _ = run(
        Command::new("docker").args(["rm", "-f", &ui]),
        Duration::from_secs(60),
    );
    step(start, &format!("web UI answered on {ui_addr}"));

    let config = must(
        "docker-compose config",
        deployment.compose().arg("config"),
        Duration::from_secs(60),
    );
    assert!(
        config.stdout.contains("127.0.0.1::8089") || config.stdout.contains("127.0.0.1:0:8089"),
        "the web UI is published on 127.0.0.1 only:\n{}",
        config.stdout
    );

    must(
        "docker-compose up",
        deployment
            .compose()
            .args(["up", "-d", "--no-build", "--scale", "worker=2"]),
        Duration::from_secs(180),
    );
    step(start, "compose project up");

    let master = deployment.container("master");
    let code = exit_code(&master, Duration::from_secs(RUN_TIME_S + 150));
    step(start, &format!("master exited with {code}"));
    let logs = deployment.logs();
    assert_eq!(code, 0, "the master's exit code\n{logs}");
    assert!(
        logs.contains("2 workers connected"),
        "both workers joined the master:\n{logs}"
    );

    let port = must(
        "docker-compose port",
        deployment.compose().args(["port", "target", "8080"]),
        Duration::from_secs(60),
    );
    let addr = port.stdout.trim().to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "target published on {addr}");
    let stats: serde_json::Value =
        serde_json::from_str(&http_get(&addr, "/stats")).expect("the target's /stats");
    let served = stats["requests"].as_u64().expect("a request count");

    for file in ["run_stats.csv", "report.html", "stats.json"] {
        must(
            "docker cp",
            Command::new("docker")
                .arg("cp")
                .arg(format!("{master}:/home/locusta/{file}"))
                .arg(scratch.join(file)),
            Duration::from_secs(60),
        );
        let size = std::fs::metadata(scratch.join(file)).unwrap().len();
        assert!(size > 0, "{file} is empty");
    }
    let csv = std::fs::read_to_string(scratch.join("run_stats.csv")).unwrap();
    let (requests, failures) = csv_totals(&csv);
    eprintln!("master's CSV: {requests} requests, {failures} failures; the target served {served}");
    assert!(requests > 0, "the master recorded no requests:\n{csv}");
    assert_eq!(failures, 0, "{csv}");
    // A request still in flight when the users stop reaches the target but
    // is not recorded: at most one per user.
    assert!(
        requests <= served && served <= requests + USERS,
        "master counted {requests}, target served {served}\n{csv}"
    );

    // The workers quit with the master.
    let ids = must(
        "listing the workers",
        deployment.compose().args(["ps", "-q", "worker"]),
        Duration::from_secs(60),
    );
    let workers: Vec<&str> = ids.stdout.split_whitespace().collect();
    assert_eq!(workers.len(), 2, "two worker containers");
    for worker in workers {
        assert_eq!(
            exit_code(worker, Duration::from_secs(60)),
            0,
            "{worker}'s exit code"
        );
    }
    step(start, "checked; tearing down");
    drop(deployment);
    step(start, "done");
}

//! The web UI of a running `locusta`: the program with its stderr read line
//! by line (for the UI's address), plain HTTP/1.1 requests to it, and a
//! folder to run it in.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running program whose stderr lines arrive on a channel; killed on drop.
pub struct Program {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    /// The stderr lines read so far.
    pub seen: Vec<String>,
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Program {
    /// Starts `binary` with `args` in `dir`.
    pub fn start(binary: &Path, args: &[&str], dir: &Path) -> Program {
        Program::start_with_env(binary, args, dir, &[])
    }

    /// As [`Program::start`], with extra environment variables.
    pub fn start_with_env(
        binary: &Path,
        args: &[&str],
        dir: &Path,
        env: &[(&str, &str)],
    ) -> Program {
        let mut child = Command::new(binary)
            .args(args)
            .envs(env.iter().copied())
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the program runs");
        let stderr = child.stderr.take().expect("stderr");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Program {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first stderr line containing `text` (waiting up to 20 s).
    pub fn line_with(&mut self, text: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(text)) {
            return line.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no line with '{text}' in:\n{}", self.seen.join("\n"));
    }

    /// The UI's `host:port`, from the "Starting web interface at" line.
    pub fn ui_address(&mut self) -> String {
        let line = self.line_with("Starting web interface at http://");
        let url = line.split("at http://").nth(1).expect("a URL");
        url.trim_end_matches('/').to_string()
    }

    pub fn wait_exit(&mut self, limit: Duration) -> i32 {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("status") {
                // Keep what was printed, for the assertions.
                while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                    self.seen.push(line);
                }
                return status.code().unwrap_or(-1);
            }
            assert!(
                Instant::now() < deadline,
                "the program did not exit:\n{}",
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// One HTTP/1.1 request with a form body; the answer's status line and body.
pub fn http(address: &str, method: &str, path: &str, form: &str) -> (String, String) {
    let answer = request(
        address,
        method,
        path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form,
    );
    (answer.status_line, answer.body)
}

/// An answer: its status line, headers and body.
pub struct Answer {
    pub status_line: String,
    /// `(lower-case name, value)`, in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0)
    }

    /// The value of a header (`name` in lower case), if there is one.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request with these headers and body.
pub fn request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut stream = TcpStream::connect(address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    Answer {
        status_line,
        headers,
        body: body.to_string(),
    }
}

/// A fresh folder, removed with everything in it when the test ends.
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = PathBuf;

    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("locusta-web-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    TempDir(dir)
}

//! The HTML report: its content on a fixed sample, the `--html` file-name
//! substitutions, and a real headless Chromium rendering it.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use locusta_stats::history::{HistoryPoint, StatsHistory};
use locusta_stats::html::{html_file_name, render_report, ReportMeta, ReportThreshold};
use locusta_stats::task_ratio::{ClassRatio, TaskRatio};
use locusta_stats::{ExceptionEntry, RequestStats};

/// 2023-11-14 22:13:20 UTC.
const T0: f64 = 1_700_000_000.0;
const HOST: &str = "https://example.com/<api>?a=1&b=2";
const SCRIPT_NAME: &str = "<script>alert(1)</script>";
const MISSING_ERROR: &str =
    "HTTPError('404 Client Error: File not found for url: http://example.com/missing')";
const TRACEBACK: &str = "Traceback (most recent call last):\n  File \"locustfile.py\", line 12, in <module>\n    raise ValueError(\"x < 3 & y > 2\")\nValueError: x < 3 & y > 2";

/// 10 requests from T0 to T0 + 10 (total rates: 1 request/s), 3 failures.
fn sample_stats() -> RequestStats {
    let mut s = RequestStats::new(T0);
    for (i, us) in [4000, 4000, 12_000, 4000, 150_000].into_iter().enumerate() {
        s.log_request("GET", "/", Some(us), 100, T0 + 1.0 + i as f64 * 0.1);
    }
    s.log_request("POST", "/login", Some(800), 20, T0 + 2.0);
    s.log_request("POST", "/login", Some(800), 20, T0 + 2.5);
    s.log_error("POST", "/login", "HTTPError('500 Server Error')", T0 + 2.5);
    for t in [3.1, 3.2] {
        s.log_request("GET", "/missing", Some(2500), 0, T0 + t);
        s.log_error("GET", "/missing", MISSING_ERROR, T0 + t);
    }
    s.log_request("GET", SCRIPT_NAME, Some(1000), 5, T0 + 10.0);
    s
}

fn sample_exceptions() -> Vec<ExceptionEntry> {
    vec![ExceptionEntry {
        count: 3,
        msg: "ValueError: x < 3 & y > 2".to_owned(),
        traceback: TRACEBACK.to_owned(),
        nodes: ["local".to_owned(), "worker-1".to_owned()]
            .into_iter()
            .collect(),
    }]
}

/// Points every 5 s over a minute: ramp-up to 20 users, then steady.
fn sample_history() -> StatsHistory {
    let points = (0..13)
        .map(|i| {
            let x = i as f64;
            HistoryPoint {
                time: T0 + 5.0 * x,
                user_count: (i * 4).min(20),
                current_rps: (x * 9.5).min(95.0) + (x * 1.3).sin() * 4.0,
                current_fail_per_sec: if i >= 4 { 2.5 + (x * 0.7).cos() } else { 0.0 },
                total_avg_response_time: 20.0 + x * 1.5,
                // The 99th is recorded for the web UI, not charted in the report.
                response_time_percentiles: vec![
                    (0.5, 15.0 + x * 1.2 + (x * 0.9).sin() * 3.0),
                    (0.95, 60.0 + x * 6.0 + (x * 1.1).cos() * 12.0),
                    (0.99, 90.0 + x * 6.0),
                ],
            }
        })
        .collect();
    StatsHistory { points }
}

fn sample_meta() -> ReportMeta {
    ReportMeta {
        profile: Some("nightly".to_owned()),
        start_time: T0,
        end_time: T0 + 65.0,
        host: HOST.to_owned(),
        locustfile: "locustfile.py".to_owned(),
        generator: Some(vec![
            "the Python thread has been held for 2.0 s by <Nap>.nap".to_owned(),
        ]),
        user_classes: vec![
            ClassRatio {
                name: "WebsiteUser".to_owned(),
                share: 0.75,
                tasks: vec![
                    TaskRatio {
                        name: "index".to_owned(),
                        ratio: 0.5,
                        tasks: vec![],
                    },
                    TaskRatio {
                        name: "BrowseSet".to_owned(),
                        ratio: 0.5,
                        tasks: vec![
                            TaskRatio {
                                name: "view_item".to_owned(),
                                ratio: 0.8,
                                tasks: vec![],
                            },
                            TaskRatio {
                                name: "stop".to_owned(),
                                ratio: 0.2,
                                tasks: vec![],
                            },
                        ],
                    },
                ],
            },
            ClassRatio {
                name: "AdminUser".to_owned(),
                share: 0.25,
                tasks: vec![TaskRatio {
                    name: "login".to_owned(),
                    ratio: 1.0,
                    tasks: vec![],
                }],
            },
        ],
        thresholds: Vec::new(),
    }
}

fn sample_report() -> String {
    render_report(
        &sample_stats(),
        &sample_exceptions(),
        &sample_history(),
        &sample_meta(),
    )
}

/// The HTML of the first table row that contains `needle`.
fn row_with<'a>(html: &'a str, needle: &str) -> &'a str {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the report"));
    let start = html[..at].rfind("<tr").expect("a row start");
    let end = at + html[at..].find("</tr>").expect("a row end");
    &html[start..end]
}

/// The text of a row's cells, tags removed.
fn cells(row: &str) -> Vec<String> {
    row.split("<td")
        .skip(1)
        .map(|cell| {
            let body = &cell[cell.find('>').unwrap() + 1..];
            let body = &body[..body.find("</td>").unwrap_or(body.len())];
            let mut text = String::new();
            let mut in_tag = false;
            for c in body.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        })
        .collect()
}

#[test]
fn every_section_is_present() {
    let html = sample_report();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for needle in [
        "<h1>locusta report</h1>",
        "<h2>Request statistics</h2>",
        "<h2>Response time percentiles <span class=\"muted\">(exact)</span></h2>",
        "<h2>Failures</h2>",
        "<h2>Exceptions</h2>",
        "<h2>Charts</h2>",
        "<h2>Task ratio</h2>",
        "id=\"chart-rps\"",
        "id=\"chart-response-times\"",
        "id=\"chart-users\"",
    ] {
        assert!(html.contains(needle), "missing {needle:?}");
    }
    for header in [
        "Type",
        "Name",
        "# Requests",
        "# Fails",
        "Average (ms)",
        "Min (ms)",
        "Max (ms)",
        "Average size (bytes)",
        "RPS",
        "Failures/s",
        "Method",
        "Error",
        "Occurrences",
        "Count",
        "Message",
        "Traceback",
        "Nodes",
    ] {
        assert!(
            html.contains(&format!(">{header}</th>")),
            "no {header} column"
        );
    }
    for q in ["50%", "60%", "70%", "80%", "90%", "95%", "99%", "100%"] {
        assert!(html.contains(&format!("<th class=\"num\">{q} (ms)</th>")));
    }
}

#[test]
fn header_metadata() {
    let html = sample_report();
    assert!(html.contains("<dt>Profile</dt><dd>nightly</dd>"));
    assert!(html.contains(
        "2023-11-14 22:13:20 – 2023-11-14 22:14:25 UTC <span class=\"muted\">(1 minute and 5 seconds)</span>"
    ));
    assert!(html.contains("<code>https://example.com/&lt;api&gt;?a=1&amp;b=2</code>"));
    assert!(html.contains("<dt>Script</dt><dd><code>locustfile.py</code></dd>"));
    // Without a profile there is no profile line.
    let meta = ReportMeta {
        profile: None,
        ..sample_meta()
    };
    let html = render_report(&sample_stats(), &[], &sample_history(), &meta);
    assert!(!html.contains("Profile"));
}

#[test]
fn the_generator_verdict_is_a_header_line() {
    let html = render_report(&sample_stats(), &[], &sample_history(), &sample_meta());
    assert!(
        html.contains("<dt>Generator</dt><dd><strong class=\"suspect\">suspect</strong>: the Python thread has been held for 2.0 s by &lt;Nap&gt;.nap</dd>"),
        "{html}"
    );
    let healthy = ReportMeta {
        generator: Some(Vec::new()),
        ..sample_meta()
    };
    let html = render_report(&sample_stats(), &[], &sample_history(), &healthy);
    assert!(html.contains("<dt>Generator</dt><dd>healthy</dd>"));
    let unchecked = ReportMeta {
        generator: None,
        ..sample_meta()
    };
    let html = render_report(&sample_stats(), &[], &sample_history(), &unchecked);
    assert!(!html.contains("<dt>Generator</dt>"));
}

#[test]
fn request_statistics_numbers() {
    let html = sample_report();
    // Aggregated comes last, after every request row.
    let total = row_with(&html, ">Aggregated<");
    assert!(total.starts_with("<tr class=\"total\">"));
    assert!(html.find(">Aggregated<").unwrap() > html.find(">/missing<").unwrap());
    // 10 requests, 3 failures, avg 181.6 ms / 10, min 0.8, max 150, size 545 / 10
    // (half to even), 10 requests and 3 failures over 10 s.
    assert_eq!(
        cells(total),
        [
            "",
            "Aggregated",
            "10",
            "3",
            "18.2",
            "0.80",
            "150",
            "54",
            "1.00",
            "0.30"
        ]
    );
    let login = row_with(&html, ">/login<");
    assert_eq!(
        cells(login),
        ["POST", "/login", "2", "1", "0.80", "0.80", "0.80", "20", "0.20", "0.10"]
    );
    // Percentiles of GET /: 4, 4, 4, 12, 150 ms; the sample of rank floor(5·q),
    // within the histogram's 1 % (4 ms reads 4.01).
    let table = &html[html.find("id=\"response-times\"").unwrap()..];
    let root = cells(row_with(table, ">/<"));
    assert_eq!(root[..2], ["GET", "/"]);
    assert_eq!(
        root[2..],
        ["4.01", "12.0", "12.0", "150", "150", "150", "150", "150"]
    );
}

#[test]
fn failures_and_exceptions() {
    let html = sample_report();
    let failures = &html[html.find("id=\"failures\"").unwrap()..];
    let row = row_with(failures, ">/missing<");
    assert_eq!(
        cells(row),
        [
            "GET",
            "/missing",
            "HTTPError(&#39;404 Client Error: File not found for url: http://example.com/missing&#39;)",
            "2"
        ]
    );
    let exceptions = &html[html.find("id=\"exceptions\"").unwrap()..];
    let row = row_with(exceptions, "ValueError");
    assert!(row.contains("<td class=\"num\">3</td>"));
    assert!(row.contains("<td class=\"error\">ValueError: x &lt; 3 &amp; y &gt; 2</td>"));
    assert!(row.contains(
        "<pre>Traceback (most recent call last):\n  File &quot;locustfile.py&quot;, line 12, in &lt;module&gt;\n    raise ValueError(&quot;x &lt; 3 &amp; y &gt; 2&quot;)\nValueError: x &lt; 3 &amp; y &gt; 2</pre>"
    ));
    assert!(row.contains("<td>local, worker-1</td>"));
    // Empty sections say so.
    let empty = render_report(
        &RequestStats::new(T0),
        &[],
        &StatsHistory::default(),
        &sample_meta(),
    );
    assert!(empty.contains("No failures."));
    assert!(empty.contains("No exceptions."));
}

#[test]
fn user_strings_are_escaped_and_nothing_is_fetched() {
    let html = sample_report();
    assert!(!html.contains("<script"), "a script tag got through");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // URLs appear only inside user data.
    let mut rest = html.clone();
    for user in [
        "https://example.com/&lt;api&gt;?a=1&amp;b=2",
        "http://example.com/missing",
    ] {
        rest = rest.replace(user, "");
    }
    for forbidden in ["http://", "https://", "src=", "href=", "@import", "url("] {
        assert!(!rest.contains(forbidden), "{forbidden:?} in the report");
    }
}

#[test]
fn charts_from_history() {
    let html = sample_report();
    let charts = &html[html.find("id=\"charts\"").unwrap()..html.find("id=\"tasks\"").unwrap()];
    assert_eq!(charts.matches("<svg").count(), 3);
    // RPS + failures, 50 % + 95 % + average, users.
    assert_eq!(charts.matches("<polyline").count(), 6);
    for label in [
        "Requests/s",
        "Failures/s",
        "50th percentile",
        "95th percentile",
        "Users",
    ] {
        assert!(
            charts.contains(&format!("{label}</li>")),
            "no legend {label}"
        );
    }
    // Time labels every 10 s over the minute, in UTC.
    for t in ["22:13:20", "22:13:30", "22:14:20"] {
        assert!(
            charts.contains(&format!(">{t}</text>")),
            "no time label {t}"
        );
    }
    // Value ticks: users go up to 20.
    let users = &charts[charts.find("id=\"chart-users\"").unwrap()..];
    assert!(users.contains(">20</text>"));
    assert!(!charts.contains("No data yet"));

    // No point, or a single one: a placeholder instead of lines.
    for n in [0, 1] {
        let history = StatsHistory {
            points: sample_history().points.into_iter().take(n).collect(),
        };
        let html = render_report(&sample_stats(), &[], &history, &sample_meta());
        assert_eq!(html.matches("No data yet").count(), 3, "{n} points");
        assert_eq!(html.matches("<polyline").count(), 0);
    }
}

#[test]
fn task_ratio_tree() {
    let html = sample_report();
    let tasks = &html[html.find("id=\"tasks\"").unwrap()..];
    assert_eq!(cells(row_with(tasks, ">WebsiteUser<"))[1], "75.0%");
    assert_eq!(cells(row_with(tasks, ">AdminUser<"))[1], "25.0%");
    assert_eq!(cells(row_with(tasks, ">view_item<"))[1], "80.0%");
    // Nesting shows as indentation: view_item sits deeper than BrowseSet.
    let indent = |row: &str| {
        let at = row.find("padding-left:").unwrap() + "padding-left:".len();
        row[at..at + row[at..].find("rem").unwrap()]
            .parse::<f64>()
            .unwrap()
    };
    assert!(indent(row_with(tasks, ">view_item<")) > indent(row_with(tasks, ">BrowseSet<")));
    assert!(indent(row_with(tasks, ">BrowseSet<")) > indent(row_with(tasks, ">WebsiteUser<")));
}

#[test]
fn html_file_name_substitutions() {
    assert_eq!(
        html_file_name("report_{u}_{r}_{t}.html", 100, 10.0, Some(60)),
        "report_100_10_60.html"
    );
    assert_eq!(
        html_file_name("report_{u}_{r}_{t}.html", 100, 2.5, Some(60)),
        "report_100_2.5_60.html"
    );
    assert_eq!(
        html_file_name("r{r}-u{u}-{u}.html", 7, 0.25, None),
        "r0.25-u7-7.html"
    );
    // Without a run time, {t} stays (as in Locust).
    assert_eq!(
        html_file_name("report_{t}.html", 1, 1.0, None),
        "report_{t}.html"
    );
    assert_eq!(
        html_file_name("static.html", 1, 1.0, Some(5)),
        "static.html"
    );
}

// ------------------------------------------------------------ real browser

const CHROMIUM: &str = "/usr/bin/chromium";

/// A fresh, empty directory under the system temp dir.
fn fresh_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir =
        std::env::temp_dir().join(format!("locusta-html-{tag}-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium on `page` with `extra` arguments, killing it after
/// 60 s; returns its stdout.
fn chromium(page: &Path, extra: &[String], work: &Path) -> String {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run `scripts/setup.sh test` to install Chromium"
    );
    let profile = work.join(format!("profile-{}", extra.len()));
    fs::create_dir_all(&profile).unwrap();
    let stdout_path = work.join("stdout.txt");
    let stderr_path = work.join("stderr.txt");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .expect("starting chromium");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}): {stderr}");
    fs::read_to_string(&stdout_path).unwrap()
}

/// `target/test-screenshots`, found from this test binary (target/<profile>/deps/…).
fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the test binary lives in target/<profile>/deps");
    target.join("test-screenshots")
}

#[test]
fn chromium_renders_the_report() {
    let work = fresh_dir("browser");
    let page = work.join("report.html");
    fs::write(&page, sample_report()).unwrap();

    // The DOM Chromium built holds the three charts' SVG.
    let dom = chromium(&page, &["--dump-dom".to_owned()], &work);
    assert!(
        dom.contains("<h1>locusta report</h1>"),
        "no report in the DOM"
    );
    assert_eq!(
        dom.matches("<svg").count(),
        3,
        "charts missing from the DOM"
    );
    assert!(dom.matches("<polyline").count() >= 6);
    for id in ["chart-rps", "chart-response-times", "chart-users"] {
        assert!(dom.contains(&format!("id=\"{id}\"")));
    }

    // A screenshot: a real PNG of the window's size, with content.
    let png = work.join("report.png");
    chromium(
        &page,
        &[
            "--window-size=1280,2400".to_owned(),
            format!("--screenshot={}", png.display()),
        ],
        &work,
    );
    let mut bytes = Vec::new();
    File::open(&png)
        .expect("chromium wrote no screenshot")
        .read_to_end(&mut bytes)
        .unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 2400));
    assert!(
        bytes.len() > 40_000,
        "screenshot too small: {} bytes",
        bytes.len()
    );

    let keep = screenshot_dir();
    fs::create_dir_all(&keep).unwrap();
    fs::write(keep.join("html-report.png"), &bytes).unwrap();
    fs::write(keep.join("html-report.html"), fs::read(&page).unwrap()).unwrap();
    let _ = fs::remove_dir_all(&work);
}

#[test]
fn thresholds_have_a_section_with_their_verdicts() {
    // None: no section.
    assert!(!sample_report().contains("id=\"thresholds\""));
    let row =
        |result: &str, failed: bool, threshold: &str, value: &str, limit: &str| ReportThreshold {
            result: result.to_owned(),
            failed,
            threshold: threshold.to_owned(),
            value: value.to_owned(),
            limit: limit.to_owned(),
        };
    let meta = ReportMeta {
        thresholds: vec![
            row("✓ pass", false, "p95 < 300ms", "182.0 ms", "< 300.0 ms"),
            row(
                "✗ FAIL",
                true,
                "p95{name:\"<b>x</b>\"} < 1s",
                "2.00 s",
                "< 1000.0 ms",
            ),
        ],
        ..sample_meta()
    };
    let html = render_report(&sample_stats(), &[], &sample_history(), &meta);
    let section = &html[html
        .find("id=\"thresholds\"")
        .expect("a thresholds section")..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("1 of 2 thresholds failed"), "{section}");
    assert!(section.contains("<tr class=\"threshold\"><td class=\"good\">✓ pass</td><td><code>p95 &lt; 300ms</code></td><td class=\"num\">182.0 ms</td><td class=\"num\">&lt; 300.0 ms</td></tr>"), "{section}");
    assert!(section.contains("<td class=\"bad\">✗ FAIL</td><td><code>p95{name:&quot;&lt;b&gt;x&lt;/b&gt;&quot;} &lt; 1s</code>"), "{section}");
    // Right after the summary tiles, before the request table.
    assert!(html.find("id=\"thresholds\"").unwrap() < html.find("id=\"requests\"").unwrap());
}

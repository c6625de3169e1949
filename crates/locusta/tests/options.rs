//! The command line matches Locust's: long and short names, `LOCUST_*`
//! environment variables, defaults, help groups, and argument errors.

mod common;

use std::collections::HashMap;
use std::ffi::OsString;
use std::process::{Command, Output};
use std::time::Duration;

use common::programs::locusta_binary;
use locusta::cli::Options;
use locusta::config::{self, Error};

fn args(list: &[&str]) -> Vec<OsString> {
    std::iter::once("locusta")
        .chain(list.iter().copied())
        .map(OsString::from)
        .collect()
}

fn parse_env(list: &[&str], env: &[(&str, &str)]) -> Result<Options, Error> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    config::resolve(&args(list), &env, &[])
}

fn parse(list: &[&str]) -> Options {
    parse_env(list, &[]).unwrap_or_else(|e| panic!("{list:?}: {e}"))
}

/// One option: its long name, short form, environment variable, a value to
/// give it, how to read it back, what that value reads as, and the default.
struct Row {
    long: &'static str,
    short: Option<char>,
    env: Option<&'static str>,
    /// `None` for a flag.
    value: Option<&'static str>,
    get: fn(&Options) -> String,
    expected: &'static str,
    default: &'static str,
}

macro_rules! row {
    ($long:literal, $short:expr, $env:expr, $value:expr, $field:ident, $expected:literal, $default:literal) => {
        Row {
            long: $long,
            short: $short,
            env: $env,
            value: $value,
            get: |o: &Options| format!("{:?}", o.$field),
            expected: $expected,
            default: $default,
        }
    };
}

fn rows() -> Vec<Row> {
    vec![
        row!(
            "locustfile",
            Some('f'),
            Some("LOCUST_LOCUSTFILE"),
            Some("x.rs"),
            locustfile,
            "Some(\"x.rs\")",
            "None"
        ),
        row!(
            "host",
            Some('H'),
            Some("LOCUST_HOST"),
            Some("http://a"),
            host,
            "Some(\"http://a\")",
            "None"
        ),
        row!(
            "users",
            Some('u'),
            Some("LOCUST_USERS"),
            Some("7"),
            users,
            "Some(7)",
            "None"
        ),
        row!(
            "spawn-rate",
            Some('r'),
            Some("LOCUST_SPAWN_RATE"),
            Some("2.5"),
            spawn_rate,
            "Some(2.5)",
            "None"
        ),
        row!(
            "run-time",
            Some('t'),
            Some("LOCUST_RUN_TIME"),
            Some("1m30s"),
            run_time,
            "Some(90s)",
            "None"
        ),
        row!("list", Some('l'), None, None, list, "true", "false"),
        row!(
            "config-users",
            None,
            Some("LOCUST_CONFIG_USERS"),
            Some("{\"user_class_name\": \"A\"}"),
            config_users,
            "Some([\"{\\\"user_class_name\\\": \\\"A\\\"}\"])",
            "None"
        ),
        row!(
            "web-host",
            None,
            Some("LOCUST_WEB_HOST"),
            Some("127.0.0.1"),
            web_host,
            "\"127.0.0.1\"",
            "\"\""
        ),
        row!(
            "web-host-display-name",
            None,
            Some("LOCUST_WEB_HOST_DISPLAY_NAME"),
            Some("x"),
            web_host_display_name,
            "Some(\"x\")",
            "None"
        ),
        row!(
            "web-port",
            Some('P'),
            Some("LOCUST_WEB_PORT"),
            Some("9000"),
            web_port,
            "9000",
            "8089"
        ),
        row!(
            "headless",
            None,
            Some("LOCUST_HEADLESS"),
            None,
            headless,
            "true",
            "false"
        ),
        row!(
            "autostart",
            None,
            Some("LOCUST_AUTOSTART"),
            None,
            autostart,
            "true",
            "false"
        ),
        row!(
            "autoquit",
            None,
            Some("LOCUST_AUTOQUIT"),
            Some("10"),
            autoquit,
            "10",
            "-1"
        ),
        row!(
            "headful",
            None,
            Some("LOCUST_HEADFUL"),
            None,
            headful,
            "true",
            "false"
        ),
        row!(
            "web-login",
            None,
            Some("LOCUST_WEB_LOGIN"),
            None,
            web_login,
            "true",
            "false"
        ),
        row!(
            "tls-cert",
            None,
            Some("LOCUST_TLS_CERT"),
            Some("c.pem"),
            tls_cert,
            "\"c.pem\"",
            "\"\""
        ),
        row!(
            "tls-key",
            None,
            Some("LOCUST_TLS_KEY"),
            Some("k.pem"),
            tls_key,
            "\"k.pem\"",
            "\"\""
        ),
        row!(
            "class-picker",
            None,
            Some("LOCUST_USERCLASS_PICKER"),
            None,
            class_picker,
            "true",
            "false"
        ),
        row!(
            "build-path",
            None,
            Some("LOCUST_BUILD_PATH"),
            Some("/b"),
            build_path,
            "\"/b\"",
            "\"\""
        ),
        row!(
            "web-base-path",
            None,
            Some("LOCUST_WEB_BASE_PATH"),
            Some("/locust"),
            web_base_path,
            "\"/locust\"",
            "\"\""
        ),
        row!(
            "master",
            None,
            Some("LOCUST_MODE_MASTER"),
            None,
            master,
            "true",
            "false"
        ),
        row!(
            "master-bind-host",
            None,
            Some("LOCUST_MASTER_BIND_HOST"),
            Some("10.0.0.1"),
            master_bind_host,
            "\"10.0.0.1\"",
            "\"*\""
        ),
        row!(
            "master-bind-port",
            None,
            Some("LOCUST_MASTER_BIND_PORT"),
            Some("6000"),
            master_bind_port,
            "6000",
            "5557"
        ),
        row!(
            "expect-workers",
            None,
            Some("LOCUST_EXPECT_WORKERS"),
            Some("3"),
            expect_workers,
            "3",
            "1"
        ),
        row!(
            "expect-workers-max-wait",
            None,
            Some("LOCUST_EXPECT_WORKERS_MAX_WAIT"),
            Some("30"),
            expect_workers_max_wait,
            "30",
            "0"
        ),
        row!(
            "enable-rebalancing",
            None,
            None,
            None,
            enable_rebalancing,
            "true",
            "false"
        ),
        row!(
            "worker",
            None,
            Some("LOCUST_MODE_WORKER"),
            None,
            worker,
            "true",
            "false"
        ),
        row!(
            "processes",
            None,
            Some("LOCUST_PROCESSES"),
            Some("-1"),
            processes,
            "Some(-1)",
            "None"
        ),
        row!(
            "master-host",
            None,
            Some("LOCUST_MASTER_NODE_HOST"),
            Some("m.example"),
            master_host,
            "\"m.example\"",
            "\"127.0.0.1\""
        ),
        row!(
            "master-port",
            None,
            Some("LOCUST_MASTER_NODE_PORT"),
            Some("6001"),
            master_port,
            "6001",
            "5557"
        ),
        row!(
            "tags",
            Some('T'),
            Some("LOCUST_TAGS"),
            Some("a"),
            tags,
            "Some([\"a\"])",
            "None"
        ),
        row!(
            "exclude-tags",
            Some('E'),
            Some("LOCUST_EXCLUDE_TAGS"),
            Some("b"),
            exclude_tags,
            "Some([\"b\"])",
            "None"
        ),
        row!(
            "csv",
            None,
            Some("LOCUST_CSV"),
            Some("out/run"),
            csv_prefix,
            "Some(\"out/run\")",
            "None"
        ),
        row!(
            "print-stats",
            None,
            Some("LOCUST_PRINT_STATS"),
            None,
            print_stats,
            "true",
            "false"
        ),
        row!(
            "only-summary",
            None,
            Some("LOCUST_ONLY_SUMMARY"),
            None,
            only_summary,
            "true",
            "false"
        ),
        row!(
            "reset-stats",
            None,
            Some("LOCUST_RESET_STATS"),
            None,
            reset_stats,
            "true",
            "false"
        ),
        row!(
            "html",
            None,
            Some("LOCUST_HTML"),
            Some("r.html"),
            html,
            "Some(\"r.html\")",
            "None"
        ),
        row!("json", None, None, None, json, "true", "false"),
        row!(
            "json-file",
            None,
            None,
            Some("stats"),
            json_file,
            "Some(\"stats\")",
            "None"
        ),
        row!(
            "skip-log-setup",
            None,
            Some("LOCUST_SKIP_LOG_SETUP"),
            None,
            skip_log_setup,
            "true",
            "false"
        ),
        row!(
            "loglevel",
            Some('L'),
            Some("LOCUST_LOGLEVEL"),
            Some("debug"),
            loglevel,
            "Debug",
            "Info"
        ),
        row!(
            "logfile",
            None,
            Some("LOCUST_LOGFILE"),
            Some("l.log"),
            logfile,
            "Some(\"l.log\")",
            "None"
        ),
        row!(
            "show-task-ratio",
            None,
            None,
            None,
            show_task_ratio,
            "true",
            "false"
        ),
        row!(
            "show-task-ratio-json",
            None,
            None,
            None,
            show_task_ratio_json,
            "true",
            "false"
        ),
        row!(
            "exit-code-on-error",
            None,
            Some("LOCUST_EXIT_CODE_ON_ERROR"),
            Some("3"),
            exit_code_on_error,
            "3",
            "1"
        ),
        row!(
            "stop-timeout",
            Some('s'),
            Some("LOCUST_STOP_TIMEOUT"),
            Some("2m"),
            stop_timeout,
            "120s",
            "0ns"
        ),
        row!(
            "equal-weights",
            None,
            None,
            None,
            equal_weights,
            "true",
            "false"
        ),
        row!(
            "profile",
            None,
            None,
            Some("nightly"),
            profile,
            "Some(\"nightly\")",
            "None"
        ),
        row!(
            "otel",
            None,
            Some("LOCUST_ENABLE_OPENTELEMETRY"),
            None,
            otel,
            "true",
            "false"
        ),
        row!(
            "iterations",
            Some('i'),
            Some("LOCUST_ITERATIONS"),
            Some("100"),
            iterations,
            "Some(100)",
            "None"
        ),
        row!(
            "threads",
            None,
            Some("LOCUSTA_THREADS"),
            Some("4"),
            threads,
            "Some(4)",
            "None"
        ),
    ]
}

#[test]
fn every_option_by_long_short_env_and_default() {
    let defaults = parse(&[]);
    for row in rows() {
        let name = row.long;
        assert_eq!((row.get)(&defaults), row.default, "default of --{name}");

        let mut long = vec![format!("--{name}")];
        long.extend(row.value.map(str::to_string));
        // --csv-full-history needs --csv, and --autoquit needs nothing to parse.
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        assert_eq!((row.get)(&parse(&long)), row.expected, "--{name}");
        if let Some(value) = row.value {
            let joined = format!("--{name}={value}");
            assert_eq!((row.get)(&parse(&[&joined])), row.expected, "{joined}");
        }

        if let Some(short) = row.short {
            let flag = format!("-{short}");
            let mut short = vec![flag.as_str()];
            short.extend(row.value);
            assert_eq!(
                (row.get)(&parse(&short)),
                row.expected,
                "-{short:?} for --{name}"
            );
        }

        if let Some(env) = row.env {
            let value = row.value.unwrap_or("true");
            let options = parse_env(&[], &[(env, value)]).unwrap();
            assert_eq!((row.get)(&options), row.expected, "{env}");
            if row.value.is_none() {
                for (text, expected) in [
                    ("yes", "true"),
                    ("1", "true"),
                    ("FALSE", "false"),
                    ("0", "false"),
                ] {
                    let options = parse_env(&[], &[(env, text)]).unwrap();
                    assert_eq!((row.get)(&options), expected, "{env}={text}");
                }
            }
        }
    }
}

#[test]
fn the_command_line_beats_the_environment() {
    let options = parse_env(
        &["-u", "3"],
        &[("LOCUST_USERS", "9"), ("LOCUST_HOST", "http://env")],
    )
    .unwrap();
    assert_eq!(options.users, Some(3));
    assert_eq!(options.host.as_deref(), Some("http://env"));
}

#[test]
fn lists_and_user_classes() {
    let options = parse(&["-T", "a", "b", "-E", "c", "--headless", "UserA", "UserB"]);
    assert_eq!(options.tags, Some(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(options.exclude_tags, Some(vec!["c".to_string()]));
    assert_eq!(options.user_classes, vec!["UserA", "UserB"]);
    assert_eq!(parse(&["-T"]).tags, Some(vec![]));

    let options = parse_env(
        &[],
        &[
            ("LOCUST_TAGS", "[a, b]"),
            ("LOCUST_USER_CLASSES", "One  Two"),
        ],
    )
    .unwrap();
    assert_eq!(options.tags, Some(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(options.user_classes, vec!["One", "Two"]);
    // A plain value is one tag, as in Locust.
    let options = parse_env(&[], &[("LOCUST_TAGS", "a b")]).unwrap();
    assert_eq!(options.tags, Some(vec!["a b".to_string()]));
    // Classes on the command line replace the environment's.
    let options = parse_env(&["Three"], &[("LOCUST_USER_CLASSES", "One Two")]).unwrap();
    assert_eq!(options.user_classes, vec!["Three"]);
}

#[test]
fn loglevel_is_case_insensitive() {
    for (text, level) in [
        ("debug", log::LevelFilter::Debug),
        ("Info", log::LevelFilter::Info),
        ("WARNING", log::LevelFilter::Warn),
        ("error", log::LevelFilter::Error),
        ("critical", log::LevelFilter::Error),
    ] {
        assert_eq!(parse(&["-L", text]).loglevel, level, "{text}");
    }
    assert_eq!(parse_env(&["-L", "loud"], &[]).unwrap_err().exit_code(), 2);
}

#[test]
fn headful_overrides_headless() {
    let options = parse_env(&["--headful"], &[("LOCUST_HEADLESS", "true")]).unwrap();
    assert!(!options.headless);
    assert!(
        parse_env(&[], &[("LOCUST_HEADLESS", "true")])
            .unwrap()
            .headless
    );
}

fn error_text(list: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    match parse_env(list, env) {
        Ok(options) => panic!("{list:?} parsed: {options:?}"),
        Err(error) => (error.exit_code(), error.to_string()),
    }
}

#[test]
fn argument_errors_exit_with_2() {
    for (list, needle) in [
        (&["-u", "many"][..], "many"),
        (&["-r", "0"], "greater than 0"),
        (&["-t", "1d"], "Invalid time span format"),
        (&["-s", "1.5s"], "Invalid time span format"),
        (&["--expect-workers", "0"], "must be a positive number"),
        (&["--web-port", "99999"], "99999"),
        (&["--config-users", "{nope"], "valid JSON"),
        (
            &["--csv-full-history"],
            "'--csv-full-history' requires '--csv'.",
        ),
        (&["--uesrs", "3"], "--users"),
    ] {
        let (code, text) = error_text(list, &[]);
        assert_eq!(code, 2, "{list:?}: {text}");
        assert!(text.contains(needle), "{list:?}: {text}");
    }
    let (code, text) = error_text(&[], &[("LOCUST_USERS", "many")]);
    assert_eq!(code, 2);
    assert!(
        text.contains("LOCUST_USERS") && text.contains("many"),
        "{text}"
    );
    let (code, text) = error_text(&[], &[("LOCUST_HEADLESS", "maybe")]);
    assert_eq!(code, 2);
    assert!(text.contains("Expecting 'true', 'false'"), "{text}");
    // With --csv (from anywhere) it is fine.
    assert!(
        parse_env(&["--csv-full-history"], &[("LOCUST_CSV", "x")])
            .unwrap()
            .csv_full_history
    );
}

#[test]
fn removed_options_give_their_migration_message() {
    for (list, env, message) in [
        (
            &["--web-auth", "a:b"][..],
            None,
            "replaced with --web-login",
        ),
        (&["--legacy-ui"], None, "--legacy-ui was removed"),
        (&["--expect-slaves"], None, "use --expect-workers"),
        (&["--slave"], None, "use --worker"),
        (
            &[],
            Some(("LOCUST_WEB_AUTH", "a:b")),
            "replaced with --web-login",
        ),
        (&[], Some(("LOCUST_LEGACY_UI", "true")), "was removed"),
    ] {
        let env: Vec<(&str, &str)> = env.into_iter().collect();
        let (code, text) = error_text(list, &env);
        assert_eq!(code, 2, "{list:?}");
        assert!(text.contains(message), "{list:?}: {text}");
    }
}

#[test]
fn validate_applies_locusts_startup_checks() {
    let message = parse(&["--autoquit", "5"]).validate().unwrap_err();
    assert_eq!(
        message.to_string(),
        "--autoquit is only meaningful in combination with --autostart"
    );
    assert!(parse(&["--autoquit", "5", "--autostart"])
        .validate()
        .is_ok());
    let message = parse(&["--web-base-path", "locust"])
        .validate()
        .unwrap_err()
        .to_string();
    assert!(message.contains("must start with a slash"), "{message}");
    assert!(parse(&["--web-base-path", "/locust"]).validate().is_ok());
    // Headless: no web UI, so the path does not matter (as in Locust).
    assert!(parse(&["--web-base-path", "locust", "--headless"])
        .validate()
        .is_ok());
    assert!(parse(&["--processes", "-2"]).validate().is_err());
    assert!(parse(&["--processes", "2", "--master"]).validate().is_err());
    assert!(parse(&["--headless", "-u", "3"]).validate().is_ok());
}

#[test]
fn unavailable_lists_missing_features_only() {
    assert!(parse(&[
        "--headless",
        "--csv",
        "x",
        "--csv-full-history",
        "--html",
        "r.html",
        "--json",
        "--json-file",
        "j"
    ])
    .unavailable()
    .is_empty());
    assert!(parse(&["--worker"]).unavailable().is_empty());
    assert!(parse(&["--master"]).unavailable().is_empty());
    assert!(parse(&["--processes", "2"]).unavailable().is_empty());
    assert!(parse(&["--master", "--worker"]).validate().is_err());
    // The web UI's own options are there.
    assert!(
        parse(&["--web-login", "--web-base-path", "/x", "--class-picker"])
            .unavailable()
            .is_empty()
    );
    assert!(parse(&["--otel"]).unavailable().contains(&"--otel"));
    assert!(parse(&["-f", "locustfile.py"]).unavailable().is_empty());
}

#[test]
fn durations_use_locusts_timespans() {
    assert_eq!(
        parse(&["-t", "1h30m"]).run_time,
        Some(Duration::from_secs(5400))
    );
    assert_eq!(parse(&["-t", "20"]).run_time, Some(Duration::from_secs(20)));
}

fn run(list: &[&str]) -> Output {
    Command::new(locusta_binary())
        .args(list)
        .current_dir(std::env::temp_dir())
        .env_remove("HOME")
        .env_remove("LOCUST_USERS")
        .output()
        .unwrap()
}

#[test]
fn help_has_locusts_groups_and_usage() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("Usage: locusta [options] [UserClass ...]"),
        "{help}"
    );
    let mut last = 0;
    for heading in [
        "Common options:",
        "Web UI options:",
        "Master options:",
        "Worker options:",
        "Tag options:",
        "Request statistics options:",
        "Logging options:",
        "Other options:",
    ] {
        let at = help
            .find(heading)
            .unwrap_or_else(|| panic!("{heading} missing:\n{help}"));
        assert!(at > last, "{heading} out of order");
        last = at;
    }
    for option in [
        "-u, --users <int>",
        "-P, --web-port",
        "--csv-full-history",
        "-L, --loglevel",
        "-s, --stop-timeout",
    ] {
        assert!(help.contains(option), "{option} missing");
    }
    for hidden in ["--headful", "--web-auth", "--slave", "--legacy-ui", "[env:"] {
        assert!(!help.contains(hidden), "{hidden} shown");
    }
    assert_eq!(run(&["-h"]).stdout, help.as_bytes());
}

#[test]
fn version_prints_name_and_version() {
    for flag in ["-V", "--version"] {
        let out = run(&[flag]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("locusta {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn typo_gets_a_did_you_mean_tip_and_exit_2() {
    let out = run(&["--headles"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("'--headles'"), "{stderr}");
    assert!(
        stderr.contains("tip: a similar argument exists: '--headless'"),
        "{stderr}"
    );
}

#[test]
fn binary_exit_codes_for_argument_errors() {
    for (list, code, needle) in [
        (&["-u", "x"][..], 2, "invalid value 'x'"),
        (
            &["--csv-full-history"],
            2,
            "'--csv-full-history' requires '--csv'.",
        ),
        (&["--slave"], 2, "--slave was renamed: use --worker"),
        (
            &["--headless", "--autoquit", "3"],
            1,
            "--autoquit is only meaningful in combination with --autostart",
        ),
        (
            &["--web-base-path", "x"],
            1,
            "the url path must start with a slash",
        ),
    ] {
        let out = run(list);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "{list:?}: {stderr}");
        assert!(stderr.contains(needle), "{list:?}: {stderr}");
    }
}

#[test]
fn custom_option_names_are_checked() {
    use locusta::cli::check_custom_options;
    use locusta::options::CustomOption;
    let ok = [
        CustomOption::new("max-items", ""),
        CustomOption::new("region_2", ""),
    ];
    assert_eq!(check_custom_options(&ok), Ok(()));
    for (options, expected) in [
        (vec![CustomOption::new("host", "")], "already has an option"),
        (
            vec![CustomOption::new("web-port", "")],
            "already has an option",
        ),
        (
            vec![CustomOption::new("Bad Name", "")],
            "lower-case letters",
        ),
        (vec![CustomOption::new("", "")], "lower-case letters"),
        (
            vec![
                CustomOption::new("twice", ""),
                CustomOption::new("twice", ""),
            ],
            "declared twice",
        ),
    ] {
        let message = check_custom_options(&options).unwrap_err().to_string();
        assert!(message.contains(expected), "{message}");
    }
}

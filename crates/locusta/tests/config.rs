//! Configuration files and their precedence, as Locust 2.47 really behaves:
//! command line > environment > --config > ./pyproject.toml > ./locust.conf >
//! ~/.locust.conf > defaults.

mod common;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::programs::{locusta_binary, LIMIT};
use common::scratch::{scratch, Scratch};
use common::timed::{run, Run};
use locusta::cli::Options;
use locusta::config::{self, Error, Value};

/// A scratch folder holding `home/` and `cwd/`.
struct Dirs {
    root: Scratch,
}

impl Dirs {
    fn new() -> Self {
        let root = scratch("config");
        std::fs::create_dir_all(root.join("home")).unwrap();
        std::fs::create_dir_all(root.join("cwd")).unwrap();
        Dirs { root }
    }
    fn home(&self) -> PathBuf {
        self.root.join("home")
    }
    fn cwd(&self) -> PathBuf {
        self.root.join("cwd")
    }
    fn write(&self, path: impl AsRef<Path>, text: &str) -> PathBuf {
        let path = self.root.join(path);
        std::fs::write(&path, text).unwrap();
        path
    }
    fn parse(&self, list: &[&str], env: &[(&str, &str)]) -> Result<Options, Error> {
        let args: Vec<OsString> = std::iter::once("locusta")
            .chain(list.iter().copied())
            .map(OsString::from)
            .collect();
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config::parse(args, &env, &self.cwd(), Some(&self.home()))
    }
    fn options(&self, list: &[&str]) -> Options {
        self.parse(list, &[])
            .unwrap_or_else(|e| panic!("{list:?}: {e}"))
    }
    fn config_error(&self, list: &[&str]) -> String {
        match self.parse(list, &[]) {
            Err(Error::Config(error)) => error.to_string(),
            other => panic!("{list:?}: expected a config error, got {other:?}"),
        }
    }
    /// Runs the real binary with this cwd and HOME.
    fn run(&self, list: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(locusta_binary());
        command
            .args(list)
            .current_dir(self.cwd())
            .env("HOME", self.home());
        for name in ["LOCUST_USERS", "LOCUST_WEB_BASE_PATH", "LOCUST_HEADLESS"] {
            command.env_remove(name);
        }
        run(command.envs(env.iter().copied()), LIMIT)
    }
}

const SOURCES: [&str; 6] = [
    "cli",
    "env",
    "--config",
    "pyproject.toml",
    "locust.conf",
    "~/.locust.conf",
];

/// Sets the option `key` (env var `env`, long name `key`) in every source of
/// `mask` to `value(source index)`; returns the command line and environment.
fn set_sources(
    dirs: &Dirs,
    mask: usize,
    key: &str,
    env_name: &'static str,
    value: impl Fn(usize) -> String,
) -> (Vec<String>, Vec<(&'static str, String)>) {
    let mut args = Vec::new();
    let mut env = Vec::new();
    for source in 0..SOURCES.len() {
        if mask & (1 << source) == 0 {
            continue;
        }
        let v = value(source);
        match source {
            0 => args.push(format!("--{key}={v}")),
            1 => env.push((env_name, v)),
            2 => {
                dirs.write("extra.conf", &format!("{key} = {v}\n"));
                args.push(format!(
                    "--config={}",
                    dirs.root.join("extra.conf").display()
                ));
            }
            3 => {
                dirs.write(
                    "cwd/pyproject.toml",
                    &format!("[project]\nname = \"x\"\n\n[tool.locust]\n{key} = \"{v}\"\n"),
                );
            }
            4 => {
                dirs.write(
                    "cwd/locust.conf",
                    &format!("# project settings\n{key} = {v}\n"),
                );
            }
            _ => {
                dirs.write("home/.locust.conf", &format!("{key}: {v}\n"));
            }
        }
    }
    (args, env)
}

#[test]
fn precedence_matrix_for_users() {
    for mask in 0..(1 << SOURCES.len()) {
        let dirs = Dirs::new();
        let (args, env) = set_sources(&dirs, mask, "users", "LOCUST_USERS", |s| {
            (s + 1).to_string()
        });
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let options = dirs.parse(&args, &env).unwrap();
        let winner = (0..SOURCES.len()).find(|s| mask & (1 << s) != 0);
        assert_eq!(
            options.users,
            winner.map(|s| s as u64 + 1),
            "sources {:?}",
            (0..SOURCES.len())
                .filter(|s| mask & (1 << s) != 0)
                .map(|s| SOURCES[s])
                .collect::<Vec<_>>()
        );
    }
}

/// The same matrix through the real binary: `--web-base-path` without a leading
/// slash makes the run stop with a message naming the value that won.
#[test]
fn precedence_matrix_end_to_end() {
    for mask in 1..(1 << SOURCES.len()) {
        let dirs = Dirs::new();
        let (args, env) = set_sources(&dirs, mask, "web-base-path", "LOCUST_WEB_BASE_PATH", |s| {
            format!("from-source-{s}")
        });
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = dirs.run(&args, &env);
        let stderr = &out.stderr;
        let winner = (0..SOURCES.len()).find(|s| mask & (1 << s) != 0).unwrap();
        assert_eq!(out.code, Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!("(from-source-{winner})")),
            "{} should win: {stderr}",
            SOURCES[winner]
        );
    }
}

#[test]
fn users_from_files_reach_the_binary() {
    let dirs = Dirs::new();
    dirs.write("cwd/locust.conf", "users = many\n");
    let out = dirs.run(&["--headless"], &[]);
    let stderr = &out.stderr;
    assert_eq!(out.code, Some(1), "{stderr}");
    assert!(
        stderr.contains("locust.conf, line 1")
            && stderr.contains("'users'")
            && stderr.contains("many"),
        "{stderr}"
    );
    // Every file is checked, even when the command line overrides its value.
    let out = dirs.run(&["--headless", "-u", "3"], &[]);
    assert_eq!(out.code, Some(1));
}

#[test]
fn short_options_and_env_beat_files() {
    let dirs = Dirs::new();
    dirs.write(
        "cwd/locust.conf",
        "users = 5\nspawn-rate = 2\nrun-time = 1m\nhost = http://file\n",
    );
    let options = dirs
        .parse(
            &["-u", "9", "-H", "http://cli"],
            &[("LOCUST_SPAWN_RATE", "4")],
        )
        .unwrap();
    assert_eq!(options.users, Some(9));
    assert_eq!(options.spawn_rate, Some(4.0));
    assert_eq!(options.run_time, Some(std::time::Duration::from_secs(60)));
    assert_eq!(options.host.as_deref(), Some("http://cli"));
}

#[test]
fn flags_in_both_formats() {
    let dirs = Dirs::new();
    for (text, expected) in [
        ("headless\n", true),
        ("headless = true\n", true),
        ("headless = True\n", true),
        ("headless: yes\n", true),
        ("headless = false\n", false),
        ("headless = 0\n", false),
    ] {
        dirs.write("cwd/locust.conf", text);
        assert_eq!(dirs.options(&[]).headless, expected, "{text:?}");
    }
    // A stronger file that says false wins over a weaker true.
    dirs.write("home/.locust.conf", "headless\nprint-stats\n");
    dirs.write("cwd/locust.conf", "headless = false\n");
    let options = dirs.options(&[]);
    assert!(!options.headless);
    assert!(options.print_stats);
    // The command line can always set a flag; --headful always clears headless.
    assert!(dirs.options(&["--headless"]).headless);
    std::fs::remove_file(dirs.cwd().join("locust.conf")).unwrap();
    assert!(dirs.options(&[]).headless);
    assert!(!dirs.options(&["--headful"]).headless);

    for (text, expected) in [
        ("headless = true", true),
        ("headless = false", false),
        ("headless = \"true\"", true),
    ] {
        dirs.write("cwd/pyproject.toml", &format!("[tool.locust]\n{text}\n"));
        assert_eq!(dirs.options(&[]).headless, expected, "{text}");
    }
}

#[test]
fn lists_in_both_formats() {
    let dirs = Dirs::new();
    let tags = |list: &[&str]| Some(list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    for (text, expected) in [
        ("tags = [Critical, Normal]\n", tags(&["Critical", "Normal"])),
        ("tags = [\"a b\", \"c\"]\n", tags(&["a b", "c"])),
        ("tags = single\n", tags(&["single"])),
    ] {
        dirs.write("cwd/locust.conf", text);
        assert_eq!(dirs.options(&[]).tags, expected, "{text:?}");
    }
    dirs.write(
        "cwd/pyproject.toml",
        "[tool.locust]\nexclude-tags = [\"slow\", \"flaky\"]\ntags = [\"Critical\"]\n",
    );
    let options = dirs.options(&[]);
    assert_eq!(options.exclude_tags, tags(&["slow", "flaky"]));
    assert_eq!(options.tags, tags(&["Critical"]));
    // The command line replaces a file's list rather than adding to it.
    assert_eq!(dirs.options(&["-T", "x"]).tags, tags(&["x"]));
}

#[test]
fn toml_scalars_become_strings() {
    let dirs = Dirs::new();
    dirs.write(
        "cwd/pyproject.toml",
        "[tool.black]\nline-length = 100\n\n[tool.locust]\nusers = 5\nspawn-rate = 0.5\nrun-time = \"1h30m\"\nhost = \"http://toml\"\nexit-code-on-error = 3\n",
    );
    let options = dirs.options(&[]);
    assert_eq!(options.users, Some(5));
    assert_eq!(options.spawn_rate, Some(0.5));
    assert_eq!(options.run_time, Some(std::time::Duration::from_secs(5400)));
    assert_eq!(options.host.as_deref(), Some("http://toml"));
    assert_eq!(options.exit_code_on_error, 3);
}

#[test]
fn toml_files_without_tool_locust() {
    let dirs = Dirs::new();
    // pyproject.toml without the table contributes nothing.
    dirs.write("cwd/pyproject.toml", "[project]\nname = \"x\"\nusers = 3\n");
    assert_eq!(dirs.options(&[]).users, None);
    // An explicit --config TOML file must have it.
    let path = dirs.write("plain.toml", "users = 3\n");
    let message = dirs.config_error(&["--config", path.to_str().unwrap()]);
    assert!(
        message.contains("plain.toml") && message.contains("[tool.locust]"),
        "{message}"
    );
    let path = dirs.write("good.toml", "[tool.locust]\nusers = 4\n");
    assert_eq!(
        dirs.options(&["--config", path.to_str().unwrap()]).users,
        Some(4)
    );
}

#[test]
fn config_path_is_relative_to_the_current_directory() {
    let dirs = Dirs::new();
    dirs.write("cwd/ci.conf", "users = 12\n");
    assert_eq!(dirs.options(&["--config", "ci.conf"]).users, Some(12));
    let message = dirs.config_error(&["--config", "missing.conf"]);
    assert!(message.contains("missing.conf"), "{message}");
}

#[test]
fn ini_syntax_like_configargparse() {
    let dirs = Dirs::new();
    let path = dirs.write(
        "syntax.conf",
        "# a comment\n; another\n[locust]\n---\n\nhost = \"http://quoted\"  # trailing comment\nusers: 4\nspawn-rate 2\nrun-time='90s'\nprofile =\n",
    );
    let file = config::parse_ini(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
    let pairs: Vec<(&str, &Value, usize)> = file
        .settings
        .iter()
        .map(|s| (s.key.as_str(), &s.value, s.line))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("host", &Value::Text("http://quoted".into()), 6),
            ("users", &Value::Text("4".into()), 7),
            ("spawn-rate", &Value::Text("2".into()), 8),
            ("run-time", &Value::Text("90s".into()), 9),
            ("profile", &Value::Text(String::new()), 10),
        ]
    );
    let options = dirs.options(&["--config", path.to_str().unwrap()]);
    assert_eq!(options.host.as_deref(), Some("http://quoted"));
    assert_eq!(options.users, Some(4));
    assert_eq!(options.spawn_rate, Some(2.0));
    assert_eq!(options.profile.as_deref(), Some(""));
}

#[test]
fn bad_files_name_the_file_line_and_key() {
    let dirs = Dirs::new();
    let path = dirs.root.join("extra.conf");
    let extra = path.to_str().unwrap();
    for (text, needles) in [
        (
            "users = 3\n=5\n",
            &["line 2", "cannot parse the line '=5'"][..],
        ),
        ("headless#x\n", &["line 1", "cannot parse"]),
        (
            "\nuesrs = 3\n",
            &["line 2", "unknown key 'uesrs'", "did you mean 'users'?"],
        ),
        (
            "run_time = 3m\n",
            &["line 1", "'run_time'", "did you mean 'run-time'?"],
        ),
        (
            "num_users = 3\n",
            &["line 1", "'num_users'", "did you mean 'users'?"],
        ),
        ("zzzzzz = 1\n", &["line 1", "unknown key 'zzzzzz'"]),
        ("users = many\n", &["line 1", "'users'", "'many'"]),
        (
            "spawn-rate = 0\n",
            &["line 1", "'spawn-rate'", "greater than 0"],
        ),
        (
            "run-time = 1d\n",
            &["line 1", "'run-time'", "Invalid time span format"],
        ),
        ("web-port = 70000\n", &["line 1", "'web-port'", "70000"]),
        (
            "loglevel = loud\n",
            &["line 1", "'loglevel'", "invalid choice"],
        ),
        (
            "headless = maybe\n",
            &["line 1", "headless", "Expecting 'true', 'false'"],
        ),
        (
            "users = [1, 2]\n",
            &["line 1", "'users' can't be set to a list"],
        ),
        ("slave\n", &["line 1", "use --worker"]),
        ("web-auth = a:b\n", &["line 1", "--web-login"]),
        ("config = other.conf\n", &["line 1", "'config'"]),
    ] {
        dirs.write("extra.conf", text);
        let message = dirs.config_error(&["--config", extra]);
        assert!(message.contains(extra), "{text:?}: {message}");
        for needle in needles {
            assert!(message.contains(needle), "{text:?}: {message}");
        }
    }
    for (text, needles) in [
        (
            "[tool.locust]\nusers = 3\nusres = 4\n",
            &["line 3", "unknown key 'usres'", "did you mean 'users'?"][..],
        ),
        (
            "[tool.locust]\n\nusers = \"many\"\n",
            &["line 3", "'users'", "'many'"],
        ),
        ("[tool.locust]\nusers = [1\n", &["line 2", "invalid TOML"]),
        (
            "[tool.locust]\nhost = { a = 1 }\n",
            &["line 2", "'host'", "table"],
        ),
    ] {
        dirs.write("cwd/pyproject.toml", text);
        let message = dirs.config_error(&[]);
        assert!(message.contains("pyproject.toml"), "{text:?}: {message}");
        for needle in needles {
            assert!(message.contains(needle), "{text:?}: {message}");
        }
    }
}

#[test]
fn bad_files_through_the_binary_exit_with_1() {
    let dirs = Dirs::new();
    dirs.write("home/.locust.conf", "uesrs = 3\n");
    let out = dirs.run(&["--headless"], &[]);
    let stderr = &out.stderr;
    assert_eq!(out.code, Some(1), "{stderr}");
    assert!(
        stderr.contains(".locust.conf, line 1: unknown key 'uesrs' (did you mean 'users'?)"),
        "{stderr}"
    );

    std::fs::remove_file(dirs.home().join(".locust.conf")).unwrap();
    dirs.write(
        "cwd/pyproject.toml",
        "[tool.locust]\nheadless = true\nrun-time = \"soon\"\n",
    );
    let out = dirs.run(&[], &[]);
    let stderr = &out.stderr;
    assert_eq!(out.code, Some(1), "{stderr}");
    assert!(
        stderr.contains("pyproject.toml, line 3: invalid value 'soon' for 'run-time'"),
        "{stderr}"
    );

    let out = dirs.run(&["--config", "nowhere.conf"], &[]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("nowhere.conf"));
}

#[test]
fn csv_full_history_needs_csv_from_any_source() {
    let dirs = Dirs::new();
    dirs.write("cwd/locust.conf", "csv-full-history\n");
    match dirs.parse(&[], &[]) {
        Err(Error::Args(error)) => {
            assert_eq!(error.exit_code(), 2);
            assert!(error
                .to_string()
                .contains("'--csv-full-history' requires '--csv'."));
        }
        other => panic!("{other:?}"),
    }
    let options = dirs.parse(&[], &[("LOCUST_CSV", "out/run")]).unwrap();
    assert!(options.csv_full_history);
    assert_eq!(options.csv_prefix.as_deref(), Some("out/run"));
    let out = dirs.run(&[], &[]);
    assert_eq!(out.code, Some(2));
}

#[test]
fn load_reads_files_weakest_first() {
    let dirs = Dirs::new();
    dirs.write("home/.locust.conf", "users = 1\n");
    dirs.write("cwd/locust.conf", "users = 2\n");
    dirs.write("cwd/pyproject.toml", "[tool.locust]\nusers = 3\n");
    dirs.write("cwd/more.conf", "users = 4\n");
    let files = config::load(
        &dirs.cwd(),
        Some(&dirs.home()),
        Some(Path::new("more.conf")),
    )
    .unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [".locust.conf", "locust.conf", "pyproject.toml", "more.conf"]
    );
    // Without a home directory, ~/.locust.conf is not read.
    assert_eq!(config::load(&dirs.cwd(), None, None).unwrap().len(), 2);
}

#[test]
fn custom_options_come_from_every_source() {
    use locusta::options::{CustomOption, OptionKind, OptionValue};
    let custom = vec![
        CustomOption::new("quantity", "items")
            .kind(OptionKind::Integer)
            .default_value(OptionValue::Integer(1)),
        CustomOption::new("token", "secret")
            .secret()
            .env("LOCUST_TOKEN"),
        CustomOption::new("express", "flag").kind(OptionKind::Flag),
        CustomOption::new("regions", "many")
            .kind(OptionKind::MultiChoice(vec!["eu".into(), "us".into()])),
        CustomOption::new("unset", "nothing"),
    ];
    let dirs = Dirs::new();
    dirs.write(
        "cwd/locust.conf",
        "quantity = 4\nexpress = true\nregions = [eu, us]\n",
    );
    let env: HashMap<String, String> = [("LOCUST_TOKEN".to_string(), "abc".to_string())].into();
    let args: Vec<OsString> = vec!["locusta".into()];
    let options = config::parse_with(&args, &env, &dirs.cwd(), None, &custom).unwrap();
    assert_eq!(options.custom["quantity"], OptionValue::Integer(4));
    assert_eq!(options.custom["token"], OptionValue::Text("abc".into()));
    assert_eq!(options.custom["express"], OptionValue::Flag(true));
    assert_eq!(
        options.custom["regions"],
        OptionValue::List(vec!["eu".into(), "us".into()])
    );
    assert!(!options.custom.contains_key("unset"));

    // The command line wins; a multi-choice takes repeated values.
    let args: Vec<OsString> = ["locusta", "--quantity", "7", "--regions", "us"]
        .iter()
        .map(OsString::from)
        .collect();
    let options = config::parse_with(&args, &env, &dirs.cwd(), None, &custom).unwrap();
    assert_eq!(options.custom["quantity"], OptionValue::Integer(7));
    assert_eq!(
        options.custom["regions"],
        OptionValue::List(vec!["us".into()])
    );

    // A bad value in a file names the file and the line.
    dirs.write("cwd/locust.conf", "# settings\nquantity = lots\n");
    let args: Vec<OsString> = vec!["locusta".into()];
    match config::parse_with(&args, &env, &dirs.cwd(), None, &custom) {
        Err(Error::Config(error)) => {
            let message = error.to_string();
            assert!(message.contains("locust.conf, line 2"), "{message}");
            assert!(message.contains("not a whole number"), "{message}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
    // Without the declaration, the key is unknown.
    assert!(config::parse_with(&args, &env, &dirs.cwd(), None, &[]).is_err());
}

"""locust.argument_parser: Locust's command-line parser as Python code sees
it: LocustArgumentParser (argparse with Locust's `include_in_web_ui`,
`is_secret`, `is_required`, `is_multiple` and `env_var`), Locust's options,
and the helpers plugins call (`ui_extra_args_dict`, `parse_options`, …).

In a `locusta -f` run the command line is parsed by locusta itself (in Rust);
the options a locustfile adds in `init_command_line_parser` are handed over
to it, and their values come back in `environment.parsed_options`. This
module's `parse_options` parses with the same option set, for scripts and
tools."""

import argparse
import atexit
import difflib
import json
import os
import sys
import textwrap
import urllib.request
from typing import Any, NamedTuple

from locusta import _native

from locust.event import events
from locust.rpc import Message  # noqa: F401
from locust.util.directory import get_abspaths_in  # noqa: F401
from locust.util.timespan import parse_timespan
from locust.util.url import is_url

try:
    import tomllib as _toml
except ImportError:  # Python < 3.11
    _toml = None

DEFAULT_CONFIG_FILES = ("~/.locust.conf", "locust.conf", "pyproject.toml")

version = _native.__version__

# locusta's own options (long names): a locustfile's option of the same name
# is not added again (locusta's value lands in parsed_options under it).
BUILTIN_OPTIONS = frozenset(
    "autoquit autostart check-avg-response-time check-fail-ratio check-rps class-picker config config-users csv csv-full-history enable-rebalancing "
    "equal-weights exclude-tags exit-code-on-error expect-workers expect-workers-max-wait headless "
    "help host html iterations json json-file junit list locustfile logfile loglevel master "
    "master-bind-host master-bind-port master-host master-port only-summary otel print-stats "
    "processes profile python reset-stats run-time show-task-ratio show-task-ratio-json "
    "skip-log-setup spawn-rate stop-timeout tags threads threshold tls-cert tls-key users version "
    "web-base-path web-host web-login web-port worker".split()
)


def exit_handler(filename):
    """Removes a locustfile downloaded for this run (registered with atexit)."""
    try:
        os.remove(filename)
    except FileNotFoundError:
        pass


_EXTRA = ("include_in_web_ui", "is_secret", "is_required", "is_multiple")


def _add(add, args, kwargs):
    extra = {key: kwargs.pop(key, key == "include_in_web_ui") for key in _EXTRA}
    env_var = kwargs.pop("env_var", None)
    action = add(*args, **kwargs)
    for key, value in extra.items():
        setattr(action, key, value)
    action.env_var = env_var
    return action


class _Group(argparse._ArgumentGroup):
    """An argument group that takes Locust's extra keywords. As in Locust,
    an option added to a group is left out of the web UI's form unless it
    says `include_in_web_ui=True`."""

    def add_argument(self, *args, **kwargs):
        kwargs.setdefault("include_in_web_ui", False)
        return _add(super().add_argument, args, kwargs)


class LocustArgumentParser(argparse.ArgumentParser):
    """argparse's parser with Locust's extra add_argument keywords:
    `include_in_web_ui` (default True), `is_secret`, `is_required`,
    `is_multiple` (shown so in the web UI's form) and `env_var` (the
    environment variable that sets it when the command line does not)."""

    def __init__(self, *args, default_config_files=(), auto_env_var_prefix=None, add_config_file_help=True,
                 add_env_var_help=True, config_file_parser_class=None, args_for_setting_config_path=(),
                 config_arg_is_required=False, config_arg_help_message=None, ignore_unknown_config_file_keys=False,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.default_config_files = list(default_config_files)

    def add_argument(self, *args, **kwargs):
        """argparse's add_argument plus Locust's keywords; returns the action."""
        return _add(super().add_argument, args, kwargs)

    def add_argument_group(self, *args, **kwargs):
        group = _Group(self, *args, **kwargs)
        self._action_groups.append(group)
        return group

    def error(self, message):
        if "unrecognized arguments:" in message:
            bad = message.split("unrecognized arguments:")[1].split()[0]
            known = [option for action in self._actions for option in action.option_strings]
            close = difflib.get_close_matches(bad, known, n=1)
            if close:
                message += f"\nDid you mean '{close[0]}'?"
        self.exit(2, f"{self.prog}: error: {message}\n")

    def parse_known_args(self, args=None, namespace=None):
        # Environment variables fill in what the command line leaves out.
        given = list(sys.argv[1:] if args is None else args)
        namespace = namespace if namespace is not None else argparse.Namespace()
        for action in self._actions:
            env_var = getattr(action, "env_var", None)
            if not env_var or env_var not in os.environ:
                continue
            if any(option in given or any(g.startswith(option + "=") for g in given) for option in action.option_strings):
                continue
            raw = os.environ[env_var]
            if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
                value = raw.strip().lower() in ("1", "true", "yes", "on")
                if isinstance(action, argparse._StoreFalseAction):
                    value = not value
            elif action.nargs in ("*", "+"):
                value = [action.type(v) if action.type else v for v in raw.split()]
            else:
                value = action.type(raw) if action.type else raw
            setattr(namespace, action.dest, value)
        return super().parse_known_args(given, namespace)

    @property
    def args_included_in_web_ui(self):
        """The actions shown in the web UI's form, by dest."""
        return {a.dest: a for a in self._actions if getattr(a, "include_in_web_ui", False)}

    @property
    def secret_args_included_in_web_ui(self):
        """Shown actions whose input is masked, by dest."""
        return {d: a for d, a in self.args_included_in_web_ui.items() if getattr(a, "is_secret", False)}

    @property
    def required_args_included_in_web_ui(self):
        """Shown actions the form requires, by dest."""
        return {d: a for d, a in self.args_included_in_web_ui.items() if getattr(a, "is_required", False)}

    @property
    def multiple_args_included_in_web_ui(self):
        """Shown actions the form lets pick several values of, by dest."""
        return {d: a for d, a in self.args_included_in_web_ui.items() if getattr(a, "is_multiple", False)}


class LocustTomlConfigParser:
    """Reads the `[tool.locust]` table of a pyproject.toml: {option: text}."""

    def __init__(self, sections=("tool.locust",)):
        self.sections = list(sections)

    def parse(self, stream):
        if _toml is None:
            raise NotImplementedError("locusta: reading TOML needs Python 3.11 (tomllib)")
        config = _toml.loads(stream.read())
        result = {}
        for section in self.sections:
            data = config
            for key in section.split("."):
                data = data.get(key, {}) if isinstance(data, dict) else {}
            for key, value in data.items():
                if isinstance(value, list):
                    result[key] = [str(v) for v in value]
                else:
                    result[key] = str(value)
        return result


class LocustConfigParser:
    """Reads a locust.conf (`key = value` lines; `[section]` headers and `#`
    comments ignored): {option: text}."""

    def parse(self, stream):
        result = {}
        for line in stream.read().splitlines():
            line = line.strip()
            if not line or line.startswith(("#", ";", "[")):
                continue
            key, _, value = line.partition("=")
            if not _:
                key, _, value = line.partition(":")
            result[key.strip()] = value.strip().strip("\"'")
        return result


def parse_locustfile_paths(paths):
    """The .py files that `-f` names: files as given, directories expanded,
    URLs downloaded."""
    found = []
    for path in paths:
        found.extend(_parse_locustfile_path(path))
    return found


def _parse_locustfile_path(path):
    if is_url(path):
        return [download_locustfile_from_url(path)]
    if os.path.isdir(path):
        return get_abspaths_in(path, extension=".py")
    if not path.endswith(".py") and os.path.exists(path + ".py"):
        path += ".py"
    if not os.path.isfile(path):
        sys.stderr.write(f"Could not find '{path}'. Ensure your locustfile ends with '.py' or is a directory with locustfiles.\n")
        sys.exit(1)
    return [os.path.abspath(path)]


def download_locustfile_from_url(url):
    """Downloads a locustfile into the working directory; its path (removed at exit)."""
    with urllib.request.urlopen(url) as response:
        content = response.read().decode()
    name = os.path.basename(url.split("?")[0]) or "locustfile.py"
    if not name.endswith(".py"):
        name += ".py"
    with open(name, "w", encoding="utf-8") as file:
        file.write(content)
    atexit.register(exit_handler, name)
    return os.path.abspath(name)


def get_empty_argument_parser(add_help=True, default_config_files=DEFAULT_CONFIG_FILES):
    """A LocustArgumentParser with only -f/--locustfile and --config."""
    parser = LocustArgumentParser(
        prog="locust",
        usage=argparse.SUPPRESS,
        description="Run a load test (locusta, Locust's command line).",
        add_help=add_help,
        default_config_files=default_config_files,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent("Examples:\n    locust -f my_test.py -H https://www.example.com\n"),
    )
    parser.add_argument("-f", "--locustfile", metavar="<filename>", default="locustfile.py",
                        help="Python module(s) to import, a directory, or a URL", env_var="LOCUST_LOCUSTFILE")
    parser.add_argument("--config", metavar="<filename>", help="Configuration file to read")
    return parser


def download_locustfile_from_master(master_host, master_port):
    """Locust's `-f -` (a worker fetching the master's locustfile)."""
    raise NotImplementedError(
        "locusta: a worker fetches its master's locustfile itself (`locusta --worker -f -`); "
        "there is no Python call for it"
    )


def parse_locustfile_option(args=None):
    """The options Locust reads before loading the locustfiles (-f, --config,
    --help, --version, --worker, --master, --master-host/-port); with
    --help or --version, the full parser prints and exits."""
    parser = get_empty_argument_parser(add_help=False)
    parser.add_argument("-h", "--help", action="store_true", default=False)
    parser.add_argument("--version", "-V", action="store_true", default=False)
    parser.add_argument("--worker", action="store_true", env_var="LOCUST_MODE_WORKER")
    parser.add_argument("--master", action="store_true", env_var="LOCUST_MODE_MASTER")
    parser.add_argument("--master-host", default="127.0.0.1", env_var="LOCUST_MASTER_NODE_HOST")
    parser.add_argument("--master-port", type=int, default=5557, env_var="LOCUST_MASTER_NODE_PORT")
    options, _ = parser.parse_known_args(args=args)
    if options.help or options.version:
        get_parser().parse_args(args=args)
    return options


def get_locustfiles_locally(options):
    """The locustfile paths of parsed options."""
    return parse_locustfile_paths([p.strip() for p in options.locustfile.split(",") if p.strip()])


def parse_locustfiles_from_master(locustfile_sources):
    """Locust's worker-side locustfile download."""
    return download_locustfile_from_master(None, None)


def retrieve_locustfiles_from_master(options):
    """Locust's worker-side locustfile download."""
    return download_locustfile_from_master(options.master_host, options.master_port)


def raise_argument_type_error(err_msg):
    """Raises argparse's ArgumentTypeError with `err_msg`."""
    raise argparse.ArgumentTypeError(err_msg)


def timespan(time_str):
    """argparse type: a time span ("1h30m") in seconds."""
    try:
        return parse_timespan(time_str)
    except ValueError as error:
        raise_argument_type_error(str(error))


def positive_integer(string):
    """argparse type: an integer of at least 1."""
    try:
        value = int(string)
    except ValueError:
        raise_argument_type_error(f"invalid int value: '{string}'")
    if value < 1:
        raise_argument_type_error(f"must be a positive integer, got {value}")
    return value


def gt_zero(t):
    """argparse type: a number above 0."""
    try:
        value = float(t)
    except ValueError:
        raise_argument_type_error(f"invalid float value: '{t}'")
    if value <= 0:
        raise_argument_type_error(f"must be above 0, got {t}")
    return value


def json_user_config(string):
    """argparse type: --config-users' JSON text or a .json file."""
    try:
        if string.endswith(".json"):
            with open(string, encoding="utf-8") as file:
                return json.load(file)
        return json.loads(string)
    except FileNotFoundError as error:
        raise_argument_type_error(f"Could not find user config file {string}: {error}")
    except json.JSONDecodeError as error:
        raise_argument_type_error(f"Could not parse {string} as JSON: {error}")


def _upper(value):
    return str(value).upper()


# Locust's options: (flags, keywords). Help texts are locusta's own.
_OPTIONS = [
    (("-H", "--host"), dict(metavar="<base url>", help="Host to load test, e.g. http://10.21.32.33", env_var="LOCUST_HOST")),
    (("-u", "--users"), dict(type=int, dest="num_users", metavar="<int>", help="Peak number of users", env_var="LOCUST_USERS")),
    (("-r", "--spawn-rate"), dict(type=gt_zero, metavar="<float>", help="Users started per second", env_var="LOCUST_SPAWN_RATE")),
    (("-t", "--run-time"), dict(type=timespan, metavar="<time string>", help="Stop after this time (e.g. 300s, 20m, 1h30m)", env_var="LOCUST_RUN_TIME")),
    (("-l", "--list"), dict(action="store_true", dest="list_commands", help="List the user classes and exit")),
    (("--config-users",), dict(type=json_user_config, nargs="*", help="User class settings as JSON or a .json file", env_var="LOCUST_CONFIG_USERS")),
    (("--web-host",), dict(default="", metavar="<ip>", help="Interface the web UI binds to", env_var="LOCUST_WEB_HOST")),
    (("--web-port", "-P"), dict(type=int, default=8089, metavar="<port number>", help="Port of the web UI", env_var="LOCUST_WEB_PORT")),
    (("--headless",), dict(action="store_true", help="No web UI: start the test at once", env_var="LOCUST_HEADLESS")),
    (("--autostart",), dict(action="store_true", help="Start the test at once, keeping the web UI", env_var="LOCUST_AUTOSTART")),
    (("--autoquit",), dict(type=int, default=-1, metavar="<seconds>", help="Quit this long after the test ends (with --autostart)", env_var="LOCUST_AUTOQUIT")),
    (("--web-login",), dict(action="store_true", help="Protect the web UI with a login page", env_var="LOCUST_WEB_LOGIN")),
    (("--tls-cert",), dict(default="", metavar="<filename>", help="TLS certificate of the web UI", env_var="LOCUST_TLS_CERT")),
    (("--tls-key",), dict(default="", metavar="<filename>", help="TLS private key of the web UI", env_var="LOCUST_TLS_KEY")),
    (("--class-picker",), dict(action="store_true", help="Pick user classes and shape in the web UI", env_var="LOCUST_USERCLASS_PICKER")),
    (("--master",), dict(action="store_true", help="Run as the master of a distributed test", env_var="LOCUST_MODE_MASTER")),
    (("--master-bind-host",), dict(default="*", metavar="<ip>", help="Interface the master binds to", env_var="LOCUST_MASTER_BIND_HOST")),
    (("--master-bind-port",), dict(type=int, default=5557, metavar="<port number>", help="Port the master binds to", env_var="LOCUST_MASTER_BIND_PORT")),
    (("--expect-workers",), dict(type=positive_integer, default=1, metavar="<int>", help="Workers to wait for before a headless start", env_var="LOCUST_EXPECT_WORKERS")),
    (("--expect-workers-max-wait",), dict(type=int, default=0, metavar="<int>", help="Seconds to wait for them", env_var="LOCUST_EXPECT_WORKERS_MAX_WAIT")),
    (("--enable-rebalancing",), dict(action="store_true", default=False, help="Move users when workers come and go")),
    (("--worker",), dict(action="store_true", help="Run as a worker of a distributed test", env_var="LOCUST_MODE_WORKER")),
    (("--processes",), dict(type=int, metavar="<int>", help="Worker processes to fork on this machine", env_var="LOCUST_PROCESSES")),
    (("--master-host",), dict(default="127.0.0.1", metavar="<hostname>", help="Master to connect to", env_var="LOCUST_MASTER_NODE_HOST")),
    (("--master-port",), dict(type=int, default=5557, metavar="<port number>", help="Port of the master", env_var="LOCUST_MASTER_NODE_PORT")),
    (("--web-base-path",), dict(type=str, default="", metavar="<path>", help="Path prefix of the web UI", env_var="LOCUST_WEB_BASE_PATH")),
    (("-T", "--tags"), dict(nargs="*", metavar="<tag>", help="Only run tasks with these tags", env_var="LOCUST_TAGS")),
    (("-E", "--exclude-tags"), dict(nargs="*", metavar="<tag>", help="Do not run tasks with these tags", env_var="LOCUST_EXCLUDE_TAGS")),
    (("--csv",), dict(dest="csv_prefix", metavar="<filename>", help="Write CSV files with this prefix", env_var="LOCUST_CSV")),
    (("--csv-full-history",), dict(action="store_true", default=False, dest="stats_history_enabled", help="Every row in the history CSV", env_var="LOCUST_CSV_FULL_HISTORY")),
    (("--print-stats",), dict(action="store_true", help="Print the statistics table while the web UI runs", env_var="LOCUST_PRINT_STATS")),
    (("--only-summary",), dict(action="store_true", help="Only print the final summary", env_var="LOCUST_ONLY_SUMMARY")),
    (("--reset-stats",), dict(action="store_true", help="Reset the statistics once spawning is done", env_var="LOCUST_RESET_STATS")),
    (("--html",), dict(metavar="<filename>", dest="html_file", help="Write an HTML report", env_var="LOCUST_HTML")),
    (("--json",), dict(default=False, action="store_true", help="Print the final statistics as JSON")),
    (("--json-file",), dict(metavar="<filename>", help="Write the final statistics as JSON to this file (.json added)")),
    (("--skip-log-setup",), dict(action="store_true", dest="skip_log_setup", default=False, help="Leave logging as it is", env_var="LOCUST_SKIP_LOG_SETUP")),
    (("--loglevel", "-L"), dict(default="INFO", type=_upper, choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], help="Log level", env_var="LOCUST_LOGLEVEL")),
    (("--logfile",), dict(metavar="<filename>", help="Log to this file", env_var="LOCUST_LOGFILE")),
    (("--show-task-ratio",), dict(action="store_true", help="Print the task ratios and exit")),
    (("--show-task-ratio-json",), dict(action="store_true", help="Print the task ratios as JSON and exit")),
    (("--exit-code-on-error",), dict(type=int, metavar="<int>", default=1, help="Exit code when a request failed", env_var="LOCUST_EXIT_CODE_ON_ERROR")),
    (("-s", "--stop-timeout"), dict(action="store", dest="stop_timeout", metavar="<number>", default="0", type=timespan, help="Time users get to finish their task at the end", env_var="LOCUST_STOP_TIMEOUT")),
    (("--equal-weights",), dict(action="store_true", default=False, help="Weigh every user class equally")),
    (("--profile",), dict(type=str, help="A name for this run in the reports")),
    (("--otel",), dict(action="store_true", default=False, help="OpenTelemetry export (not in locusta yet)", env_var="LOCUST_ENABLE_OPENTELEMETRY")),
]


def setup_parser_arguments(parser):
    """Adds Locust's options (beside -f and --config) to `parser`."""
    for flags, keywords in _OPTIONS:
        keywords = dict(keywords)
        if not flags[0].startswith(("-u", "-r", "-t", "-H", "-l", "--config-users")):
            keywords.setdefault("include_in_web_ui", False)
        parser.add_argument(*flags, **keywords)
    parser.add_argument("--version", "-V", action="version", version=f"locust (locusta {version})")
    parser.add_argument("user_classes", nargs="*", metavar="<UserClass1 UserClass2>", help="User classes to run (default: all)")


def get_parser(default_config_files=DEFAULT_CONFIG_FILES):
    """Locust's full parser, with the options locustfiles added in
    `init_command_line_parser` listeners."""
    parser = get_empty_argument_parser(add_help=True, default_config_files=default_config_files)
    setup_parser_arguments(parser)
    events.init_command_line_parser.fire(parser=parser)
    return parser


def parse_options(args=None):
    """Parses `args` (else sys.argv[1:]) with get_parser()."""
    parser = get_parser()
    options = parser.parse_args(args=args)
    if options.stop_timeout is None:
        options.stop_timeout = 0
    return options


def default_args_dict():
    """Every option of Locust's own parser with its default value."""
    parser = get_empty_argument_parser(add_help=False)
    setup_parser_arguments(parser)
    return vars(parser.parse_args([]))


class UIExtraArgOptions(NamedTuple):
    """How the web UI's form shows a custom option."""

    default_value: Any
    is_secret: bool
    is_required: bool
    help_text: str
    is_multiple: bool
    choices: Any = None


def ui_extra_args_dict(args=None):
    """The custom options the web UI's form shows, by dest, with their value,
    help, choices and whether they are secret, required or multiple."""
    builtin = default_args_dict()
    parser = get_parser()
    values = vars(parser.parse_args(args if args is not None else []))
    shown = parser.args_included_in_web_ui
    return {
        key: UIExtraArgOptions(
            default_value=value,
            is_secret=key in parser.secret_args_included_in_web_ui,
            is_required=key in parser.required_args_included_in_web_ui,
            help_text=shown[key].help,
            is_multiple=key in parser.multiple_args_included_in_web_ui,
            choices=shown[key].choices,
        )._asdict()
        for key, value in values.items()
        if key not in builtin and key in shown
    }

"""locusta's side of the Python thread: loads the locustfile, then runs the
gevent hub, where the mailbox is drained and each command goes where it
belongs (the users' lives to `locust._lifecycle`, events and shape ticks
here); also `locusta --python FILE` and Locust's public names of
`locust.main`."""

import argparse
import importlib.util
import json
import logging
import os
import shutil
import signal
import sys
import tokenize
import traceback
import types

import gevent
import gevent.event

from locusta import _native

from locust import _lifecycle, _run, clients, web
from locust.argument_parser import BUILTIN_OPTIONS, LocustArgumentParser, default_args_dict
from locust.env import Environment
from locust.event import events as _events
from locust.event import format_user_traceback
from locust.exception import StopTest
from locust.rpc import Message
from locust.shape import LoadTestShape
from locust.stats import stats_history
from locust.task import TaskSet, filter_tasks_by_tags
from locust.contrib.fasthttp import FastHttpUser
from locust.users import HttpUser, User

# The run's environment, classes, shapes and live users are in locust._run.


class _RustLogHandler(logging.Handler):
    """Sends Python log records to locusta's logger."""

    def emit(self, record):
        try:
            _native.log(record.levelno, record.name, self.format(record))
        except Exception:  # noqa: BLE001 - logging must never raise
            pass


def _install_logging(level):
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = _RustLogHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(level)


def _import_error(path, error):
    """The traceback of an import error, without the frames of the import machinery."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith("<frozen") and not frame.filename.startswith("<locusta>")
    ]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(error), error)
    return f"Could not import the locustfile '{path}':\n" + "".join(lines).rstrip()


def _filter_tasks(holder, tags, exclude_tags, seen):
    """Keeps the tasks that pass --tags/--exclude-tags, recursively."""
    filter_tasks_by_tags(holder, tags, exclude_tags, seen)


def _task_name(entry):
    return getattr(entry, "__name__", repr(entry))


def _ratios(tasks):
    """Each task's share of its list, with a task set's own tasks inside (the engine's TaskRatio)."""
    counts = {}
    for entry in tasks:
        counts[entry] = counts.get(entry, 0) + 1
    total = len(tasks)
    result = []
    for entry, count in counts.items():
        children = entry.tasks if isinstance(entry, type) and issubclass(entry, TaskSet) else []
        result.append({"name": _task_name(entry), "ratio": count / total, "tasks": _ratios(children)})
    return result


def _import_locustfile(given):
    """Imports one locustfile as a module named after the file; an error text if it fails."""
    path = os.path.abspath(given)
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    module_name = os.path.splitext(os.path.basename(path))[0]
    if module_name == "locust":
        return "The locustfile must not be named locust.py: it would hide the locust package. Rename it (e.g. locustfile.py)."
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except BaseException as error:  # noqa: BLE001 - SystemExit too: report, never hang
        return _import_error(given, error)
    return module


class _ArgumentParser(LocustArgumentParser):
    """What `init_command_line_parser` listeners get: a LocustArgumentParser
    that also records the custom options added (with Locust's
    include_in_web_ui, is_secret, is_required and env_var) for locusta's own
    command line. An option locusta already has (e.g. locust-plugins'
    --iterations) is not declared again: locusta's value is used."""

    def __init__(self):
        super().__init__(prog="locust", add_help=False)

    @property
    def declared(self):
        """The custom options (every option added here, groups' too), as
        locusta's command line takes them."""
        found = []
        for action in self._actions:
            self._declare(action, found)
        return found

    def _declare(self, action, found):
        names = action.option_strings
        longs = [n for n in names if n.startswith("--")]
        if not longs:
            raise ValueError(
                f"locusta: custom options need a long name (--name), got {', '.join(names) or 'none'}"
            )
        name = longs[0][2:]
        if name in BUILTIN_OPTIONS:
            return
        choices = [str(c) for c in action.choices or []]
        kind = {int: "integer", float: "float"}.get(action.type, "text")
        default = action.default
        if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
            kind = "flag"
            if default is None:
                default = isinstance(action, argparse._StoreFalseAction)
        elif choices and (action.nargs in ("*", "+") or isinstance(action, argparse._AppendAction)):
            kind = "multichoice"
        elif choices:
            kind = "choice"
        elif type(action) is not argparse._StoreAction:
            raise ValueError(f"locusta: custom option --{name}: action {type(action).__name__} is not supported")
        if isinstance(default, (list, tuple)):
            default = [str(d) for d in default]
        elif default is not None and not isinstance(default, (bool, int, float, str)):
            default = str(default)
        # Locust checks is_required in the web UI's form; `required` is argparse's.
        required = bool(getattr(action, "is_required", False) or action.required)
        action.required = False
        found.append(
            {
                "name": name,
                "help": action.help or "",
                "kind": kind,
                "choices": choices,
                "default": default,
                "required": required,
                "secret": bool(getattr(action, "is_secret", False)),
                "include_in_web_ui": bool(getattr(action, "include_in_web_ui", True)),
                "env": getattr(action, "env_var", None),
            }
        )


_modules = []
# The parser init_command_line_parser listeners added their options to.
_declared_parser = None
# parsed_options.exit_code_on_error as locusta was started with it.
_exit_code_on_error = None


def _complete_options(parsed):
    """Every option Locust has and every custom option, with its default
    when the command line left it out (as argparse gives them)."""
    for key, value in default_args_dict().items():
        parsed.setdefault(key, value)
    if _declared_parser is not None:
        for action in _declared_parser._actions:
            if action.dest and action.dest != "help":
                parsed.setdefault(action.dest, action.default)
    return parsed


def import_files(files):
    """Imports the locustfiles and fires init_command_line_parser; returns the
    custom options the listeners declared (as JSON), or an error text."""
    for given in files:
        module = _import_locustfile(given)
        if isinstance(module, str):
            return module
        _modules.append(module)
    global _declared_parser
    parser = _declared_parser = _ArgumentParser()
    try:
        # Called directly, not through fire(): an error here stops the start.
        for listener in list(_events.init_command_line_parser._handlers):
            listener(parser=parser)
        declared = parser.declared
    except Exception as error:  # noqa: BLE001 - a message for the user, not a crash
        return "Error in an init_command_line_parser listener:\n" + format_user_traceback(error).rstrip()
    return json.dumps(declared)


def set_options(encoded):
    """New values of custom options (from the web UI's form) for parsed_options."""
    if _run.environment is None or _run.environment.parsed_options is None:
        return
    for key, value in json.loads(encoded).items():
        setattr(_run.environment.parsed_options, key, value)


def load(options):
    """Finds the imported locustfiles' classes and shape; returns
    (classes, shape names), or an error text."""
    global _exit_code_on_error
    parsed = _complete_options(json.loads(options["parsed_options"] or "{}"))
    _exit_code_on_error = parsed.get("exit_code_on_error")
    loglevel = str(parsed.get("loglevel") or "INFO").upper()
    levels = {"OFF": logging.CRITICAL + 10, "TRACE": logging.DEBUG}
    _install_logging(levels.get(loglevel) or getattr(logging, loglevel, logging.INFO))
    stats_settings = sys.modules.get("locust.stats")
    if stats_settings is not None:
        for name, value, used in stats_settings.changed_settings():
            logging.warning("locust.stats.%s = %r is not applied: locusta uses %r", name, value, used)
    env = _run.environment = Environment(
        host=options["host"],
        tags=options["tags"],
        exclude_tags=options["exclude_tags"],
        parsed_options=types.SimpleNamespace(**parsed),
        stop_timeout=parsed.get("stop_timeout"),
    )
    env.create_local_runner()
    if not parsed.get("headless") and not parsed.get("worker"):
        # The web UI locusta serves: init listeners get it as web_ui.
        web.WebUI(
            env,
            parsed.get("web_host"),
            parsed.get("web_port"),
            web_base_path=parsed.get("web_base_path"),
            web_login=bool(parsed.get("web_login")),
            tls_cert=parsed.get("tls_cert") or None,
            tls_key=parsed.get("tls_key") or None,
            userclass_picker_is_active=bool(parsed.get("class_picker")),
            _serving=True,
        )
    # As Locust: a history point every HISTORY_STATS_INTERVAL_SEC
    # (environment.stats.history) while the test runs.
    gevent.spawn(stats_history, env.runner)
    found = []
    shapes = []
    for module in _modules:
        for value in vars(module).values():
            if not isinstance(value, type):
                continue
            if issubclass(value, User) and not value.abstract and value not in found:
                found.append(value)
            elif issubclass(value, LoadTestShape) and not value.abstract and value not in shapes:
                shapes.append(value)
    if not found:
        # As Locust: without User classes, a file's pytest test functions are the users.
        found = pytest_users(_modules)
        if isinstance(found, str):
            return found
    names = {}
    for cls in found:
        if cls.__name__ in names:
            return f"Duplicate user class names: {cls.fullname()} is defined in both {names[cls.__name__].fullname()} and {cls.fullname()}"
        names[cls.__name__] = cls
        if not callable(cls.wait_time):
            return (
                f"{cls.__name__}.wait_time must be a function (e.g. wait_time = between(1, 5)), "
                f"not {cls.wait_time!r}"
            )
    tags = set(options["tags"]) if options["tags"] is not None else None
    exclude = set(options["exclude_tags"]) if options["exclude_tags"] is not None else None
    if tags is not None or exclude is not None:
        seen = {}
        for cls in found:
            _filter_tasks(cls, tags, exclude, seen)
            if not cls.tasks:
                logging.warning("%s had no tasks left after filtering, instantiating it will fail!", cls.__name__)
    for cls in found:
        _run.classes[cls.__name__] = cls
        _run.users[cls.__name__] = []
    env.user_classes = found
    env.available_user_classes = {cls.__name__: cls for cls in found}
    env.available_user_tasks = {cls.__name__: list(cls.tasks) for cls in found}
    for shape_class in shapes:
        if shape_class.__name__ in _run.shapes:
            return f"Duplicate shape classes: {shape_class.__name__} is defined twice"
        try:
            shape = shape_class()
        except Exception as error:  # noqa: BLE001
            return f"Could not create the load shape {shape_class.__name__}: {error!r}"
        shape.runner = env.runner
        _run.shapes[shape_class.__name__] = shape
    # The first shape runs unless the web UI's class picker chooses another.
    env.shape_class = next(iter(_run.shapes.values()), None)
    return ([_describe(cls) for cls in found], list(_run.shapes))


def _describe(cls):
    """A user class as JSON for the engine: its ClassDescriptor, and whether it needs a host."""
    return json.dumps(
        {
            "name": cls.__name__,
            "weight": float(cls.weight),
            "fixed_count": int(cls.fixed_count),
            "host": cls.host or None,
            "needs_host": issubclass(cls, (HttpUser, FastHttpUser)),
            "task_ratios": _ratios(cls.tasks),
            "available_tasks": list(dict.fromkeys(_task_name(task) for task in _run.environment.available_user_tasks[cls.__name__])),
        }
    )


def _update_class(encoded, answer):
    """Applies a class's new settings (--config-users, the web UI); answers
    with the class as it is now, or an error text."""
    settings = json.loads(encoded)
    try:
        _run.environment.update_user_class(settings)
        cls = _run.environment.available_user_classes[settings["user_class_name"]]
        answer.send_result(True, _describe(cls))
    except Exception as error:  # noqa: BLE001 - a message for the user
        answer.send_result(False, f"Error applying user config to {settings.get('user_class_name')}: {error}")


def _fire(name, kwargs, answer):
    env = _run.environment
    try:
        hook = getattr(env.events, name)
        if name == "init":
            hook.fire(environment=env, runner=env.runner, web_ui=env.web_ui)
        elif name in ("test_start", "test_stopping", "test_stop"):
            if name == "test_start":
                for shape in _run.shapes.values():
                    shape.reset_time()
            hook.fire(environment=env)
        elif name == "quitting":
            hook.fire(reverse=True, environment=env)
            _apply_exit_code_on_error(env)
            if env.runner is not None:
                env.runner._quit_event.set()
        elif name == "spawning_complete":
            hook.fire(user_count=int(kwargs["user_count"]))
        elif name == "quit":
            hook.fire(exit_code=int(kwargs["exit_code"]))
        elif name == "usage_monitor":
            hook.fire(environment=env, cpu_usage=kwargs["cpu_usage"], memory_usage=int(kwargs["memory_usage"]))
        elif name == "cpu_warning":
            hook.fire(environment=env, cpu_usage=kwargs["cpu_usage"])
        else:
            hook.fire()
    except StopTest:
        _native.quit(f"StopTest raised in a {name} listener")
    except SystemExit as exit_request:
        _lifecycle.request_exit(exit_request, f"a listener of {name}")
    except Exception as error:  # noqa: BLE001
        logging.error("Uncaught exception in event handler: \n%s", format_user_traceback(error))
        _native.unhandled_error()
    finally:
        # The process may end right after the last event: nothing printed is lost.
        _flush_output()
        answer.send()


def _apply_exit_code_on_error(env):
    """A quitting listener that changed parsed_options.exit_code_on_error
    (as locust-plugins' checks do) decides the exit code after failures,
    unless user code set one."""
    wanted = getattr(env.parsed_options, "exit_code_on_error", _exit_code_on_error)
    if wanted == _exit_code_on_error or _native.exit_code() is not None:
        return
    if env.stats.total.num_failures > 0 or _native.stats_exceptions():
        _native.set_exit_code(int(wanted))


def _flush_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stream is not our problem
            pass


def _tick(shape_name, run_time, user_count, answer):
    result = None
    try:
        shape = _run.shapes[shape_name]
        _run.environment.shape_class = shape
        shape._user_count = user_count
        tick = shape.tick()
        if tick is not None:
            if len(tick) == 2:
                users, rate = tick
                classes = None
            else:
                users, rate, classes = tick
                if classes is not None:
                    classes = [c.__name__ if isinstance(c, type) else str(c) for c in classes]
            result = (int(users), float(rate), classes)
    except Exception as error:  # noqa: BLE001 - a broken shape ends the test, with its traceback
        logging.error("The load shape's tick() raised; stopping the test:\n%s", format_user_traceback(error))
        _native.unhandled_error()
    finally:
        answer.send(result)


def _filter_class_tasks(settings):
    """Applies a master's --tags/--exclude-tags to one class (a worker without its own)."""
    settings = json.loads(settings)
    tags = set(settings["tags"]) if settings["tags"] is not None else None
    exclude = set(settings["exclude_tags"]) if settings["exclude_tags"] is not None else None
    cls = _run.classes[settings["class"]]
    _filter_tasks(cls, tags, exclude, {})
    if not cls.tasks:
        logging.warning("%s had no tasks left after filtering, instantiating it will fail!", cls.__name__)


def _worker_report(data, client_id):
    """A worker's statistics report reached this master: Locust's worker_report."""
    hook = _run.environment.events.worker_report
    if hook._handlers:
        hook.fire(client_id=client_id, data=json.loads(data))


def _custom_message(kind, data, node_id):
    """A custom message from another process, to the listener registered for it."""
    _run.environment.runner._deliver(Message(kind, json.loads(data), node_id))


def _on_mailbox():
    completed, commands = _native.drain()
    if completed:
        clients._deliver(completed)
    for command in commands:
        kind = command[0]
        try:
            if kind == "spawn":
                _lifecycle.spawn(command[1], command[2], command[3])
            elif kind == "stop":
                _lifecycle.stop(command[1], command[2], command[3])
            elif kind == "kill_all":
                _lifecycle.kill_all()
            elif kind == "event":
                gevent.spawn(_fire, command[1], command[2], command[3])
            elif kind == "shape":
                gevent.spawn(_tick, command[1], command[2][0], command[2][1], command[3])
            elif kind == "options":
                set_options(command[1])
                command[3].send(None)
            elif kind == "update_class":
                _update_class(command[1], command[3])
            elif kind == "filter_tasks":
                _filter_class_tasks(command[1])
                command[3].send(None)
            elif kind == "wsgi":
                gevent.spawn(web._serve_wsgi, command[1], command[3])
            elif kind == "after_request":
                gevent.spawn(web._after_request, command[1], command[2], command[3])
            elif kind == "message":
                _custom_message(command[1], command[2], command[3])
            elif kind == "worker_report":
                _worker_report(command[1], command[2])
        except Exception:  # noqa: BLE001
            logging.error("locusta: could not handle %s:\n%s", kind, traceback.format_exc())


_mailbox_watcher = None


def watch_mailbox():
    """Lets the hub drain the mailbox whenever Rust posts to it (once)."""
    global _mailbox_watcher
    if _mailbox_watcher is None:
        _mailbox_watcher = gevent.get_hub().loop.io(_native.mailbox_fd(), 1)
        _mailbox_watcher.start(_on_mailbox)


def serve():
    """Runs the hub: watches the mailbox and never returns."""
    watch_mailbox()
    forever = gevent.event.Event()
    while True:
        try:
            forever.wait()
        except SystemExit as exit_request:
            # gevent hands a greenlet's SystemExit to this (main) greenlet.
            _lifecycle.request_exit(exit_request, "a greenlet")
        except KeyboardInterrupt:
            pass


def run_script(argv):
    """Runs argv[0] as `__main__`, as `python FILE ARGS...` would; returns the
    exit code (SystemExit's, 1 after an uncaught exception, with its traceback
    on stderr, 130 after Ctrl-C)."""
    _run.script_mode = True
    # The script's requests and events.request.fire count in statistics of
    # its own (environment.stats), and responses arrive through the mailbox.
    _native.script_mode()
    watch_mailbox()
    path = os.path.abspath(argv[0])
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(path))
    # Python's own Ctrl-C: a KeyboardInterrupt in the main greenlet.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    hub = gevent.get_hub()
    # The hub hands it to the main greenlet without printing it first.
    hub.NOT_ERROR = tuple(hub.NOT_ERROR) + (KeyboardInterrupt,)
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = __builtins__
    module.__spec__ = None
    sys.modules["__main__"] = module
    try:
        with tokenize.open(path) as source_file:
            source = source_file.read()
        exec(compile(source, path, "exec"), module.__dict__)
        code = 0
    except SystemExit as exit_request:
        code = _script_exit_code(exit_request.code)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", file=sys.stderr)
        code = 130
    except BaseException as error:  # noqa: BLE001 - reported as Python would
        print(format_user_traceback(error).rstrip(), file=sys.stderr)
        code = 1
    _flush_output()
    return code


def _script_exit_code(code):
    """The exit code of SystemExit(code), by Python's rules."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


# --- Locust's public names of locust.main, for scripts and tools ---

from locust.argument_parser import get_locustfiles_locally, get_parser, parse_locustfile_option  # noqa: E402,F401
from locust.html import get_html_report, process_html_filename  # noqa: E402,F401
from locust.input_events import input_listener  # noqa: E402,F401
from locust.log import greenlet_exception_logger, setup_logging  # noqa: E402,F401
from locust.opentelemetry import setup_opentelemetry  # noqa: E402,F401
from locust.user.inspectuser import print_task_ratio, print_task_ratio_json  # noqa: E402,F401
from locust.util.load_locustfile import load_locustfile, load_locustfile_pytest, pytest_users  # noqa: E402,F401

version = _native.__version__

COMMON_OPTIONS = {
    "num_users": "users",
    "spawn_rate": "spawn-rate",
    "run_time": "run-time",
}


def create_environment(user_classes, options, events=None, shape_class=None, locustfile=None,
                       parsed_locustfiles=None, available_user_classes=None, available_shape_classes=None,
                       available_user_tasks=None):
    """An Environment from parsed options (host, reset_stats, profile)."""
    return Environment(
        locustfile=locustfile,
        user_classes=user_classes,
        shape_class=shape_class,
        events=events,
        host=getattr(options, "host", None),
        reset_stats=getattr(options, "reset_stats", False),
        parsed_options=options,
        parsed_locustfiles=parsed_locustfiles,
        available_user_classes=available_user_classes,
        available_shape_classes=available_shape_classes,
        available_user_tasks=available_user_tasks,
        profile=getattr(options, "profile", None),
    )


def merge_locustfiles_content(locustfiles):
    """Imports the locustfiles and merges what they define: ({name: user
    class}, {name: shape}, {name: tasks}, the shape to use or None); a class
    name defined twice (in different files) stops with an error."""
    users, shapes, tasks = {}, {}, {}
    for path in locustfiles:
        found_users, found_shapes = load_locustfile(path)
        for name, cls in found_users.items():
            if name in users and users[name] is not cls:
                sys.stderr.write(f"Duplicate user class names: {name} is defined in {path} and elsewhere\n")
                sys.exit(1)
            users[name] = cls
            tasks[name] = list(cls.tasks)
        for shape in found_shapes:
            shapes[type(shape).__name__] = shape
    shape = next(iter(shapes.values())) if len(shapes) == 1 else None
    return users, shapes, tasks, shape


def _locusta_program():
    """The path of the `locusta` program: this process's own when it is
    locusta (the embedding binary), else `locusta` on PATH, else None."""
    try:
        this = os.readlink("/proc/self/exe")
    except OSError:
        this = ""
    if os.path.basename(this).startswith("locusta"):
        return this
    return shutil.which("locusta")


def main():
    """Locust's command-line entry point: runs locusta's command line with
    `sys.argv[1:]`, in place of this process (as `locusta ARGS…` would); the
    test's exit code is the process's."""
    if not _run.script_mode:
        raise NotImplementedError("locusta: locust.main.main() cannot start a test from inside a running test")
    program = _locusta_program()
    if program is None:
        raise NotImplementedError("locusta: locust.main.main() needs the `locusta` program, which was not found")
    _flush_output()
    os.execv(program, [program] + [str(arg) for arg in sys.argv[1:]])

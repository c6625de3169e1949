"""Environment: what every part of a test shares (user classes, events,
statistics, the runner, the options)."""

import logging

from locusta import _native

from locust import _run
from locust.dispatch import UsersDispatcher  # noqa: F401
from locust.event import Events
from locust.event import events as _global_events
from locust.exception import RunnerAlreadyExistsError
from locust.runners import LocalRunner, MasterRunner, Runner, WorkerRunner, create_runner  # noqa: F401
from locust.shape import LoadTestShape  # noqa: F401
from locust.stats import RequestStats, StatsCSV  # noqa: F401
from locust.task import TaskHolder, TaskSet, filter_tasks_by_tags
from locust.users import User  # noqa: F401
from locust.web import WebUI  # noqa: F401

# The statistics classes lived here before locust.stats had them.
from locust.stats import StatsEntry, StatsError  # noqa: F401,E402

Stats = RequestStats


class Environment:
    """Settings, events, statistics and the runner of a test."""

    def __init__(
        self,
        *,
        user_classes=None,
        shape_class=None,
        tags=None,
        locustfile=None,
        exclude_tags=None,
        events=None,
        host=None,
        reset_stats=False,
        stop_timeout=None,
        catch_exceptions=True,
        parsed_options=None,
        parsed_locustfiles=None,
        available_user_classes=None,
        available_shape_classes=None,
        available_user_tasks=None,
        dispatcher_class=UsersDispatcher,
        profile=None,
        **_ignored,
    ):
        self.runner = None
        self.web_ui = None
        self.process_exit_code_set = False
        self.user_classes = list(user_classes or [])
        self.shape_class = shape_class
        self.tags = tags
        self.exclude_tags = exclude_tags
        self.events = events or _global_events
        self.locustfile = locustfile
        self.host = host
        self.reset_stats = reset_stats
        self.stop_timeout = stop_timeout
        self.catch_exceptions = catch_exceptions
        self.parsed_options = parsed_options
        self.parsed_locustfiles = parsed_locustfiles
        self.available_user_classes = available_user_classes or {cls.__name__: cls for cls in self.user_classes}
        self.available_shape_classes = available_shape_classes or {}
        self.available_user_tasks = available_user_tasks or {
            cls.__name__: list(cls.tasks) for cls in self.user_classes
        }
        self.dispatcher_class = dispatcher_class
        self.profile = profile
        self.stats = RequestStats()
        self.worker_logs = {}
        self._remove_user_classes_with_weight_zero()
        self._validate_user_class_name_uniqueness()
        self._validate_shape_class_instance()
        if self.tags is not None or self.exclude_tags is not None:
            self._filter_tasks_by_tags()

    def _filter_tasks_by_tags(self):
        for cls in self.user_classes:
            filter_tasks_by_tags(cls, self.tags, self.exclude_tags)

    def _remove_user_classes_with_weight_zero(self):
        """User classes of weight 0 (and no fixed count) never run: they are dropped."""
        if not self.user_classes:
            return
        kept = [cls for cls in self.user_classes if cls.weight != 0 or getattr(cls, "fixed_count", 0)]
        if not kept:
            raise ValueError("There are no users with weight > 0.")
        self.user_classes = kept

    def _validate_user_class_name_uniqueness(self):
        seen = {}
        for cls in self.user_classes:
            other = seen.setdefault(cls.__name__, cls)
            if other is not cls:
                raise ValueError(
                    f"The following user classes have the same class name: {cls.fullname()}, {other.fullname()}"
                )

    def _validate_shape_class_instance(self):
        if self.shape_class is not None and not isinstance(self.shape_class, LoadTestShape):
            raise ValueError(
                "shape_class should be instance of LoadTestShape or subclass LoadTestShape, "
                f"but got: {self.shape_class!r}"
            )

    def update_worker_logs(self, worker_log_report):
        """Keeps a worker's log lines: {"worker_id": …, "logs": [...]}."""
        worker_id = worker_log_report.get("worker_id")
        if worker_id:
            self.worker_logs[worker_id] = worker_log_report.get("logs", [])

    @property
    def user_classes_by_name(self):
        """The user classes, by class name."""
        return {cls.__name__: cls for cls in self.user_classes}

    @property
    def thresholds(self):
        """locusta's thresholds declared by user code (docs/thresholds.md):
        `environment.thresholds.append("p95 < 300ms")` in an init or
        test_start listener. A malformed one raises ValueError naming the
        bad part; they are judged with the command line's from the next
        test start on."""
        return _Thresholds(_native.thresholds())

    @thresholds.setter
    def thresholds(self, expressions):
        known = _native.thresholds()
        for expression in expressions:
            if expression not in known:
                _native.add_threshold(str(expression))

    @property
    def process_exit_code(self):
        """The exit code user code set (wins over every other rule), or None."""
        if _run.script_mode:
            return getattr(self, "_script_exit_code", None)
        return _native.exit_code()

    @process_exit_code.setter
    def process_exit_code(self, code):
        self.process_exit_code_set = code is not None
        if _run.script_mode:
            self._script_exit_code = code
            return
        _native.set_exit_code(None if code is None else int(code))

    def update_user_class(self, user_settings):
        """Applies settings to a user class (as --config-users and the web UI's
        per-class settings do): `tasks` keeps the named tasks of the class's
        original list, every other key is set as a class attribute."""
        name = user_settings.get("user_class_name")
        if name not in self.available_user_classes:
            raise KeyError(f"there is no user class named {name}")
        cls = self.available_user_classes[name]
        for key, value in user_settings.items():
            if key == "user_class_name":
                continue
            if key == "tasks":
                originals = self.available_user_tasks[name]
                known = [getattr(task, "__name__", repr(task)) for task in originals]
                unknown = [task for task in value if task not in known]
                if unknown:
                    listed = ", ".join(dict.fromkeys(known))
                    raise ValueError(f"{name} has no task named {', '.join(unknown)} (its tasks: {listed})")
                cls.tasks = [task for task, task_name in zip(originals, known) if task_name in value]
            else:
                setattr(cls, key, value)

    def _create_runner(self, role, address=None):
        if self.runner is not None:
            raise RunnerAlreadyExistsError(f"Environment.runner already exists ({self.runner})")
        if address is not None:
            # locusta's events, custom messages and (on a worker) users go
            # to this environment, as to a `locusta -f` run's.
            _run.host_environment(self)
        self.runner = create_runner(self, role, address)
        return self.runner

    def create_local_runner(self):
        """The runner of this process: in a `locusta -f` run, locusta's own
        (a master's or a worker's in a distributed test); in a script
        (`locusta --python`), a LocalRunner that runs the user classes here."""
        if self.runner is not None and not _run.script_mode:
            return self.runner
        options = self.parsed_options
        if _run.script_mode:
            role = "local"
        elif getattr(options, "master", False):
            role = "master"
        elif getattr(options, "worker", False):
            role = "worker"
        else:
            role = "local"
        return self._create_runner(role)

    def create_master_runner(self, master_bind_host="*", master_bind_port=5557):
        """A master's runner: in a `locusta --master` run, that run's; in a
        script, locusta's master, started in this process and listening for
        workers on master_bind_host:master_bind_port."""
        if _run.script_mode:
            return self._create_runner("master", (master_bind_host, master_bind_port))
        return self._create_runner("master")

    def create_worker_runner(self, master_host, master_port):
        """A worker's runner: in a `locusta --worker` run, that run's; in a
        script, locusta's worker, connected from this process to the master
        at master_host:master_port, running this environment's user classes."""
        if _run.script_mode:
            return self._create_runner("worker", (master_host, master_port))
        return self._create_runner("worker")

    def create_web_ui(self, host="", port=8089, web_base_path=None, web_login=False, tls_cert=None, tls_key=None,
                      stats_csv_writer=None, delayed_start=False, userclass_picker_is_active=False, build_path=None):
        """The web UI: in a `locusta -f` run with its web UI, the one locusta
        serves (environment.web_ui); in a script, locusta's web UI started in
        this process on host:port, showing this environment's test and
        driving its runner (web_login: HTTP basic authentication, its
        'username:password' the string given or LOCUSTA_WEB_LOGIN)."""
        if self.web_ui is not None:
            return self.web_ui
        return WebUI(self, host, port, web_base_path, web_login, tls_cert, tls_key, stats_csv_writer,
                     delayed_start, userclass_picker_is_active, build_path)

    def assign_equal_weights(self):
        """Gives every user class (and task) the same weight."""
        for cls in self.user_classes:
            cls.weight = 1
            seen = []
            for task in cls.tasks:
                if task not in seen:
                    seen.append(task)
            cls.tasks = seen

    def _log(self):
        return logging.getLogger(__name__)


class _Thresholds(list):
    """`environment.thresholds`: a list whose append and extend declare
    thresholds to locusta (`+=` goes through the property's setter)."""

    def append(self, expression):
        _native.add_threshold(str(expression))
        super().append(expression)

    def extend(self, expressions):
        for expression in expressions:
            self.append(expression)

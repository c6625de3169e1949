"""Environment: what every part of a test shares."""

import hashlib

from locusta import _native

from locust.event import events as _global_events


class StatsEntry:
    """One row of the statistics (read when created), with Locust's attributes."""

    def __init__(self, method, name):
        self._method = method
        self._name = name
        values = _native.stats_entry(method, name) or {}
        self.name = values.get("name", name or "Aggregated")
        self.method = values.get("method", method or "")
        for key in (
            "num_requests", "num_none_requests", "num_failures", "total_response_time",
            "avg_response_time", "min_response_time", "max_response_time",
            "median_response_time", "total_content_length", "avg_content_length",
            "fail_ratio", "total_rps", "total_fail_per_sec", "current_rps",
            "current_fail_per_sec",
        ):
            setattr(self, key, values.get(key, 0))

    def get_response_time_percentile(self, percent):
        """The response time (ms) below which `percent` (0..1) of the requests fall."""
        values = _native.stats_entry(self._method, self._name, [float(percent)]) or {}
        return values.get("percentiles", {}).get(float(percent), 0)

    def get_current_response_time_percentile(self, percent):
        """As get_response_time_percentile (locusta's percentiles are exact over the run)."""
        return self.get_response_time_percentile(percent)

    def __repr__(self):
        return f"<StatsEntry {self.method} {self.name}: {self.num_requests} requests>"


class StatsError:
    """One group of failed requests (Locust's StatsError): method, name, the
    error text, occurrences, and when it was first and last seen."""

    def __init__(self, method, name, error, occurrences, first_seen, last_seen):
        self.method = method
        self.name = name
        self.error = error
        self.occurrences = occurrences
        self.first_seen = first_seen
        self.last_seen = last_seen

    @staticmethod
    def create_key(method, name, error):
        """Locust's key of a failure group."""
        return hashlib.sha256(f"{method}.{name}.{error!r}".encode()).hexdigest()

    def to_name(self):
        """The error report's text: `METHOD name: error`."""
        return f"{self.method} {self.name}: {self.error}"

    def to_dict(self):
        """Locust's dict of a failure group."""
        return {
            "method": self.method,
            "name": self.name,
            "error": self.error,
            "occurrences": self.occurrences,
        }

    def __repr__(self):
        return f"<StatsError {self.to_name()}: {self.occurrences}>"


class Stats:
    """The statistics as Python sees them (kept in Rust; read on access)."""

    @property
    def errors(self):
        """Every failure group, by Locust's key."""
        groups = (StatsError(*values) for values in _native.stats_errors())
        return {StatsError.create_key(e.method, e.name, e.error): e for e in groups}

    @property
    def total(self):
        """The Aggregated row."""
        return StatsEntry(None, None)

    @property
    def entries(self):
        """Every row, by (name, method) as Locust keys them."""
        return {(name, method): StatsEntry(method, name) for method, name in _native.stats_names()}

    def get(self, name, method):
        """The row of a request name and method."""
        return StatsEntry(method, name)

    @property
    def num_requests(self):
        """Requests so far."""
        return self.total.num_requests

    @property
    def num_failures(self):
        """Failures so far."""
        return self.total.num_failures

    def log_exception(self, message, traceback_text, node="local"):
        """Adds an entry to the exceptions table."""
        _native.log_exception(str(message), str(traceback_text))


class Environment:
    """Settings, events, statistics and the runner of a test."""

    def __init__(
        self,
        *,
        user_classes=None,
        shape_class=None,
        tags=None,
        exclude_tags=None,
        events=None,
        host=None,
        reset_stats=False,
        stop_timeout=None,
        catch_exceptions=True,
        parsed_options=None,
        **_ignored,
    ):
        self.user_classes = user_classes or []
        self.available_user_classes = {cls.__name__: cls for cls in self.user_classes}
        self.available_user_tasks = {cls.__name__: list(cls.tasks) for cls in self.user_classes}
        self.shape_class = shape_class
        self.tags = tags
        self.exclude_tags = exclude_tags
        self.events = events or _global_events
        self.host = host
        self.reset_stats = reset_stats
        self.stop_timeout = stop_timeout
        self.catch_exceptions = catch_exceptions
        self.parsed_options = parsed_options
        self.runner = None
        self.web_ui = None
        self.stats = Stats()
        self.worker_logs = {}

    @property
    def process_exit_code(self):
        """The exit code user code set (wins over every other rule), or None."""
        return _native.exit_code()

    @process_exit_code.setter
    def process_exit_code(self, code):
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

    def create_local_runner(self):
        """The runner of this process (a master's or a worker's in a
        distributed test)."""
        from locust.runners import create_runner

        if self.runner is None:
            options = self.parsed_options
            if getattr(options, "master", False):
                role = "master"
            elif getattr(options, "worker", False):
                role = "worker"
            else:
                role = "local"
            self.runner = create_runner(self, role)
        return self.runner

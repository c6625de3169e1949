"""Environment: what every part of a test shares."""

import locusta as _native

from locust.event import events as _global_events


class _StatsEntry:
    def __init__(self, totals):
        self.num_requests, self.num_failures, self.avg_response_time, self.total_rps, self.fail_ratio = totals


class Stats:
    """The statistics as Python sees them: totals (the full tables are in Rust)."""

    @property
    def total(self):
        """The Aggregated row: num_requests, num_failures, avg_response_time, total_rps, fail_ratio."""
        return _StatsEntry(_native.total_stats())

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

    def create_local_runner(self):
        """The runner of this process."""
        from locust.runners import LocalRunner

        if self.runner is None:
            self.runner = LocalRunner(self)
        return self.runner

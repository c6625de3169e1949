"""The runner as Python code sees it (`environment.runner`), and Locust's state names."""

import locusta as _native

STATE_INIT = "ready"
STATE_SPAWNING = "spawning"
STATE_RUNNING = "running"
STATE_CLEANUP = "cleanup"
STATE_STOPPING = "stopping"
STATE_STOPPED = "stopped"
STATE_MISSING = "missing"


class Runner:
    """A view of locusta's runner (the engine's, in Rust)."""

    def __init__(self, environment):
        self.environment = environment
        self.exceptions = {}
        self.worker_index = 0
        self.worker_count = 1

    @property
    def state(self):
        """ready, spawning, running, stopping or stopped."""
        return _native.runner_status()[0]

    @property
    def user_count(self):
        """Users alive now."""
        return _native.runner_status()[1]

    @property
    def target_user_count(self):
        """The user count of the current ramp."""
        return _native.runner_status()[2]

    @property
    def user_classes_count(self):
        """Users alive now, per class name."""
        return dict(_native.user_classes_count())

    @property
    def stats(self):
        """The statistics."""
        return self.environment.stats

    @property
    def user_greenlets(self):
        """The users' greenlets."""
        from locust import main

        return [user._greenlet for users in main._users.values() for user in users]

    def quit(self):
        """Ends the test (the reports are still written)."""
        _native.quit("runner.quit() called")

    def stop(self):
        """Ends the test."""
        _native.quit("runner.stop() called")

    def send_message(self, *args, **kwargs):
        """Distributed-mode messages are not available in a local run."""

    def register_message(self, *args, **kwargs):
        """Distributed-mode messages are not available in a local run."""


class LocalRunner(Runner):
    """The runner of a local (single-process) test."""


class MasterRunner(Runner):
    """Distributed mode is not available in this version."""


class WorkerRunner(Runner):
    """Distributed mode is not available in this version."""

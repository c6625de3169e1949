"""LoadTestShape: a locustfile's own load profile, ticked about once per second."""

import time

from locust.runners import Runner  # noqa: F401


class LoadTestShapeMeta(type):
    """Classes that do not set `abstract` are concrete."""

    def __new__(mcs, name, bases, namespace):
        namespace.setdefault("abstract", False)
        return super().__new__(mcs, name, bases, namespace)


class LoadTestShape(metaclass=LoadTestShapeMeta):
    """Subclass it and implement tick() -> (users, spawn_rate[, user_classes]) or None."""

    abstract = True
    use_common_options = False
    runner = None

    def __init__(self):
        self.start_time = time.monotonic()
        self._user_count = 0

    def reset_time(self):
        """Restarts get_run_time() from 0."""
        self.start_time = time.monotonic()

    def get_run_time(self):
        """Seconds since the shape started."""
        return time.monotonic() - self.start_time

    def get_current_user_count(self):
        """Users running now."""
        return self._user_count

    def tick(self):
        """The wanted load now, or None to stop the test."""
        raise NotImplementedError("LoadTestShape subclasses must implement tick()")

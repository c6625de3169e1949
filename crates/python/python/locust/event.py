"""Event hooks: `events.request`, `events.test_start`, … (locusta's own implementation).

Listeners run on the Python thread, inside the gevent hub, and receive keyword
arguments only. Events the engine fires (test_start, spawning_complete, quit, …)
are delivered here by locusta and awaited before the engine goes on.
"""

import logging
import time
import traceback
from contextlib import contextmanager

from locusta import _native

from locust.exception import (
    CatchResponseError,
    InterruptTaskSet,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopTest,
    StopUser,
)

_PROPAGATED = (StopUser, StopTest, RescheduleTask, RescheduleTaskImmediately, InterruptTaskSet)


def format_user_traceback(error):
    """The traceback of an error in user code, without locusta's own frames."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith("<locusta>")
    ]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines)


class EventHook:
    """A list of listeners called in order with keyword arguments."""

    def __init__(self):
        self._handlers = []

    def add_listener(self, handler):
        """Adds a listener; usable as a decorator."""
        self._handlers.append(handler)
        return handler

    def remove_listener(self, handler):
        """Removes a listener."""
        self._handlers.remove(handler)

    @contextmanager
    def measure(self, request_type, name, response_length=0, context=None):
        """Times the block and fires this hook with a request's arguments; an
        exception in the block makes it a failure and is swallowed. Yields the
        mutable request_meta."""
        start_time = time.time()
        start = time.perf_counter()
        meta = {
            "request_type": request_type,
            "name": name,
            "response_length": response_length,
            "context": context or {},
            "exception": None,
            "start_time": start_time,
            "response": None,
            "url": None,
        }
        try:
            yield meta
        except Exception as error:  # noqa: BLE001 - swallowed, as Locust does
            meta["exception"] = error
        meta["response_time"] = (time.perf_counter() - start) * 1000.0
        self.fire(**meta)

    def fire(self, *, reverse=False, **kwargs):
        """Calls every listener; an error is logged and sets the exit code to 2."""
        handlers = list(reversed(self._handlers)) if reverse else list(self._handlers)
        for handler in handlers:
            try:
                handler(**kwargs)
            except _PROPAGATED:
                raise
            except Exception as error:
                logging.error("Uncaught exception in event handler: \n%s", format_user_traceback(error))
                _native.unhandled_error()


class DeprecatedEventHook(EventHook):
    """An event kept for old locustfiles; adding a listener warns."""

    def __init__(self, message):
        super().__init__()
        self.message = message

    def add_listener(self, handler):
        logging.warning(self.message)
        return super().add_listener(handler)


class RequestEventHook(EventHook):
    """`events.request`: firing it records the request in locusta's statistics
    (recorded in Rust), then calls the Python listeners."""

    def fire(self, *, reverse=False, **kwargs):
        """Records one request and notifies the listeners (Locust's arguments:
        request_type, name, response_time, response_length, response, context,
        exception, start_time, url)."""
        exception = kwargs.get("exception")
        response_time = kwargs.get("response_time")
        start_time = kwargs.get("start_time")
        if start_time is None:
            start_time = time.time() - (response_time or 0) / 1000.0
        _native.record(
            str(kwargs.get("request_type", "")),
            str(kwargs.get("name", "")),
            None if response_time is None else float(response_time),
            int(kwargs.get("response_length") or 0),
            None if exception is None else _failure_text(exception),
            float(start_time),
            str(kwargs.get("url") or ""),
        )
        if self._handlers:
            kwargs.setdefault("context", {})
            kwargs.setdefault("response", None)
            kwargs.setdefault("exception", None)
            kwargs.setdefault("start_time", start_time)
            kwargs.setdefault("url", None)
            super().fire(reverse=reverse, **kwargs)

    def _notify(self, **kwargs):
        """Calls the listeners only (the request is recorded already)."""
        super().fire(**kwargs)


def _failure_text(exception):
    """The failure group text of an exception or message (Locust unwraps
    CatchResponseError to its message)."""
    if isinstance(exception, CatchResponseError):
        return str(exception)
    if isinstance(exception, BaseException):
        return repr(exception)
    return str(exception)


class Events:
    """Every event hook of a test."""

    def __init__(self):
        self.request = RequestEventHook()
        self.user_error = EventHook()
        self.report_to_master = EventHook()
        self.worker_report = EventHook()
        self.worker_connect = EventHook()
        self.spawning_complete = EventHook()
        self.quitting = EventHook()
        self.quit = EventHook()
        self.init = EventHook()
        self.init_command_line_parser = EventHook()
        self.test_start = EventHook()
        self.test_stopping = EventHook()
        self.test_stop = EventHook()
        self.reset_stats = EventHook()
        self.cpu_warning = EventHook()
        self.usage_monitor = EventHook()
        self.heartbeat_sent = EventHook()
        self.heartbeat_received = EventHook()
        self.request_success = DeprecatedEventHook(
            "request_success event deprecated. Use the request event."
        )
        self.request_failure = DeprecatedEventHook(
            "request_failure event deprecated. Use the request event."
        )

events = Events()
"""The global event hooks (`locust.events`)."""

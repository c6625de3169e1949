"""run_single_user: one user of a class, run in the script itself, for
stepping through it in a debugger (`locusta --python my_locustfile.py`)."""

import inspect
import logging
import os
import socket
import sys
import types
from datetime import datetime, timezone

from locust import _run, clients
from locust import main as _main
from locust.env import Environment
from locust.event import events
from locust.exception import CatchResponseError, RescheduleTask, StopTest  # noqa: F401

UTC = timezone.utc

# The environment of every run_single_user call of the script: made, and
# `init` fired, by the first call.
_environment = None


class _RequestPrinter:
    """Prints each request as one tab-separated line (the optional columns in
    the order Locust prints them)."""

    def __init__(self, length, time, context, payload):
        self.length = length
        self.time = time
        self.context = context
        self.payload = payload

    def header(self):
        """The column titles, after an empty line (with Locust's empty
        column after `exception`, whatever is asked)."""
        return (
            "\n"
            + ("time".ljust(24) + "\t" if self.time else "")
            + "type\t"
            + "name".ljust(50)
            + "\tresp_ms\t"
            + ("length\t" if self.length else "")
            + "exception\t"
            + ("context\t" if self.context else "")
            + "\t"
            + ("payload\t" if self.payload else "")
        )

    def on_request(
        self,
        request_type,
        name,
        response_time,
        response_length,
        exception=None,
        context=None,
        start_time=None,
        response=None,
        **_other,
    ):
        """One request's line."""
        columns = []
        if self.time:
            when = (
                datetime.fromtimestamp(start_time, tz=timezone.utc)
                if start_time
                else datetime.now()
            )
            columns.append(str(when))
        columns.append(str(request_type))
        columns.append((name or "").ljust(50))
        columns.append(str(round(-1 if response_time is None else response_time)).ljust(7))
        if self.length:
            columns.append(str(response_length))
        columns.append(_exception_text(exception).ljust(9))
        if self.context:
            columns.append(str(context or ""))
        if self.payload:
            columns.append(str(getattr(response, "_payload", None)))
        print("\t".join(columns) + "\t")


class PrintListener(_RequestPrinter):
    """Prints each request of `env` as a tab-separated line (what
    run_single_user shows), after a header line."""

    def __init__(self, env, include_length=False, include_time=False, include_context=False, include_payload=False):
        super().__init__(include_length, include_time, include_context, include_payload)
        print(self.header())
        env.events.request.add_listener(self.on_request)


def _exception_text(exception):
    """A failure as one line: a catch_response failure by its message, any
    other exception by its repr, at most 500 characters."""
    if not exception:
        return ""
    if isinstance(exception, CatchResponseError):
        text = str(exception)
    else:
        try:
            text = repr(exception)
        except Exception:  # noqa: BLE001 - a broken __repr__ must not stop the run
            text = f"{type(exception)} (and it has no string representation)"
    return text[:500].replace("\n", " ")


def _host_from_command_line(argv):
    """`-H/--host` among the script's arguments, else LOCUST_HOST, else None."""
    host = None
    words = iter(argv[1:])
    for word in words:
        if word in ("-H", "--host"):
            host = next(words, None)
        elif word.startswith("--host="):
            host = word[len("--host="):]
        elif word.startswith("-H") and len(word) > 2:
            host = word[2:].lstrip("=")
    return host or os.environ.get("LOCUST_HOST") or None


def _setup_logging(level):
    """Log records on stderr, in Locust's format, from `level` up."""
    hostname = socket.gethostname()
    logging.basicConfig(
        level=str(level).upper(),
        format=f"[%(asctime)s] {hostname}/%(levelname)s/%(name)s: %(message)s",
        force=True,
    )


def run_single_user(
    user_class,
    include_length=False,
    include_time=False,
    include_context=False,
    include_payload=False,
    loglevel=None,
):
    """Runs one user of `user_class` in this script until it stops (e.g. a
    task raises StopUser), printing each request as a line. Fires `init` (on
    the first call) and `test_start`, never `test_stop` or `quit`. The host
    is `-H/--host` among the script's arguments, LOCUST_HOST, or the class's
    `host`. Run the script with `locusta --python FILE.py`."""
    global _environment
    if not _run.script_mode:
        raise RuntimeError(
            "run_single_user runs in a script started with `locusta --python FILE.py` "
            "(guard the call with `if __name__ == \"__main__\":` so that `locusta -f` does not run it)"
        )
    if loglevel:
        _setup_logging(loglevel)
    _main.watch_mailbox()
    if _environment is None:
        caller = inspect.stack()[1].filename
        host = _host_from_command_line(sys.argv)
        locustfile = os.path.basename(caller)
        _environment = Environment(
            events=events,
            host=host,
            parsed_options=types.SimpleNamespace(host=host, locustfile=locustfile),
        )
        _environment.locustfile = locustfile
        printer = _RequestPrinter(include_length, include_time, include_context, include_payload)
        clients.keep_payload = bool(include_payload)
        print(printer.header())
        events.request.add_listener(printer.on_request)
        events.init.fire(environment=_environment, runner=None, web_ui=None)
    _environment.user_classes = [user_class]
    events.test_start.fire(environment=_environment)
    if _environment.host:
        user_class.host = _environment.host
    user = user_class(_environment)
    _environment.single_user_instance = user
    try:
        user.run()
    except StopTest:
        pass

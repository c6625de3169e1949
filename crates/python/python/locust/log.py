"""locust.log: logging set-up as Locust configures it, a handler that keeps
the last log lines (for the web UI's log view), and a greenlet exception
logger. In a `locusta -f` run, locusta has already routed Python's logging to
its own logger; `setup_logging` reconfigures it as a script would expect."""

import logging
import logging.config
import os
import re
import socket
from collections import deque

from locusta import _native

from locust import _run

HOSTNAME = re.sub(r"\..*", "", socket.gethostname())

unhandled_greenlet_exception = False
"""Set when a greenlet ended with an exception that nothing handled."""


class LogReader(logging.Handler):
    """Keeps the last 500 formatted records in `logs`; in a script that
    serves locusta's web UI, the page's Logs tab shows them too."""

    def __init__(self):
        super().__init__()
        self.logs = deque(maxlen=500)

    def emit(self, record):
        line = self.format(record)
        self.logs.append(line)
        if _run.script_mode:
            _native.script_web_log(line)


def read_logs_into_web_ui():
    """Makes the root logger keep its lines for a script's web UI (a
    LogReader in Locust's format, unless `setup_logging` added one)."""
    root = logging.getLogger()
    if not any(isinstance(handler, LogReader) for handler in root.handlers):
        reader = LogReader()
        reader.setFormatter(logging.Formatter(f"[%(asctime)s] {HOSTNAME}/%(levelname)s/%(name)s: %(message)s"))
        root.addHandler(reader)


def setup_logging(loglevel, logfile=None):
    """Logs from `loglevel` up, to stderr (or to `logfile`), in Locust's
    format `[time] host/LEVEL/logger: message`, and into a LogReader."""
    level = str(loglevel).upper()
    if not _run.script_mode:
        # In a `locusta -f` run, locusta's own logger writes the records
        # (--loglevel, --logfile): only the level changes.
        logging.getLogger().setLevel(level)
        return
    default = {"format": f"[%(asctime)s] {HOSTNAME}/%(levelname)s/%(name)s: %(message)s"}
    handlers = {
        "console": {"class": "logging.StreamHandler", "formatter": "default"},
        "console_plain": {"class": "logging.StreamHandler", "formatter": "plain"},
        "log_reader": {"class": "locust.log.LogReader", "formatter": "default"},
    }
    outputs = ["console", "log_reader"]
    if logfile:
        directory = os.path.dirname(logfile)
        if directory:
            os.makedirs(directory, exist_ok=True)
        handlers["file"] = {"class": "logging.FileHandler", "filename": logfile, "formatter": "default"}
        outputs = ["file", "log_reader"]
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"default": default, "plain": {"format": "%(message)s"}},
            "handlers": handlers,
            "loggers": {
                "locust": {"handlers": outputs, "level": level, "propagate": False},
                "locust.stats_logger": {
                    "handlers": ["console_plain", "log_reader"],
                    "level": "INFO",
                    "propagate": False,
                },
            },
            "root": {"handlers": outputs, "level": level},
        }
    )


def get_logs():
    """The lines the root logger's LogReader kept, oldest first."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, LogReader):
            return list(handler.logs)
    return []


def greenlet_exception_logger(logger, level=logging.CRITICAL):
    """A function for `greenlet.link_exception` that logs the greenlet's
    exception to `logger` (sys.exit() at INFO at most) and sets
    `unhandled_greenlet_exception`."""

    def exception_handler(greenlet):
        global unhandled_greenlet_exception
        exc_type, exc_value = greenlet.exc_info[0], greenlet.exc_info[1]
        if exc_type is SystemExit:
            logger.log(min(logging.INFO, level), f"sys.exit({exc_value}) called (use log level DEBUG for callstack)")
            logger.log(logging.DEBUG, "Unhandled exception in greenlet: %s", greenlet, exc_info=greenlet.exc_info)
        else:
            logger.log(level, "Unhandled exception in greenlet: %s", greenlet, exc_info=greenlet.exc_info)
        unhandled_greenlet_exception = True

    return exception_handler

"""locusta's `locust` package: Locust's API for locustfiles, run by locusta's
Rust engine (HTTP, scheduling and statistics in Rust)."""

from locusta import _native

from locust import wait_time  # noqa: F401
from locust.checks import check  # noqa: F401
from locust.clients import HTTPError as _HTTPError
from locust.clients import _await, _caught, _stream_error
from locust.contrib.fasthttp import FastHttpUser  # noqa: F401
from locust.debug import run_single_user  # noqa: F401
from locust.event import Events, events  # noqa: F401
from locust.exception import LocustError as _LocustError
from locust.exception import ResponseError as _ResponseError
from locust.shape import LoadTestShape  # noqa: F401
from locust.task import (  # noqa: F401
    MarkovTaskSet,
    SequentialTaskSet,
    TaskSet,
    tag,
    task,
    transition,
    transitions,
)
from locust.users import HttpUser, User  # noqa: F401
from locust.util.deprecation import DeprecatedHttpLocustClass as HttpLocust  # noqa: F401
from locust.util.deprecation import DeprecatedLocustClass as Locust  # noqa: F401
from locust.wait_time import between, constant, constant_pacing, constant_throughput, poisson  # noqa: F401

__version__ = _native.__version__


_native._register(_HTTPError, _LocustError, _ResponseError, _caught, _await, _stream_error)

__all__ = (
    "User",
    "HttpUser",
    "FastHttpUser",
    "TaskSet",
    "SequentialTaskSet",
    "MarkovTaskSet",
    "transition",
    "transitions",
    "task",
    "tag",
    "between",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "poisson",
    "events",
    "LoadTestShape",
    "wait_time",
    "run_single_user",
    "check",
)

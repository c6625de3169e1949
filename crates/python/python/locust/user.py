"""locust.user: the User classes, task decorators and wait-time helpers."""

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
from locust import wait_time  # noqa: F401

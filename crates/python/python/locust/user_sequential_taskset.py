"""locust.user.sequential_taskset: SequentialTaskSet, whose tasks run in the
order they are declared."""

from locust.exception import LocustError  # noqa: F401
from locust.task import SequentialTaskSet, SequentialTaskSetMeta, TaskHolderMeta, TaskSet  # noqa: F401

TaskSetMeta = TaskHolderMeta

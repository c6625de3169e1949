"""locust.user.markov_taskset: MarkovTaskSet, whose next task is drawn from
the weighted transitions of the current one, and the checks applied when
such a set is defined."""

import logging

from locust.exception import (  # noqa: F401
    InvalidTransitionError,
    LocustError,
    MarkovTaskTagError,
    NoMarkovTasksError,
    NonMarkovTaskTransitionError,
)
from locust.task import MarkovTaskSet, MarkovTaskSetMeta, TaskHolderMeta, TaskSet, transition, transitions  # noqa: F401

TaskSetMeta = TaskHolderMeta
MarkovTaskT = object
"""A Markov task: a method decorated with @transition or @transitions."""


def is_markov_task(task):
    """Whether `task` has transitions (@transition/@transitions)."""
    return callable(task) and hasattr(task, "locust_markov_transitions")


def get_markov_tasks(class_dict):
    """The Markov tasks of a class namespace."""
    return [value for value in class_dict.values() if is_markov_task(value)]


def to_weighted_list(transitions):
    """`{name: weight}` as a list with each name repeated `weight` times."""
    return [name for name, weight in transitions.items() for _ in range(int(weight))]


def validate_has_markov_tasks(tasks, classname):
    """Raises NoMarkovTasksError when `tasks` is empty."""
    if not tasks:
        raise NoMarkovTasksError(f"MarkovTaskSet {classname} has no tasks with @transition or @transitions")


def validate_no_tags(task, classname):
    """Raises MarkovTaskTagError when the task has tags."""
    if getattr(task, "locust_tag_set", None):
        raise MarkovTaskTagError(f"Tags are not allowed on Markov tasks ({classname}.{task.__name__})")


def validate_task_name(decorated_func):
    """Warns when on_start/on_stop is a Markov task (it would also run as
    one) and refuses `run`."""
    if decorated_func.__name__ in ("on_start", "on_stop"):
        logging.warning(
            "You have tagged your on_stop/start function with @transition: it runs both as a step and on stop/start"
        )
    if decorated_func.__name__ == "run":
        raise Exception("TaskSet.run() is used by locusta itself: do not override it or give it transitions")


def validate_transitions(tasks, class_dict, classname):
    """Every transition of every task must lead to a Markov task of the class."""
    for task in tasks:
        validate_task_name(task)
        for target in task.locust_markov_transitions:
            if target not in class_dict:
                raise InvalidTransitionError(f"{classname}.{task.__name__} has a transition to {target!r}, which does not exist")
            if not is_markov_task(class_dict[target]):
                raise NonMarkovTaskTransitionError(
                    f"{classname}.{task.__name__} has a transition to {target!r}, which is not a Markov task"
                )


def validate_no_unreachable_tasks(tasks, class_dict, classname):
    """Logs a warning per task no transition leads to (the first excepted); returns them."""
    reached = {target for task in tasks for target in task.locust_markov_transitions}
    unreachable = [task.__name__ for task in tasks[1:] if task.__name__ not in reached]
    for name in unreachable:
        logging.warning("%s.%s cannot be reached by any transition", classname, name)
    return unreachable


def validate_markov_chain(tasks, class_dict, classname):
    """All the checks above."""
    validate_has_markov_tasks(tasks, classname)
    for task in tasks:
        validate_no_tags(task, classname)
    validate_transitions(tasks, class_dict, classname)
    validate_no_unreachable_tasks(tasks, class_dict, classname)

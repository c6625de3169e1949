"""Tasks and task sets: @task, @tag, TaskSet, SequentialTaskSet, MarkovTaskSet.

The scheduling loop follows Locust's semantics (uniform pick from the weighted
list, sequential cycling, Markov transitions, interrupt, the exceptions'
effects, on_start/on_stop), written for locusta.
"""

import logging
import random

import gevent
from gevent import GreenletExit

import locust.clients as _clients


from locust.exception import (
    InterruptTaskSet,
    InvalidTransitionError,
    LocustError,
    MarkovTaskTagError,
    MissingWaitTimeError,
    NoMarkovTasksError,
    NonMarkovTaskTransitionError,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopTest,
    StopUser,
)

RUNNING = "running"
WAITING = "waiting"
STOPPING = "stopping"
LOCUST_STATE_RUNNING = RUNNING
LOCUST_STATE_WAITING = WAITING
LOCUST_STATE_STOPPING = STOPPING

logger = logging.getLogger(__name__)


def get_tasks_from_base_classes(bases, class_dict):
    """The weighted task list of a class being defined: its bases' tasks,
    its `tasks` attribute, then its @task methods."""
    return _collect_tasks(bases, class_dict)


def is_markov_taskset(task):
    """Whether `task` is a MarkovTaskSet subclass."""
    return isinstance(task, type) and issubclass(task, MarkovTaskSet)


def filter_tasks_by_tags(task_holder, tags=None, exclude_tags=None, checked=None):
    """Keeps the tasks of a User or TaskSet class (recursively) that have one
    of `tags` (when given) and none of `exclude_tags`; a nested TaskSet left
    without tasks is removed."""
    tags = set(tags) if tags is not None else None
    exclude_tags = set(exclude_tags) if exclude_tags is not None else None
    seen = {} if checked is None else checked
    kept = []
    for entry in task_holder.tasks:
        if entry in seen:
            if seen[entry]:
                kept.append(entry)
            continue
        if isinstance(entry, type) and issubclass(entry, TaskSet):
            filter_tasks_by_tags(entry, tags, exclude_tags, seen)
            passing = len(entry.tasks) > 0
        else:
            entry_tags = getattr(entry, "locust_tag_set", set())
            passing = True
            if tags is not None:
                passing = passing and bool(entry_tags & tags)
            if exclude_tags is not None:
                passing = passing and not (entry_tags & exclude_tags)
        seen[entry] = passing
        if passing:
            kept.append(entry)
    task_holder.tasks = kept
    task_holder._tags_filtered = True


def task(weight=1):
    """Marks a method (or a nested TaskSet class) as a task, optionally with a weight."""

    def mark(function):
        function.locust_task_weight = weight
        return function

    if callable(weight):
        function, weight = weight, 1
        return mark(function)
    if not isinstance(weight, int) or isinstance(weight, bool):
        raise TypeError(f"@task weight must be an integer, got {weight!r}")
    return mark


def tag(*tags):
    """Tags a task or a TaskSet (all its tasks); used by --tags/--exclude-tags."""
    if not tags:
        raise ValueError("No tag name was supplied")
    for name in tags:
        if not isinstance(name, str):
            raise ValueError("Tags must be strings")

    def mark(target):
        target.locust_tag_set = getattr(target, "locust_tag_set", set()) | set(tags)
        if isinstance(target, type) and issubclass(target, TaskSet):
            for each in target.tasks:
                each.locust_tag_set = getattr(each, "locust_tag_set", set()) | set(tags)
        return target

    return mark


def transition(func_name, weight=1):
    """A Markov transition from the decorated task to the task `func_name`."""

    def mark(function):
        function.locust_markov_transitions = getattr(function, "locust_markov_transitions", {})
        function.locust_markov_transitions[func_name] = weight
        return function

    return mark


def transitions(weights):
    """Several Markov transitions: a dict {name: weight} or a list of names or (name, weight)."""

    def mark(function):
        table = getattr(function, "locust_markov_transitions", {})
        items = weights.items() if isinstance(weights, dict) else weights
        for item in items:
            if isinstance(item, (tuple, list)):
                table[item[0]] = item[1]
            else:
                table[item] = 1
        function.locust_markov_transitions = table
        return function

    return mark


def _collect_tasks(bases, namespace):
    """Base classes' tasks, then the `tasks` attribute, then @task members."""
    collected = []
    for base in bases:
        inherited = getattr(base, "tasks", None)
        if inherited:
            collected.extend(inherited)
    declared = namespace.get("tasks")
    if declared is not None:
        entries = declared.items() if isinstance(declared, dict) else declared
        for entry in entries:
            if isinstance(entry, tuple):
                function, count = entry
                collected.extend([function] * count)
            else:
                collected.append(entry)
    for name, member in namespace.items():
        weight = getattr(member, "locust_task_weight", None)
        if weight is None:
            continue
        if name in ("on_start", "on_stop"):
            logging.warning("You have tagged your on_start/on_stop function with @task. This will make the method get called both as a task AND on start/stop.")
        if name == "run":
            raise LocustError("User.run() and TaskSet.run() cannot be tasks")
        collected.extend([member] * weight)
    return collected


class TaskHolderMeta(type):
    """Builds the flat, weighted `tasks` list of a User or TaskSet class."""

    def __new__(mcs, name, bases, namespace):
        namespace["tasks"] = _collect_tasks(bases, namespace)
        if "abstract" not in namespace:
            namespace["abstract"] = False
        return super().__new__(mcs, name, bases, namespace)


TaskSetMeta = TaskHolderMeta


class TaskHolder:
    """What has a `tasks` list (User and TaskSet classes)."""

    tasks = []


def _task_name(entry):
    return getattr(entry, "__name__", repr(entry))


class TaskSet(metaclass=TaskHolderMeta):
    """A group of tasks a user runs until it is interrupted."""

    tasks = []
    min_wait = None
    max_wait = None
    wait_function = None
    abstract = True

    def __init__(self, parent):
        self._task_queue = []
        self._time_start = None
        if isinstance(parent, TaskSet):
            self._user = parent.user
        else:
            self._user = parent
        self._parent = parent

    @property
    def user(self):
        """The User instance."""
        return self._user

    @property
    def parent(self):
        """The parent TaskSet or User."""
        return self._parent

    @property
    def client(self):
        """The user's client."""
        return self._user.client

    def on_start(self):
        """Runs when the user enters this set."""

    def on_stop(self):
        """Runs when the user leaves this set (interrupt, stop)."""

    def run(self):
        """The task loop (see Locust's semantics)."""
        try:
            self.on_start()
        except InterruptTaskSet as interrupt:
            if interrupt.reschedule:
                raise RescheduleTaskImmediately(interrupt.reschedule) from interrupt
            raise RescheduleTask(interrupt.reschedule) from interrupt
        while True:
            try:
                if not self._task_queue:
                    self.schedule_task(self.get_next_task())
                try:
                    self._check_stop_condition()
                    self._awaits_before_task = _clients.awaits
                    self.execute_next_task()
                except RescheduleTaskImmediately:
                    pass
                except RescheduleTask:
                    self.wait()
                else:
                    self.wait()
            except InterruptTaskSet as interrupt:
                self._run_on_stop()
                if interrupt.reschedule:
                    raise RescheduleTaskImmediately(interrupt.reschedule) from interrupt
                raise RescheduleTask(interrupt.reschedule) from interrupt
            except (StopUser, StopTest, GreenletExit):
                self._run_on_stop()
                raise
            except Exception as error:
                if not getattr(self.user.environment, "catch_exceptions", True):
                    # As Locust: user_error, then the exception ends the user.
                    self.user.environment.events.user_error.fire(
                        user_instance=self, exception=error, tb=error.__traceback__
                    )
                    raise
                self.user._task_error(self, error)
                self.wait()

    def _run_on_stop(self):
        try:
            self.on_stop()
        except (StopUser, StopTest, GreenletExit):
            raise
        except Exception as error:
            self.user._task_error(self, error, location="on_stop")

    def _check_stop_condition(self):
        if self.user._state == STOPPING:
            raise StopUser()

    def execute_next_task(self):
        """Runs the first queued task."""
        self.execute_task(self._task_queue.pop(0))

    def execute_task(self, task):
        """Runs one task: a TaskSet class, a method, or a plain function.
        Each task (not entering a set) counts against --iterations."""
        if isinstance(task, type) and issubclass(task, TaskSet):
            task(self).run()
            return
        if not self.user._take_iteration():
            raise StopUser()
        if hasattr(task, "__self__"):
            task()
        else:
            task(self)

    def schedule_task(self, task_callable, first=False):
        """Queues a task to run before the next random pick."""
        if first:
            self._task_queue.insert(0, task_callable)
        else:
            self._task_queue.append(task_callable)

    def get_next_task(self):
        """A uniform pick from the weighted task list."""
        if not self.tasks:
            if getattr(self, "_tags_filtered", False):
                raise Exception(
                    f"No tasks defined on {type(self).__name__}. Check your --tags/--exclude-tags or the tasks of this class"
                )
            raise Exception(
                f"No tasks defined on {type(self).__name__}. Use the @task decorator or set the 'tasks' attribute"
            )
        return random.choice(self.tasks)

    def wait_time(self):
        """Seconds to wait after a task: the set's own wait_time, else the user's."""
        if self.user.wait_time:
            return self.user.wait_time()
        raise MissingWaitTimeError(
            f"You must define a wait_time method on either the {type(self.user).__name__} or {type(self).__name__} class"
        )

    def wait(self):
        """Sleeps for wait_time(); a stopping user stops here. A zero wait
        after a task that already yielded to the hub (it waited for a
        response) goes straight on: the greenlet had its turn, and its next
        request leaves without queueing behind every other greenlet."""
        self._check_stop_condition()
        seconds = _checked_wait(self, self.wait_time())
        if seconds == 0 and _clients.awaits != getattr(self, "_awaits_before_task", _clients.awaits):
            return
        self.user._state = WAITING
        self._sleep(seconds)
        self._check_stop_condition()
        self.user._state = RUNNING

    def _sleep(self, seconds):
        gevent.sleep(seconds)

    def interrupt(self, reschedule=True):
        """Leaves this TaskSet; the parent picks a task now (reschedule) or after a wait."""
        raise InterruptTaskSet(reschedule)


class DefaultTaskSet(TaskSet):
    """The root loop of a User: runs the user's tasks with the user as argument."""

    def get_next_task(self):
        if not self.user.tasks:
            raise Exception(
                f"No tasks defined on {type(self.user).__name__}. Use the @task decorator or set the 'tasks' attribute of the User (or check --tags/--exclude-tags)"
            )
        return random.choice(self.user.tasks)

    def execute_task(self, task):
        if isinstance(task, type) and issubclass(task, TaskSet):
            task(self.user).run()
            return
        if not self.user._take_iteration():
            raise StopUser()
        try:
            task(self.user)
        except InterruptTaskSet as interrupt:
            # Outside any TaskSet, locusta treats interrupt() as a reschedule
            # (Locust would kill the user).
            if interrupt.reschedule:
                raise RescheduleTaskImmediately() from interrupt
            raise RescheduleTask() from interrupt


class SequentialTaskSetMeta(TaskHolderMeta):
    """Builds a SequentialTaskSet's task list in declaration order: its
    bases' tasks, then its `tasks` list and @task methods where each is
    declared in the class body."""

    def __new__(mcs, name, bases, namespace):
        ordered = []
        for base in bases:
            inherited = getattr(base, "tasks", None)
            if inherited:
                ordered.extend(inherited)
        for key, value in namespace.items():
            if key == "tasks":
                if isinstance(value, dict):
                    for entry, count in value.items():
                        ordered.extend([entry] * count)
                elif isinstance(value, (list, tuple)):
                    ordered.extend(value)
                else:
                    raise ValueError("The 'tasks' attribute can only be set to list or dict")
            weight = getattr(value, "locust_task_weight", None)
            if weight is not None:
                ordered.extend([value] * weight)
        cls = super().__new__(mcs, name, bases, namespace)
        cls.tasks = ordered
        return cls


class SequentialTaskSet(TaskSet, metaclass=SequentialTaskSetMeta):
    """Runs its tasks in declaration order, over and over."""

    abstract = True

    def __init__(self, parent):
        super().__init__(parent)
        self._next_index = 0

    def get_next_task(self):
        if not self.tasks:
            raise LocustError(
                f"No tasks defined on {type(self).__name__}. Use the @task decorator or set the 'tasks' attribute"
            )
        task = self.tasks[self._next_index % len(self.tasks)]
        self._next_index += 1
        return task


class MarkovTaskSetMeta(TaskHolderMeta):
    """Checks a Markov set when it is defined and finds its first task."""

    def __new__(mcs, name, bases, namespace):
        cls = super().__new__(mcs, name, bases, namespace)
        if namespace.get("abstract"):
            return cls
        markov = {}
        for base in reversed(cls.__mro__):
            for member_name, member in vars(base).items():
                if hasattr(member, "locust_markov_transitions"):
                    markov[member_name] = member
        if not markov:
            raise NoMarkovTasksError(f"MarkovTaskSet {name} has no tasks with @transition or @transitions")
        for member_name, member in markov.items():
            if getattr(member, "locust_tag_set", None):
                raise MarkovTaskTagError(f"Tags are not allowed on Markov tasks ({name}.{member_name})")
            for target in member.locust_markov_transitions:
                if not hasattr(cls, target):
                    raise InvalidTransitionError(f"{name}.{member_name} has a transition to {target!r}, which does not exist")
                if target not in markov:
                    raise NonMarkovTaskTransitionError(f"{name}.{member_name} has a transition to {target!r}, which is not a Markov task")
        cls._markov_tasks = markov
        cls._markov_first = next(iter(markov))
        cls.tasks = list(markov.values())
        return cls


class MarkovTaskSet(TaskSet, metaclass=MarkovTaskSetMeta):
    """Moves between tasks along weighted transitions, starting at the first declared one."""

    abstract = True

    def __init__(self, parent):
        super().__init__(parent)
        self._current = None

    def get_next_task(self):
        if self._current is None:
            name = self._markov_first
        else:
            table = self._markov_tasks[self._current].locust_markov_transitions
            names = list(table)
            name = random.choices(names, weights=[table[n] for n in names])[0]
        self._current = name
        return getattr(self, name)


_said_bad_wait = set()


def _checked_wait(instance, seconds):
    """A wait of `seconds`, said once per class when it is not a number of
    seconds gevent can sleep (NaN would stall the user for good, silently;
    a negative one is taken as 0): such a wait is taken as 0."""
    try:
        ok = seconds >= 0  # False for NaN
    except TypeError:
        ok = False
    if ok:
        return seconds
    name = type(instance.user).__name__
    if name not in _said_bad_wait:
        _said_bad_wait.add(name)
        logging.error(
            "wait_time of %s returned %r, which is not a number of seconds to wait: waiting 0 s instead",
            name,
            seconds,
        )
    return 0

"""locust.dispatch: UsersDispatcher, the ramp-up plan that says how many users
of each class each worker runs at each step. locusta's runners dispatch in
Rust with the same rules; this Python version serves scripts and the
runner of `locusta --python` library use."""

import math
import time

import gevent


def _class_targets(user_classes, total):
    """Users per class name for `total` users: fixed_count classes first
    (in order, as many as fit), the rest split by weight (largest remainder)."""
    targets = {cls.__name__: 0 for cls in user_classes}
    left = total
    for cls in user_classes:
        if getattr(cls, "fixed_count", 0):
            take = min(cls.fixed_count, left)
            targets[cls.__name__] = take
            left -= take
    weighted = [cls for cls in user_classes if not getattr(cls, "fixed_count", 0)]
    weight_sum = sum(cls.weight for cls in weighted)
    if left and weighted and weight_sum > 0:
        exact = {cls.__name__: left * cls.weight / weight_sum for cls in weighted}
        for name, value in exact.items():
            targets[name] += math.floor(value)
        remaining = left - sum(math.floor(v) for v in exact.values())
        by_remainder = sorted(exact, key=lambda n: (-(exact[n] - math.floor(exact[n])), list(exact).index(n)))
        for name in by_remainder[:remaining]:
            targets[name] += 1
    return targets


class UsersDispatcher:
    """Iterates the steps of a ramp: each `next()` (after pacing itself to
    the spawn rate) is `{worker id: {class name: users}}`; StopIteration once
    the target is reached. Workers are objects with an `id` (WorkerNode)."""

    def __init__(self, worker_nodes, user_classes):
        self._worker_nodes = sorted(worker_nodes, key=lambda w: w.id)
        self._user_classes = sorted(user_classes, key=lambda c: c.__name__)
        self._current = {cls.__name__: 0 for cls in self._user_classes}
        self._target = 0
        self._steps = []
        self._wait = 0.0
        self._last_step = None
        self._durations = []
        self._in_progress = False

    def __iter__(self):
        return self

    def __next__(self):
        if not self._steps:
            self._in_progress = False
            raise StopIteration
        if self._last_step is not None:
            delay = self._wait - (time.perf_counter() - self._last_step)
            if delay > 0:
                gevent.sleep(delay)
        started = time.perf_counter()
        self._current = self._steps.pop(0)
        self._last_step = time.perf_counter()
        self._durations.append(self._last_step - started)
        if not self._steps:
            self._in_progress = False
        return self._distribution()

    def _distribution(self):
        """The current users per class spread over the workers, round-robin."""
        result = {w.id: {cls.__name__: 0 for cls in self._user_classes} for w in self._worker_nodes}
        if not self._worker_nodes:
            return result
        index = 0
        for cls in self._user_classes:
            for _ in range(self._current.get(cls.__name__, 0)):
                worker = self._worker_nodes[index % len(self._worker_nodes)]
                result[worker.id][cls.__name__] += 1
                index += 1
        return result

    def get_current_user_count(self):
        """Users placed so far."""
        return sum(self._current.values())

    @property
    def dispatch_in_progress(self):
        """Whether steps of the current ramp remain."""
        return self._in_progress

    @property
    def dispatch_iteration_durations(self):
        """How long each step took to compute (seconds)."""
        return list(self._durations)

    def new_dispatch(self, target_user_count, spawn_rate, user_classes=None):
        """Plans a ramp from the current users toward `target_user_count`,
        `spawn_rate` users per second (only `user_classes`, if given)."""
        if spawn_rate <= 0:
            raise ValueError("spawn_rate must be above 0")
        classes = self._user_classes
        if user_classes is not None:
            wanted = {c if isinstance(c, str) else c.__name__ for c in user_classes}
            classes = [cls for cls in classes if cls.__name__ in wanted]
        target = _class_targets(classes, target_user_count)
        target = {cls.__name__: target.get(cls.__name__, 0) for cls in self._user_classes}
        per_step = max(1, math.floor(spawn_rate))
        self._wait = per_step / spawn_rate
        self._target = target_user_count
        steps = []
        current = dict(self._current)
        while current != target:
            changed = 0
            while changed < per_step and current != target:
                # Move the class furthest from its target (as a share) one user closer.
                name = max(
                    target,
                    key=lambda n: (abs(target[n] - current[n]) / max(target[n], current[n], 1), -list(target).index(n)),
                )
                current[name] += 1 if target[name] > current[name] else -1
                changed += 1
            steps.append(dict(current))
        self._steps = steps
        self._in_progress = bool(steps)
        self._last_step = None
        self._durations = []

    def add_worker(self, worker_node):
        """A new worker: later steps spread users over it too."""
        self._worker_nodes = sorted(self._worker_nodes + [worker_node], key=lambda w: w.id)

    def remove_worker(self, worker_node):
        """A worker gone: its users go to the others in later steps."""
        self._worker_nodes = [w for w in self._worker_nodes if w.id != worker_node.id]

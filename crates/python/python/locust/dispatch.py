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


def _weighted_cycle(user_classes):
    """One round of the weighted order users are added in: each class (by
    name) as many times as its weight relative to the others."""
    weighted = [cls for cls in user_classes if not getattr(cls, "fixed_count", 0) and cls.weight > 0]
    if not weighted:
        return []
    smallest = min(cls.weight for cls in weighted)
    order = []
    for cls in weighted:
        order.extend([cls.__name__] * max(1, round(cls.weight / smallest)))
    return order


class UsersDispatcher:
    """Iterates the steps of a ramp: each `next()` (after pacing itself to
    the spawn rate) is `{worker id: {class name: users}}`; StopIteration once
    the target is reached. Users are added in a weighted round-robin order
    of the classes (fixed_count classes first) and handed to the workers in
    turn; a ramp down removes the newest first."""

    def __init__(self, worker_nodes, user_classes):
        self._worker_nodes = sorted(worker_nodes, key=lambda w: w.id)
        self._user_classes = sorted(user_classes, key=lambda c: c.__name__)
        self._sequence = []
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
        self._sequence = self._steps.pop(0)
        self._last_step = time.perf_counter()
        self._durations.append(self._last_step - started)
        if not self._steps:
            self._in_progress = False
        return self._distribution()

    def _counts(self, sequence):
        counts = {cls.__name__: 0 for cls in self._user_classes}
        for name in sequence:
            counts[name] = counts.get(name, 0) + 1
        return counts

    def _distribution(self):
        """The current users spread over the workers in turn."""
        result = {w.id: {cls.__name__: 0 for cls in self._user_classes} for w in self._worker_nodes}
        for index, name in enumerate(self._sequence):
            if self._worker_nodes:
                worker = self._worker_nodes[index % len(self._worker_nodes)]
                result[worker.id][name] += 1
        return result

    @property
    def current_user_classes_count(self):
        """Users placed so far, per class name."""
        return self._counts(self._sequence)

    @property
    def target_user_classes_count(self):
        """Users per class once the current ramp is done."""
        return self._counts(self._steps[-1] if self._steps else self._sequence)

    def get_current_user_count(self):
        """Users placed so far."""
        return len(self._sequence)

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
        # Keep the oldest users that still fit, then add in the weighted order.
        kept, have = [], {}
        for name in self._sequence:
            if have.get(name, 0) < target.get(name, 0):
                kept.append(name)
                have[name] = have.get(name, 0) + 1
        plan = list(kept)
        for cls in classes:
            if getattr(cls, "fixed_count", 0):
                plan.extend([cls.__name__] * (target[cls.__name__] - have.get(cls.__name__, 0)))
                have[cls.__name__] = target[cls.__name__]
        cycle = _weighted_cycle(classes)
        position = 0
        while cycle and len(plan) < target_user_count:
            name = cycle[position % len(cycle)]
            position += 1
            if have.get(name, 0) < target.get(name, 0):
                plan.append(name)
                have[name] = have.get(name, 0) + 1
        per_step = max(1, math.floor(spawn_rate))
        self._wait = per_step / spawn_rate
        # One change per user (removals, newest first, then additions); a
        # step takes per_step of them.
        changes = []
        current = list(self._sequence)
        while len(current) > len(kept) or current[: len(kept)] != kept:
            for index in range(len(current) - 1, -1, -1):
                trimmed = current[:index] + current[index + 1:]
                if _is_subsequence(kept, trimmed):
                    current = trimmed
                    changes.append(list(current))
                    break
            else:
                break
        for length in range(len(current) + 1, len(plan) + 1):
            changes.append(plan[:length])
        steps = [changes[i] for i in range(per_step - 1, len(changes), per_step)]
        if changes and (not steps or steps[-1] is not changes[-1]):
            steps.append(changes[-1])
        if not steps:
            # Nothing to change: one step with the users where they are now
            # (spread over the workers as they are now).
            steps = [list(current)]
        self._steps = steps
        self._in_progress = bool(steps)
        self._last_step = None
        self._durations = []

    def add_worker(self, worker_node):
        """A new worker: the users are spread over it too from the next step."""
        self._worker_nodes = sorted(self._worker_nodes + [worker_node], key=lambda w: w.id)

    def remove_worker(self, worker_node):
        """A worker gone: its users go to the others from the next step."""
        self._worker_nodes = [w for w in self._worker_nodes if w.id != worker_node.id]


def _is_subsequence(short, long):
    iterator = iter(long)
    return all(any(item == other for other in iterator) for item in short)

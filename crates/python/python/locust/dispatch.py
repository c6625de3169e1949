"""locust.dispatch: UsersDispatcher, the ramp plan that says how many users
of each class each worker runs at each step.

locusta's runners dispatch in Rust (crates/engine/src/dispatch.rs); this
Python version, built on the same rules, serves scripts and the runner of
`locusta --python` library use, and is checked against Locust's own
dispatcher tests (crates/locusta/tests/python_dispatch.rs).

The rules, as Locust's:
- users are chosen by a smooth weighted sequence (each pick is the class
  whose next user keeps the spread closest to the weights: weights 5 and 1
  give A A B A A A A A B …); classes with `fixed_count` come first, as many
  as are missing, then the weighted ones;
- each chosen user goes to the next worker in turn; workers are ordered so
  that consecutive users land on different hosts (`host_n` ids);
- a step adds or removes `max(1, floor(spawn_rate))` users, the newest
  removed first; the iterator paces itself to `users per step / spawn rate`
  seconds a step (`_wait_between_dispatch`), without a pause after the last;
- a worker added or removed redistributes the current users over the new set
  of workers from scratch, and the next step yields that map.
"""

import heapq
import math
import time

import gevent


class _SmoothWeights:
    """An endless weighted sequence of keys: each pick is the key whose next
    occurrence lowers the Kullback-Leibler divergence from the weights the
    least; keys with a weight of zero or less are never picked."""

    def __init__(self, weights):
        # A heap of (gain, occurrences + weight + 1, weight, key): the
        # smallest tuple is picked, so ties go to the smaller key.
        self._heap = [(w * math.log2(w / (w + 1)), w + 1, w, key) for key, w in weights if w > 0]
        heapq.heapify(self._heap)

    def next_key(self):
        if not self._heap:
            return None
        _, x, weight, key = self._heap[0]
        heapq.heapreplace(self._heap, (weight * math.log2(x / (x + 1)), x + 1, weight, key))
        return key


def _worker_order(worker_nodes):
    """Workers by id, then by their rank among the workers of their host
    (the id before the first `_`), so that hosts take turns."""
    ranks = {}
    ordered = []
    for node in sorted(worker_nodes, key=lambda w: w.id):
        host = node.id.split("_")[0]
        ordered.append((ranks.get(host, 0), node.id, node))
        ranks[host] = ranks.get(host, 0) + 1
    return [node for _, _, node in sorted(ordered, key=lambda t: (t[0], t[1]))]


class _UserChooser:
    """Which class the next user is: the fixed_count users missing from the
    placement first, then the weighted sequence."""

    def __init__(self, user_classes):
        self._classes = user_classes
        self._weighted = _SmoothWeights(
            (cls.__name__, cls.weight) for cls in user_classes if not getattr(cls, "fixed_count", 0)
        )
        self._fixed = _SmoothWeights(())
        self._fixed_left = 0

    def next_class(self, look_for_fixed, placed_of):
        """(class name or None, look_for_fixed afterwards): once told to look
        for fixed users, counts the missing ones with `placed_of(name)`."""
        if self._fixed_left == 0 and look_for_fixed:
            look_for_fixed = False
            missing = []
            for cls in self._classes:
                if getattr(cls, "fixed_count", 0):
                    gap = cls.fixed_count - placed_of(cls.__name__)
                    if gap > 0:
                        missing.append((cls.__name__, gap))
            self._fixed_left = sum(gap for _, gap in missing)
            self._fixed = _SmoothWeights(missing)
        if self._fixed_left > 0:
            self._fixed_left -= 1
            return self._fixed.next_key(), look_for_fixed
        return self._weighted.next_key(), look_for_fixed


class UsersDispatcher:
    """Iterates the steps of a ramp: each `next()` is the full map
    `{worker id: {class name: users}}`; StopIteration once the target is
    reached. `new_dispatch` starts a ramp; `add_worker`/`remove_worker`
    change the workers, mid-ramp too."""

    def __init__(self, worker_nodes, user_classes):
        self._worker_nodes = _worker_order(worker_nodes)
        self._user_classes = sorted(user_classes, key=lambda c: c.__name__)
        self._original_user_classes = list(self._user_classes)
        self._target_user_count = 0
        self._spawn_rate = None
        self._user_count_per_dispatch_iteration = 1
        self._wait_between_dispatch = 0.0
        self._try_dispatch_fixed = True
        self._users_on_workers = self._empty_map()
        self._initial_users_on_workers = self._empty_map()
        self._current_user_count = 0
        self._active_users = []  # (worker id, class name), oldest first
        self._chooser = _UserChooser(self._user_classes)
        self._next_worker = 0
        self._rebalance = False
        self._no_user_to_spawn = False
        self._dispatch_in_progress = False
        self._dispatch_iteration_durations = []
        self._steps = iter(())

    def __iter__(self):
        return self

    def __next__(self):
        step = next(self._steps)
        return {worker: dict(counts) for worker, counts in step.items()}

    def _empty_map(self):
        return {w.id: {cls.__name__: 0 for cls in self._original_user_classes} for w in self._worker_nodes}

    @property
    def dispatch_in_progress(self):
        """Whether the current ramp has started and not yet ended."""
        return self._dispatch_in_progress

    @property
    def dispatch_iteration_durations(self):
        """Seconds each ramp step took (computing it and the caller's work
        until it asked for the next), before the pause."""
        return self._dispatch_iteration_durations

    @property
    def current_user_classes_count(self):
        """Users placed so far, per class name."""
        return {cls.__name__: self._get_user_current_count(cls.__name__) for cls in self._original_user_classes}

    @property
    def target_user_classes_count(self):
        """Users per class once the current ramp is done."""
        placement = self._place(self._target_user_count)[0]
        counts = {cls.__name__: 0 for cls in self._original_user_classes}
        for per_class in placement.values():
            for name, count in per_class.items():
                counts[name] += count
        return counts

    def get_current_user_count(self):
        """Users placed so far."""
        return self._current_user_count

    def _get_user_current_count(self, user_class_name):
        """Users of one class placed so far, over all workers."""
        return sum(per_class.get(user_class_name, 0) for per_class in self._users_on_workers.values())

    def _adopt_users(self, counts):
        """Takes `{class name: n}` users that already run (on the first
        worker) as placed, before the first ramp."""
        worker = self._worker_nodes[0].id
        for name, count in counts.items():
            for _ in range(count):
                self._users_on_workers[worker][name] += 1
                self._active_users.append((worker, name))
                self._current_user_count += 1

    def new_dispatch(self, target_user_count, spawn_rate, user_classes=None):
        """Starts a ramp from the current users toward `target_user_count`,
        `spawn_rate` users per second; `user_classes` (classes or names)
        restricts the classes spawned from now on."""
        if target_user_count < 0:
            raise ValueError(f"target_user_count must be >= 0, got {target_user_count}")
        if not spawn_rate > 0 or not math.isfinite(spawn_rate):
            raise ValueError(f"spawn_rate must be a finite number above 0, got {spawn_rate}")
        if user_classes is not None:
            wanted = {c if isinstance(c, str) else c.__name__ for c in user_classes}
            chosen = [cls for cls in self._original_user_classes if cls.__name__ in wanted]
            if chosen != self._user_classes:
                self._user_classes = chosen
                self._chooser = _UserChooser(self._user_classes)
        self._target_user_count = target_user_count
        self._spawn_rate = spawn_rate
        self._user_count_per_dispatch_iteration = max(1, math.floor(spawn_rate))
        self._wait_between_dispatch = self._user_count_per_dispatch_iteration / spawn_rate
        self._initial_users_on_workers = {w: dict(c) for w, c in self._users_on_workers.items()}
        self._current_user_count = sum(sum(c.values()) for c in self._users_on_workers.values())
        self._dispatch_iteration_durations.clear()
        self._steps = self._ramp()

    def add_worker(self, worker_node):
        """A new worker: the users are spread over it too, from the next step."""
        if all(w.id != worker_node.id for w in self._worker_nodes):
            self._worker_nodes = _worker_order(self._worker_nodes + [worker_node])
        self._prepare_rebalance()

    def remove_worker(self, worker_node):
        """A worker gone: its users go to the others, from the next step."""
        self._worker_nodes = [w for w in self._worker_nodes if w.id != worker_node.id]
        if not self._worker_nodes:
            return
        self._prepare_rebalance()

    def _prepare_rebalance(self):
        """Places the current users again from scratch over the workers."""
        placement = self._place(self._current_user_count)
        (self._users_on_workers, self._chooser, self._next_worker, self._active_users, self._try_dispatch_fixed) = placement
        self._rebalance = True

    def _distribute_users(self, target_user_count):
        """A fresh placement of `target_user_count` users over the workers:
        (map, chooser, next worker index, placed users)."""
        return self._place(target_user_count)[:4]

    def _place(self, target_user_count):
        """`_distribute_users`, and whether fixed users are still to be
        looked for afterwards."""
        chooser = _UserChooser(self._user_classes)
        look_for_fixed = True
        placement = self._empty_map()
        placed = []
        workers = [w.id for w in self._worker_nodes]
        # Fixed users are counted against an empty map: all are missing.
        while len(placed) < target_user_count and workers:
            name, look_for_fixed = chooser.next_class(look_for_fixed, lambda _name: 0)
            if name is None:
                break
            worker = workers[len(placed) % len(workers)]
            placement[worker][name] += 1
            placed.append((worker, name))
        next_worker = (len(placed) % len(workers)) if workers else 0
        return placement, chooser, next_worker, placed, look_for_fixed

    def _ramp(self):
        """The steps of one ramp (a generator; pacing included)."""
        self._dispatch_in_progress = True
        if self._rebalance:
            self._rebalance = False
            yield self._users_on_workers
            if self._current_user_count == self._target_user_count:
                return
        if self._current_user_count == self._target_user_count:
            yield self._initial_users_on_workers
            self._dispatch_in_progress = False
            return
        while self._current_user_count < self._target_user_count:
            started = time.perf_counter()
            yield self._add_users()
            if self._rebalance:
                self._rebalance = False
                yield self._users_on_workers
            self._pace(started)
            if self._no_user_to_spawn:
                self._no_user_to_spawn = False
                break
        while self._current_user_count > self._target_user_count:
            started = time.perf_counter()
            yield self._remove_users()
            if self._rebalance:
                self._rebalance = False
                yield self._users_on_workers
            self._pace(started)
        self._dispatch_in_progress = False

    def _pace(self, started):
        """Records a step's duration and waits out the rest of its time
        (no wait once the target is reached)."""
        spent = time.perf_counter() - started
        self._dispatch_iteration_durations.append(spent)
        if self._current_user_count != self._target_user_count:
            gevent.sleep(max(0.0, self._wait_between_dispatch - spent))

    def _add_users(self):
        step_target = min(self._current_user_count + self._user_count_per_dispatch_iteration, self._target_user_count)
        workers = [w.id for w in self._worker_nodes]
        while True:
            name = None
            if workers:
                name, self._try_dispatch_fixed = self._chooser.next_class(
                    self._try_dispatch_fixed, self._get_user_current_count
                )
            if name is None:
                self._no_user_to_spawn = True
                break
            worker = workers[self._next_worker % len(workers)]
            self._next_worker = (self._next_worker + 1) % len(workers)
            self._users_on_workers[worker][name] += 1
            self._active_users.append((worker, name))
            self._current_user_count += 1
            if self._current_user_count >= step_target:
                break
        return self._users_on_workers

    def _remove_users(self):
        step_target = max(self._current_user_count - self._user_count_per_dispatch_iteration, self._target_user_count)
        while self._active_users:
            worker, name = self._active_users.pop()
            self._users_on_workers[worker][name] -= 1
            self._current_user_count -= 1
            self._try_dispatch_fixed = True
            if self._current_user_count == 0 or self._current_user_count <= step_target:
                break
        return self._users_on_workers

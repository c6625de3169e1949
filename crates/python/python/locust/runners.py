"""Runners: what starts and stops users (`environment.runner`), and Locust's
state names.

In a `locusta -f` run the runner is locusta's own, in Rust: the classes here
are views of it (state, counts, start, quit, custom messages). In a script
(`locusta --python FILE`, Locust's library use), `environment.create_local_runner()`
gives a LocalRunner that spawns the users as greenlets of the script itself,
ramping as Locust's dispatcher does; the statistics are still kept in Rust.
A script's MasterRunner and WorkerRunner start locusta's master or worker
(in Rust, in the script's process) and are then views of it, as in a
`locusta -f` run."""

import json
import logging
import sys
import time

import gevent
from gevent.event import Event
from gevent.pool import Group

from locusta import _native

from locust import _run
from locust.dispatch import UsersDispatcher
from locust.exception import RPCError, RPCReceiveError, RPCSendError, StopTest  # noqa: F401
from locust.log import get_logs, greenlet_exception_logger  # noqa: F401
from locust.rpc import Message
from locust.stats import RequestStats, StatsError, setup_distributed_stats_event_listeners  # noqa: F401
from locust.util.directory import get_abspaths_in  # noqa: F401
from locust.util.url import is_url  # noqa: F401

logger = logging.getLogger(__name__)

STATE_INIT = "ready"
STATE_SPAWNING = "spawning"
STATE_RUNNING = "running"
STATE_CLEANUP = "cleanup"
STATE_STOPPING = "stopping"
STATE_STOPPED = "stopped"
STATE_MISSING = "missing"
LOCUST_STATE_STOPPING = "stopping"

WORKER_REPORT_INTERVAL = 3.0
WORKER_LOG_REPORT_INTERVAL = 10
CPU_MONITOR_INTERVAL = 5.0
CPU_WARNING_THRESHOLD = 90
HEARTBEAT_INTERVAL = 1
HEARTBEAT_LIVENESS = 3
HEARTBEAT_DEAD_INTERNAL = -60
MASTER_HEARTBEAT_TIMEOUT = 60
FALLBACK_INTERVAL = 5
CONNECT_TIMEOUT = 5
CONNECT_RETRY_COUNT = 60

greenlet_exception_handler = greenlet_exception_logger(logger)


class ExceptionDict(dict):
    """{key: {"count", "msg", "traceback", "nodes"}}: the exceptions table."""


def locust_exception_handler(environment):
    """A function for `greenlet.link_exception`: a greenlet that ended with
    StopTest stops the test (quits a headless run); any other exception is
    logged as unhandled."""
    log_it = greenlet_exception_logger(logger)

    def handler(greenlet):
        if greenlet.exc_info[0] is StopTest:
            logger.error(greenlet.exc_info[1])
            logger.warning("Stopping the test")
            if environment.parsed_options and getattr(environment.parsed_options, "headless", False):
                environment.runner.quit()
            else:
                environment.runner.stop()
        else:
            log_it(greenlet)

    return handler


class Runner:
    """A runner: the users of the test, their counts, the test's state."""

    worker_index = 0
    worker_count = 1

    def __init__(self, environment):
        self.environment = environment
        self._user_group = Group()
        self.greenlet = Group()
        self.spawning_greenlet = None
        self.shape_greenlet = None
        self.shape_last_tick = None
        self.current_cpu_usage = 0
        self.current_memory_usage = 0
        self.cpu_warning_emitted = False
        self.worker_cpu_warning_emitted = False
        self._exceptions = ExceptionDict()
        self.custom_messages = {}
        self.target_user_classes_count = {}
        self.connection_broken = False
        self.final_user_classes_count = {}
        self._users_dispatcher = None
        self._local = _run.script_mode
        self._state = STATE_INIT
        self._users = {}
        self._quit_event = Event()
        self.greenlet.spawn(self._quit_event.wait)
        if self._local:
            self.greenlet.spawn(self._tick_stats)

    # --- what both kinds share ---

    @property
    def exceptions(self):
        """The exceptions table: {key: {"count", "msg", "traceback", "nodes"}},
        read from locusta's statistics (errors in tasks, log_exception)."""
        table = ExceptionDict()
        for msg, traceback_text, count, nodes in _native.stats_exceptions():
            table[hash(traceback_text)] = {"count": count, "msg": msg, "traceback": traceback_text, "nodes": set(nodes)}
        return table

    @exceptions.setter
    def exceptions(self, value):
        # Locust empties it for a new test; locusta's statistics do that themselves.
        self._exceptions = value

    @property
    def user_greenlets(self):
        """The users' greenlets: a gevent Group in a script; in a `locusta -f`
        run, a list of the live users' greenlets."""
        if self._local:
            return self._user_group
        return [user._greenlet for users in _run.users.values() for user in users if user._greenlet is not None]

    @property
    def user_classes(self):
        """The environment's user classes."""
        return self.environment.user_classes

    @property
    def user_classes_by_name(self):
        """The user classes, by class name."""
        return {cls.__name__: cls for cls in self.user_classes}

    @property
    def stats(self):
        """The statistics (environment.stats)."""
        return self.environment.stats

    @property
    def errors(self):
        """The failure groups."""
        return self.stats.errors

    @property
    def state(self):
        """ready, spawning, running, stopping or stopped."""
        if self._local:
            return self._state
        return _native.runner_status()[0]

    @state.setter
    def state(self, value):
        self._state = value

    def update_state(self, new_state):
        """Sets the state (a script's runner)."""
        logger.debug("Updating state to '%s', old state was '%s'", new_state, self._state)
        self._state = new_state

    @property
    def user_count(self):
        """Users alive now."""
        if self._local:
            return sum(len(users) for users in self._users.values())
        return _native.runner_status()[1]

    @property
    def target_user_count(self):
        """The user count of the current ramp."""
        if self._local:
            return sum(self.target_user_classes_count.values())
        return _native.runner_status()[2]

    @property
    def user_classes_count(self):
        """Users alive now, per class name."""
        if self._local:
            return {cls.__name__: len(self._users.get(cls.__name__, [])) for cls in self.user_classes}
        return dict(_native.user_classes_count())

    def cpu_log_warning(self):
        """Whether a CPU warning was given (logged again at the end)."""
        if self.cpu_warning_emitted:
            logger.warning("CPU usage was too high at some point during the test!")
        return self.cpu_warning_emitted

    def log_exception(self, node_id, msg, formatted_tb):
        """Adds an exception to the exceptions table."""
        self.stats.log_exception(msg, formatted_tb, node_id)

    def register_message(self, msg_type, listener, concurrent=False):
        """Calls `listener(environment=…, msg=Message)` for each message of
        `msg_type`; a type has one listener."""
        if msg_type in self.custom_messages:
            raise Exception(f"A listener is already registered for message type {msg_type!r}")
        self.custom_messages[msg_type] = (listener, concurrent)

    def send_message(self, msg_type, data=None, client_id=None):
        """In a local run, as in Locust, the message goes to this process's own
        listener at once (node id "local")."""
        self._deliver(Message(msg_type, data, "local"))

    def _deliver(self, msg):
        registered = self.custom_messages.get(msg.type)
        if registered is None:
            self._unknown(msg)
            return
        listener, concurrent = registered
        if concurrent:
            gevent.spawn(listener, environment=self.environment, msg=msg)
        else:
            listener(environment=self.environment, msg=msg)

    def _unknown(self, msg):
        logging.warning("Unknown message type received: %s", msg.type)

    # --- start, stop, quit ---

    def start(self, user_count, spawn_rate, wait=False, user_classes=None):
        """Ramps toward `user_count` users at `spawn_rate` users per second
        (only `user_classes` if given, class objects or names); fires
        test_start first when the test was not running."""
        names = None if user_classes is None else [c if isinstance(c, str) else c.__name__ for c in user_classes]
        if not self._local:
            _native.runner_start(int(user_count), float(spawn_rate), names)
            return
        if spawn_rate > 100:
            logger.warning(
                "Your selected spawn rate is very high (>100), and this is known to sometimes cause issues. "
                "Do you really need to ramp up that fast?"
            )
        if self._state not in (STATE_RUNNING, STATE_SPAWNING):
            self.stats.clear_all()
            self._exceptions = ExceptionDict()
            self.cpu_warning_emitted = False
            self.environment.events.test_start.fire(environment=self.environment)
        if wait and user_count - self.user_count > spawn_rate:
            raise ValueError("wait is True but the amount of users to add is greater than the spawn rate")
        for cls in self.user_classes:
            if self.environment.host:
                cls.host = self.environment.host
        if self._users_dispatcher is None:
            self._users_dispatcher = self.environment.dispatcher_class(
                worker_nodes=[WorkerNode("local")], user_classes=self.user_classes
            )
            self._users_dispatcher._adopt_users({cls.__name__: len(self._users.get(cls.__name__, [])) for cls in self.user_classes})
        if self.spawning_greenlet is not None:
            self.spawning_greenlet.kill(block=True)
        self.update_state(STATE_SPAWNING)
        self._users_dispatcher.new_dispatch(user_count, spawn_rate, names)
        self.target_user_classes_count = self._users_dispatcher.target_user_classes_count
        self.spawning_greenlet = self.greenlet.spawn(self._ramp, wait)
        self.spawning_greenlet.link_exception(greenlet_exception_handler)

    def _ramp(self, wait):
        for dispatch in self._users_dispatcher:
            wanted = dispatch["local"]
            current = self.user_classes_count
            more = {name: count - current.get(name, 0) for name, count in wanted.items() if count > current.get(name, 0)}
            fewer = {name: current.get(name, 0) - count for name, count in wanted.items() if count < current.get(name, 0)}
            if fewer:
                self.stop_users(fewer)
            if more:
                self.spawn_users(more, wait)
        counts = self.user_classes_count
        logger.info("All users spawned: %s (%i total users)", ", ".join(f'"{k}": {v}' for k, v in counts.items()), self.user_count)
        self.update_state(STATE_RUNNING)
        if self.environment.reset_stats:
            logger.info("Resetting stats\n")
            self.stats.reset_all()
        self.environment.events.spawning_complete.fire(user_count=self.user_count)

    def spawn_users(self, user_classes_spawn_count, wait=False):
        """Starts `{class name: n}` more users now; with `wait`, waits for
        them to end (a script's runner; locusta's runner starts them a moment
        later and does not wait)."""
        if not self._local:
            counts = self.user_classes_count
            for name, count in user_classes_spawn_count.items():
                counts[name] = counts.get(name, 0) + count
            _native.runner_apply_counts(counts)
            return []
        if self._state == STATE_INIT or self._state == STATE_STOPPED:
            self.update_state(STATE_SPAWNING)
        started = []
        by_name = self.user_classes_by_name
        for name, count in user_classes_spawn_count.items():
            cls = by_name[name]
            for _ in range(count):
                user = cls(self.environment)
                user._local_runner = self
                self._users.setdefault(name, []).append(user)
                user.start(self._user_group)
                started.append(user)
        if wait:
            self._user_group.join()
        return started

    def stop_users(self, user_classes_stop_count):
        """Stops `{class name: n}` users, newest first: at once, or (with
        environment.stop_timeout) after their current task, killed past it."""
        if not self._local:
            counts = self.user_classes_count
            for name, count in user_classes_stop_count.items():
                counts[name] = max(0, counts.get(name, 0) - count)
            _native.runner_apply_counts(counts)
            return
        chosen = []
        for name, count in user_classes_stop_count.items():
            users = self._users.get(name, [])
            take = users[max(0, len(users) - count):]
            del users[len(users) - len(take):]
            chosen.extend(take)
        if not chosen:
            return
        timeout = self.environment.stop_timeout
        stopping = Group()
        for user in chosen:
            stopping.spawn(user.stop, force=not timeout)
        stopping.join()
        survivors = [u for u in chosen if u.greenlet is not None and not u.greenlet.dead]
        if survivors:
            deadline = time.monotonic() + (timeout or 0)
            while survivors and time.monotonic() < deadline:
                gevent.sleep(0.05)
                survivors = [u for u in survivors if not u.greenlet.dead]
            for user in survivors:
                user.greenlet.kill(block=True)

    def _user_ended(self, user):
        users = self._users.get(type(user).__name__)
        if users is not None and user in users:
            users.remove(user)

    def stop(self):
        """Stops every user (firing test_stopping, then test_stop)."""
        if not self._local:
            _native.quit("runner.stop() called")
            return
        if self._state == STATE_STOPPED:
            return
        self.environment.events.test_stopping.fire(environment=self.environment)
        self.update_state(STATE_STOPPING)
        if self.spawning_greenlet is not None:
            self.spawning_greenlet.kill(block=True)
            self.spawning_greenlet = None
        if self.shape_greenlet is not None:
            self.shape_greenlet.kill(block=True)
            self.shape_greenlet = None
        self.stop_users(self.user_classes_count)
        self._users_dispatcher = None
        self.target_user_classes_count = {}
        self.update_state(STATE_STOPPED)
        self.cpu_log_warning()
        self.environment.events.test_stop.fire(environment=self.environment)

    def quit(self):
        """Stops the test and ends the runner: `runner.greenlet.join()` returns."""
        if not self._local:
            _native.quit("runner.quit() called")
            return
        self.stop()
        self._quit_event.set()
        self.greenlet.kill(block=True)

    def _tick_stats(self):
        # Current percentiles are computed from once-a-second snapshots.
        while True:
            try:
                _native.stats_tick()
            except Exception:  # noqa: BLE001 - statistics must not end the runner
                pass
            gevent.sleep(1)

    def start_shape(self):
        """Runs the environment's shape (a script's runner): ticks every second."""
        if not self._local:
            raise NotImplementedError("locusta: in a `locusta -f` run, locusta runs the shape itself")
        shape = self.environment.shape_class
        if shape is None:
            raise ValueError("the environment has no shape_class")
        shape.reset_time()
        self.update_state(STATE_SPAWNING)
        self.shape_greenlet = self.greenlet.spawn(self.shape_worker)

    def shape_worker(self):
        """Applies the shape's ticks until it returns None, then stops."""
        shape = self.environment.shape_class
        while self._state != STATE_STOPPED:
            tick = shape.tick()
            if tick is None:
                self.shape_greenlet = None
                gevent.spawn(self.stop)
                return
            if tick != self.shape_last_tick:
                users, rate = tick[0], tick[1]
                classes = tick[2] if len(tick) > 2 else None
                self.start(users, rate, user_classes=classes)
                self.shape_last_tick = tick
            gevent.sleep(1)

    def stop_shape(self):
        """Stops the shape's greenlet."""
        if self.shape_greenlet is not None:
            self.shape_greenlet.kill(block=True)
            self.shape_greenlet = None


class LocalRunner(Runner):
    """The runner of a local (single-process) test."""


class DistributedRunner(Runner):
    """A runner whose messages cross processes (msgpack on the wire, so the
    data must be what JSON can carry: dicts, lists, strings, numbers, booleans
    and None)."""

    def __init__(self, environment):
        super().__init__(environment)
        # In a script, the subclass starts locusta's master or worker here;
        # from then on the runner is a view of it, as in a `locusta -f` run.
        self._in_script = self._local
        self._local = False
        self._ended = None

    def _watch_native(self):
        """Ends `greenlet` once locusta's master or worker has ended (after
        quit(), or a worker's master quitting)."""

        def watch():
            while _native.script_runner_ended() is None:
                gevent.sleep(0.05)
            self._quit_event.set()
            self.greenlet.kill(block=True)

        self._ended = gevent.spawn(watch)

    def stop(self):
        """Stops the test; in a script, waits until it has stopped."""
        if not self._in_script:
            super().stop()
            return
        _native.script_runner_stop()
        while self.state not in (STATE_STOPPED, STATE_INIT):
            gevent.sleep(0.05)

    def quit(self):
        """Ends the runner; in a script, waits until it has ended
        (`greenlet.join()` returns)."""
        if not self._in_script:
            super().quit()
            return
        _native.script_runner_quit()
        self._ended.join()

    def send_message(self, msg_type, data=None, client_id=None):
        """Sends a custom message: a worker's to its master; a master's to the
        worker `client_id`, or to every worker."""
        _native.send_message(msg_type, json.dumps(data), client_id)


class WorkerNode:
    """A worker as its master sees it (Locust's WorkerNode)."""

    def __init__(self, id, state=STATE_INIT, heartbeat_liveness=HEARTBEAT_LIVENESS, user_count=0):
        self.id = id
        self.state = state
        self.heartbeat = heartbeat_liveness
        self.cpu_usage = 0
        self.cpu_warning_emitted = False
        self.memory_usage = 0
        self.user_classes_count = {}
        self.user_count = user_count

    def __repr__(self):
        return f"<WorkerNode id={self.id} state={self.state} user_count={self.user_count} heartbeat={self.heartbeat}>"


class WorkerNodes:
    """A master's workers by id, with views by state."""

    def __init__(self):
        self._worker_nodes = {}

    def get_by_state(self, state):
        """The workers in `state`."""
        return [w for w in self._worker_nodes.values() if w.state == state]

    @property
    def all(self):
        """Every worker."""
        return list(self._worker_nodes.values())

    @property
    def ready(self):
        """Workers waiting for a test."""
        return self.get_by_state(STATE_INIT)

    @property
    def spawning(self):
        """Workers starting users."""
        return self.get_by_state(STATE_SPAWNING)

    @property
    def running(self):
        """Workers running users."""
        return self.get_by_state(STATE_RUNNING)

    @property
    def missing(self):
        """Workers that stopped answering."""
        return self.get_by_state(STATE_MISSING)

    def __getitem__(self, key):
        return self._worker_nodes[key]

    def __setitem__(self, key, value):
        self._worker_nodes[key] = value

    def __delitem__(self, key):
        del self._worker_nodes[key]

    def __contains__(self, key):
        return key in self._worker_nodes

    def __len__(self):
        return len(self._worker_nodes)

    def __iter__(self):
        return iter(self._worker_nodes)

    def get(self, key, default=None):
        """A worker by id, or default."""
        return self._worker_nodes.get(key, default)

    def values(self):
        """The workers."""
        return self._worker_nodes.values()

    def keys(self):
        """The worker ids."""
        return self._worker_nodes.keys()

    def items(self):
        """(id, worker) pairs."""
        return self._worker_nodes.items()


def _class_weights(environment):
    """The environment's user classes as locusta's runner takes them."""
    return [(cls.__name__, float(cls.weight), int(cls.fixed_count or 0)) for cls in environment.user_classes]


class MasterRunner(DistributedRunner):
    """The runner of a master (`--master`, or `--processes`); in a script,
    locusta's master listening in this process on
    `master_bind_host:master_bind_port` (port 0: any free port, then
    `master_bind_port` says which)."""

    def __init__(self, environment, master_bind_host="*", master_bind_port=5557):
        super().__init__(environment)
        self.master_bind_host = master_bind_host
        self.master_bind_port = master_bind_port
        if self._in_script:
            try:
                self.master_bind_port = _native.script_master(
                    _class_weights(environment),
                    str(master_bind_host),
                    int(master_bind_port),
                    environment.host,
                    float(environment.stop_timeout or 0),
                    self.rebalancing_enabled(),
                )
            except OSError as error:
                logger.error("The Locust master port (%s) could not be bound: %s", master_bind_port, error)
                sys.exit(1)
            self._watch_native()

    def stop(self, send_stop_to_client=True):
        """Ends the test (the workers stop their users)."""
        super().stop()

    def rebalancing_enabled(self):
        """Whether users move when workers come and go (--enable-rebalancing)."""
        return bool(getattr(self.environment.parsed_options, "enable_rebalancing", False))

    def get_worker_index(self, client_id):
        """The index of a worker (in the order of their ids)."""
        return sorted(self.clients).index(client_id)

    @property
    def clients(self):
        """The workers that can take users, by id (Locust's `runner.clients`)."""
        nodes = WorkerNodes()
        for node_id, state, users in _native.workers():
            if state != STATE_MISSING:
                nodes[node_id] = WorkerNode(node_id, state, user_count=users)
        return nodes

    @property
    def worker_count(self):
        """Workers that can take users."""
        return len(self.clients)

    def _unknown(self, msg):
        logging.warning("Unknown message type received from worker %s: %s", msg.node_id, msg.type)


class WorkerRunner(DistributedRunner):
    """The runner of a worker (`--worker`); in a script, locusta's worker
    connected from this process to the master at `master_host:master_port`,
    whose users are the environment's user classes (greenlets of the script),
    until the master quits it or `quit()`."""

    def __init__(self, environment, master_host="127.0.0.1", master_port=5557):
        super().__init__(environment)
        self.master_host = master_host
        self.master_port = master_port
        # A script's worker knows its id at once; a `--worker` run's is the
        # one its Environment got before the locustfile loaded.
        self._client_id = None
        if self._in_script:
            self._client_id = _native.script_worker(
                _class_weights(environment),
                str(master_host),
                int(master_port),
                environment.host,
                float(environment.stop_timeout or 0),
            )
            self._watch_native()

    @property
    def client_id(self):
        """This worker's id, as it names itself to the master (`host_<hex>`)."""
        return self._client_id or _native.node_id()


def create_runner(environment, role, address=None):
    """The runner for `role`: "master", "worker" or "local"; a master's or
    worker's `(host, port)` is `address`, else the options'."""
    runner_class = {"master": MasterRunner, "worker": WorkerRunner}.get(role, LocalRunner)
    if address is not None:
        return runner_class(environment, *address)
    options = environment.parsed_options
    if role == "master":
        return runner_class(
            environment, getattr(options, "master_bind_host", "*"), getattr(options, "master_bind_port", 5557)
        )
    if role == "worker":
        return runner_class(
            environment, getattr(options, "master_host", "127.0.0.1"), getattr(options, "master_port", 5557)
        )
    return runner_class(environment)

"""The runner as Python code sees it (`environment.runner`), and Locust's state names."""

import json
import logging

import gevent

from locusta import _native

STATE_INIT = "ready"
STATE_SPAWNING = "spawning"
STATE_RUNNING = "running"
STATE_CLEANUP = "cleanup"
STATE_STOPPING = "stopping"
STATE_STOPPED = "stopped"
STATE_MISSING = "missing"


class Message:
    """A custom message: its type, its data and the node that sent it."""

    def __init__(self, message_type, data, node_id):
        self.type = message_type
        self.data = data
        self.node_id = node_id

    def __repr__(self):
        return f"<Message {self.type}:{self.node_id}>"


class Runner:
    """A view of locusta's runner (the engine's, in Rust)."""

    worker_index = 0
    worker_count = 1

    def __init__(self, environment):
        self.environment = environment
        self.exceptions = {}
        # Message type -> (listener, concurrent).
        self.custom_messages = {}

    @property
    def state(self):
        """ready, spawning, running, stopping or stopped."""
        return _native.runner_status()[0]

    @property
    def user_count(self):
        """Users alive now."""
        return _native.runner_status()[1]

    @property
    def target_user_count(self):
        """The user count of the current ramp."""
        return _native.runner_status()[2]

    @property
    def user_classes_count(self):
        """Users alive now, per class name."""
        return dict(_native.user_classes_count())

    @property
    def stats(self):
        """The statistics."""
        return self.environment.stats

    @property
    def user_greenlets(self):
        """The users' greenlets."""
        from locust import main

        return [user._greenlet for users in main._users.values() for user in users]

    def quit(self):
        """Ends the test (the reports are still written)."""
        _native.quit("runner.quit() called")

    def stop(self):
        """Ends the test."""
        _native.quit("runner.stop() called")

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
        """Calls the listener registered for the message's type (in a new
        greenlet when it was registered with `concurrent=True`)."""
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


class LocalRunner(Runner):
    """The runner of a local (single-process) test."""


class DistributedRunner(Runner):
    """A runner whose messages cross processes (msgpack on the wire, so the
    data must be what JSON can carry: dicts, lists, strings, numbers, booleans
    and None)."""

    def send_message(self, msg_type, data=None, client_id=None):
        """Sends a custom message: a worker's to its master; a master's to the
        worker `client_id`, or to every worker."""
        _native.send_message(msg_type, json.dumps(data), client_id)


class WorkerNode:
    """A worker as its master sees it (Locust's `WorkerNode`)."""

    def __init__(self, node_id, state, user_count):
        self.id = node_id
        self.state = state
        self.user_count = user_count

    def __repr__(self):
        return f"<WorkerNode {self.id} {self.state} {self.user_count} users>"


class MasterRunner(DistributedRunner):
    """The runner of a master (`--master`, or `--processes`)."""

    @property
    def clients(self):
        """The workers that can take users, by id (Locust's `runner.clients`)."""
        return {
            node_id: WorkerNode(node_id, state, users)
            for node_id, state, users in _native.workers()
            if state != STATE_MISSING
        }

    @property
    def worker_count(self):
        """Workers that can take users."""
        return len(self.clients)

    def _unknown(self, msg):
        logging.warning("Unknown message type received from worker %s: %s", msg.node_id, msg.type)


class WorkerRunner(DistributedRunner):
    """The runner of a worker (`--worker`)."""


def create_runner(environment, role):
    """The runner for `role`: "master", "worker" or "local"."""
    runner_class = {"master": MasterRunner, "worker": WorkerRunner}.get(role, LocalRunner)
    return runner_class(environment)

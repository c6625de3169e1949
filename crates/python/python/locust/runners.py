"""The runner as Python code sees it (`environment.runner`), and Locust's state names."""

import logging

import locusta as _native

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

    def __init__(self, environment):
        self.environment = environment
        self.exceptions = {}
        self.worker_index = 0
        self.worker_count = 1
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
        registered = self.custom_messages.get(msg_type)
        if registered is None:
            logging.warning("Unknown message type received: %s", msg_type)
            return
        listener, _concurrent = registered
        listener(environment=self.environment, msg=Message(msg_type, data, "local"))


class LocalRunner(Runner):
    """The runner of a local (single-process) test."""


class MasterRunner(Runner):
    """Distributed mode is not available in this version."""


class WorkerRunner(Runner):
    """Distributed mode is not available in this version."""

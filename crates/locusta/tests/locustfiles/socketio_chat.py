"""locust.contrib.socketio's SocketIOUser against a local Socket.IO server
(SIO_URL): connects, emits, calls and receives events, each reported as a
request."""

import os

from locust import constant, task
from locust.contrib.socketio import SocketIOUser


class Chatter(SocketIOUser):
    wait_time = constant(0.2)
    options = {"reconnection": False}

    def on_start(self):
        self.sio.connect(os.environ["SIO_URL"])

    @task
    def talk(self):
        self.sio.emit("chat", "hi")
        answer = self.sio.call("ask", "q", timeout=5)
        assert answer == {"answer": "q"}, answer

    def on_stop(self):
        self.sio.disconnect()

"""locust.contrib.socketio: SocketIOUser, a user whose `self.sio` is a
python-socketio client that reports connects, sends, emits, calls and
received events as requests (needs the `python-socketio` package)."""

import gevent
import socketio

from locust.event import EventHook  # noqa: F401
from locust.users import User


class SocketIOClient(socketio.Client):
    """socketio.Client whose operations fire `request_event`."""

    def __init__(self, request_event, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_event = request_event

    def _report(self, kind, name, data, exception):
        self.request_event.fire(
            request_type=kind, name=name, response_time=0,
            response_length=len(data or []), exception=exception, context={},
        )

    def connect(self, *args, **kwargs):
        """Connects; timed as request "WS connect"."""
        with self.request_event.measure("WS", "connect"):
            super().connect(*args, **kwargs)

    def send(self, data, namespace=None, callback=None, name="Unnamed"):
        """Sends a message; reported as "WSS" under `name`."""
        error = None
        try:
            super().send(data, namespace, callback)
        except Exception as exc:  # noqa: BLE001 - reported as the request's failure
            error = exc
        self._report("WSS", name, data, error)

    def emit(self, event, data=None, namespace=None, callback=None):
        """Emits an event; reported as "WSE" under the event's name."""
        error = None
        try:
            super().emit(event, data, namespace, callback)
        except Exception as exc:  # noqa: BLE001
            error = exc
        self._report("WSE", str(event), data, error)

    def call(self, event, data=None, *args, **kwargs):
        """Emits and waits for the answer; timed as "WSC"."""
        with self.request_event.measure("WSC", event):
            return super().call(event, data, *args, **kwargs)

    def on_message(self, event, data):
        """Default handler of received events: reported as "WSR" (time 0)."""
        self._report("WSR", event, data, None)


class SocketIOUser(User):
    """A user with a Socket.IO client in `self.sio` (options from `options`)."""

    abstract = True
    options = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sio = SocketIOClient(self.environment.events.request, **self.options)
        self.sio_greenlet = gevent.spawn(self.sio.wait)
        self.sio.on("*", self.sio.on_message)

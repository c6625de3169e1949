"""A Socket.IO server on 127.0.0.1 for the tests of locust.contrib.socketio
(run by the Python of bench/.venv-locust, which has python-socketio): echoes
"chat" as a "reply" event and answers "ask" calls. Prints its port."""

import sys
import socketio
from werkzeug.serving import make_server

sio = socketio.Server(async_mode="threading")
app = socketio.WSGIApp(sio)


@sio.on("chat")
def chat(sid, data):
    sio.emit("reply", {"echo": data}, to=sid)


@sio.on("ask")
def ask(sid, data):
    return {"answer": data}


server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()

"""locust.rpc.zmqrpc: Locust's ZeroMQ sockets. locusta's master and workers
talk over ZeroMQ from Rust (`locusta --master` / `--worker`), so these
classes cannot be used from Python: creating one raises NotImplementedError."""

from locust.exception import RPCError, RPCReceiveError, RPCSendError  # noqa: F401
from locust.rpc.protocol import Message  # noqa: F401
from locust.util.exception_handler import retry  # noqa: F401

_WHY = (
    "locusta: the master/worker sockets are locusta's own, in Rust; run `locusta --master` and "
    "`locusta --worker` (they speak Locust's protocol) instead of opening {} from Python"
)


class BaseSocket:
    """A ZeroMQ socket (not available from Python under locusta)."""

    def __init__(self, sock_type, ipv4_only=False):
        raise NotImplementedError(_WHY.format(type(self).__name__))


class Server(BaseSocket):
    """The master's ROUTER socket (not available from Python under locusta)."""

    def __init__(self, host, port):
        raise NotImplementedError(_WHY.format("Server"))


class Client(BaseSocket):
    """A worker's DEALER socket (not available from Python under locusta)."""

    def __init__(self, host, port, identity):
        raise NotImplementedError(_WHY.format("Client"))

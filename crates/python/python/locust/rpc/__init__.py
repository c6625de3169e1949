"""locust.rpc: Locust's master/worker messaging. locusta speaks the same
protocol (ZeroMQ + msgpack) from Rust; this package keeps the Message class
(with msgpack, when installed) and says so for the socket classes."""

from locust.rpc import zmqrpc as rpc  # noqa: F401
from locust.rpc.protocol import Message  # noqa: F401

__all__ = ("Message", "rpc")

"""locust.rpc.protocol: a master/worker message `(type, data, node_id)` and
its msgpack form (datetimes and ObjectIds encoded as Locust does)."""

import datetime

try:
    from bson import ObjectId
except ImportError:

    class ObjectId:
        """Stands in for bson's ObjectId when pymongo is not installed."""

        def __init__(self, s):
            raise Exception("You need to install pymongo or at least bson to be able to send/receive ObjectIds")


_FORMAT = "%Y%m%dT%H:%M:%S.%f"


def decode(obj):
    """msgpack object hook: turns encoded datetimes and ObjectIds back."""
    if "__datetime__" in obj:
        return datetime.datetime.strptime(obj["as_str"], _FORMAT)
    if "__ObjectId__" in obj:
        return ObjectId(obj["as_str"])
    return obj


def encode(obj):
    """msgpack default hook: datetimes and ObjectIds as tagged dicts."""
    if isinstance(obj, datetime.datetime):
        return {"__datetime__": True, "as_str": obj.strftime(_FORMAT)}
    if isinstance(obj, ObjectId):
        return {"__ObjectId__": True, "as_str": str(obj)}
    return obj


def _msgpack():
    try:
        import msgpack
    except ImportError as error:
        raise ImportError(
            "locust.rpc.protocol.Message needs msgpack to (un)serialize (pip install msgpack); "
            "locusta's own messages are encoded in Rust",
            name="msgpack",
        ) from error
    return msgpack


class Message:
    """A message between master and workers."""

    def __init__(self, message_type, data, node_id):
        self.type = message_type
        self.data = data
        self.node_id = node_id

    def __repr__(self):
        return f"<Message {self.type}:{self.node_id}>"

    def serialize(self):
        """The message as msgpack bytes."""
        return _msgpack().dumps((self.type, self.data, self.node_id), default=encode)

    @classmethod
    def unserialize(cls, data):
        """A message from msgpack bytes."""
        return cls(*_msgpack().loads(data, raw=False, strict_map_key=False, object_hook=decode))

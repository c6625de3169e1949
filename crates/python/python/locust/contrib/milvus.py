"""locust.contrib.milvus: Locust's MilvusUser (needs the `pymilvus` package).
The module imports when pymilvus is installed; its client and user are not
part of locusta yet: creating one raises NotImplementedError."""

import pymilvus  # noqa: F401

from locust import events  # noqa: F401
from locust.users import User

_WHY = "locusta: locust.contrib.milvus's {} is not available yet (call pymilvus and report through events.request)"


class BaseClient:
    """Locust's vector-database client interface (not in locusta yet)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_WHY.format(type(self).__name__))


class MilvusV2Client(BaseClient):
    """Locust's Milvus client (not in locusta yet)."""


class MilvusUser(User):
    """Locust's Milvus user (not in locusta yet)."""

    abstract = True

    def __init__(self, environment, *args, **kwargs):
        raise NotImplementedError(_WHY.format("MilvusUser"))

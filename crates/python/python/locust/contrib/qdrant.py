"""locust.contrib.qdrant: Locust's QdrantUser (needs the `qdrant-client`
package). The module imports when qdrant-client is installed; its client and
user are not part of locusta yet: creating one raises NotImplementedError."""

import qdrant_client  # noqa: F401

from locust import events  # noqa: F401
from locust.users import User

_WHY = "locusta: locust.contrib.qdrant's {} is not available yet (call qdrant-client and report through events.request)"


class QdrantLocustClient:
    """Locust's Qdrant client (not in locusta yet)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_WHY.format("QdrantLocustClient"))


class QdrantUser(User):
    """Locust's Qdrant user (not in locusta yet)."""

    abstract = True

    def __init__(self, environment, *args, **kwargs):
        raise NotImplementedError(_WHY.format("QdrantUser"))

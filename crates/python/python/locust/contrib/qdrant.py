"""locust.contrib.qdrant: a user that loads a Qdrant vector database (needs
the `qdrant-client` package), as Locust's does.

`QdrantLocustClient` wraps a `qdrant_client.QdrantClient` bound to one
collection: each operation (`upsert`, `search`, `scroll`, `delete`) is
timed and answers a dict — `success`, `response_time` in ms, and `result`
or `exception` (`search` and `scroll` also `empty`, which counts as a
failure, and `scroll` its `next_offset`) — instead of raising. `QdrantUser`
holds one such client per user (`url`, `api_key`, `collection_name`,
`timeout`, `client_kwargs`, and `vectors_config`/`collection_kwargs` to
create the collection when it is missing) and reports every operation
through `events.request` as request type `qdrant`, named after the
operation, so it appears in locusta's statistics. The client is closed in
`on_stop`. `client_kwargs={"location": ":memory:"}` runs qdrant-client's
local mode, without a server.
"""

import time  # noqa: F401
from typing import Any  # noqa: F401

from qdrant_client import QdrantClient
from qdrant_client.models import VectorParams  # noqa: F401

from locust import events  # noqa: F401
from locust.contrib._timed import fire, not_empty, timed
from locust.users import User


class QdrantLocustClient:
    """One collection of a Qdrant server, its operations timed."""

    def __init__(self, url, collection_name, api_key=None, timeout=60, **kwargs):
        self.url = url
        self.collection_name = collection_name
        self.api_key = api_key
        self.timeout = timeout
        self.client = QdrantClient(url=url, api_key=api_key, timeout=timeout, **kwargs)

    def close(self):
        self.client.close()

    def create_collection(self, vectors_config, **kwargs):
        """Creates the collection unless it exists."""
        if not self.client.collection_exists(collection_name=self.collection_name):
            self.client.create_collection(collection_name=self.collection_name, vectors_config=vectors_config, **kwargs)

    def upsert(self, points):
        return timed(lambda: self.client.upsert(collection_name=self.collection_name, points=points))

    def search(self, query, limit=10, query_filter=None, search_params=None, with_payload=True):
        outcome = timed(
            lambda: self.client.query_points(
                collection_name=self.collection_name,
                query=query,
                limit=limit,
                query_filter=query_filter,
                search_params=search_params,
                with_payload=with_payload,
            )
        )
        return not_empty(outcome, outcome["result"].points if outcome["success"] else ())

    def scroll(self, scroll_filter=None, limit=10, with_payload=True):
        outcome = timed(
            lambda: self.client.scroll(
                collection_name=self.collection_name,
                scroll_filter=scroll_filter,
                limit=limit,
                with_payload=with_payload,
            )
        )
        if not outcome["success"]:
            return outcome
        records, outcome["next_offset"] = outcome["result"]
        outcome["result"] = records
        return not_empty(outcome, records)

    def delete(self, points_selector):
        return timed(lambda: self.client.delete(collection_name=self.collection_name, points_selector=points_selector))


class QdrantUser(User):
    """A user with a QdrantLocustClient (`self.client`) whose operations are
    counted in the statistics as `qdrant` requests."""

    abstract = True

    url = "http://localhost:6333"
    api_key = None
    collection_name = None
    timeout = 60
    vectors_config = None
    client_kwargs = None
    collection_kwargs = None

    def __init__(self, environment):
        super().__init__(environment)
        if self.collection_name is None:
            raise ValueError("'collection_name' must be provided for QdrantUser")
        self.client_type = "qdrant"
        self.client = QdrantLocustClient(
            url=self.url,
            api_key=self.api_key,
            collection_name=self.collection_name,
            timeout=self.timeout,
            **(self.client_kwargs or {}),
        )
        if self.vectors_config is not None:
            self.client.create_collection(vectors_config=self.vectors_config, **(self.collection_kwargs or {}))

    @staticmethod
    def _fire_event(request_type, name, result):
        """Reports one operation's result dict through events.request."""
        fire(request_type, name, result)

    def _report(self, name, result):
        self._fire_event(self.client_type, name, result)
        return result

    def upsert(self, points):
        return self._report("upsert", self.client.upsert(points))

    def search(self, query, limit=10, query_filter=None, search_params=None, with_payload=True):
        return self._report(
            "search",
            self.client.search(
                query=query, limit=limit, query_filter=query_filter, search_params=search_params,
                with_payload=with_payload,
            ),
        )

    def scroll(self, scroll_filter=None, limit=10, with_payload=True):
        return self._report("scroll", self.client.scroll(scroll_filter=scroll_filter, limit=limit, with_payload=with_payload))

    def delete(self, points_selector):
        return self._report("delete", self.client.delete(points_selector))

    def on_stop(self):
        self.client.close()

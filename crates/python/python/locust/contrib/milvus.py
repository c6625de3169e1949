"""locust.contrib.milvus: a user that loads a Milvus vector database (needs
the `pymilvus` package), as Locust's does.

`MilvusV2Client` wraps a `pymilvus.MilvusClient` bound to one collection:
`insert`, `upsert`, `search` (optionally with the recall against a ground
truth), `hybrid_search`, `query` and `delete` are timed and answer a dict
— `success`, `response_time` in ms, `result` or `exception`; an empty
search or query is `empty` and not a success — instead of raising.
`MilvusUser(environment, uri=…, token=…, collection_name=…, db_name=…,
timeout=…, schema=…, index_params=…, **collection options)` holds one
client (a subclass's `__init__` passes its settings) and reports every
operation through `events.request` as request type `milvus`, named after
the operation; a search with `calculate_recall=True` also reports a
`recall` row whose "response time" is the recall in percent, as Locust
does. The collection is created when a `schema` is given; the client is
closed in `on_stop`. A file path as `uri` (`"./test.db"`) runs Milvus Lite
(the `milvus-lite` package), without a server.

gRPC (pymilvus's transport) is told to cooperate with gevent when the
module is imported, as Locust does.
"""

import time  # noqa: F401
from abc import ABC, abstractmethod
from typing import Any  # noqa: F401

try:
    import grpc.experimental.gevent as _grpc_gevent
except ImportError:  # pymilvus without gRPC's gevent support
    _grpc_gevent = None
else:
    _grpc_gevent.init_gevent()

from pymilvus import CollectionSchema, MilvusClient  # noqa: F401
from pymilvus.milvus_client import IndexParams  # noqa: F401

from locust import events  # noqa: F401
from locust.contrib._timed import fire, not_empty, timed
from locust.users import User


class BaseClient(ABC):
    """The operations a vector-database user's client offers."""

    @abstractmethod
    def close(self):
        """Closes the connection."""

    @abstractmethod
    def create_collection(self, schema, index_params, **kwargs):
        """Creates the client's collection."""

    @abstractmethod
    def insert(self, data):
        """Inserts rows; a result dict."""

    @abstractmethod
    def upsert(self, data):
        """Inserts or replaces rows; a result dict."""

    @abstractmethod
    def search(self, data, anns_field, limit, filter="", search_params=None, output_fields=None,
               calculate_recall=False, ground_truth=None):
        """Nearest neighbours of `data`; a result dict."""

    @abstractmethod
    def hybrid_search(self, reqs, ranker, limit, output_fields=None):
        """Several searches ranked together; a result dict."""

    @abstractmethod
    def query(self, filter, output_fields=None):
        """Rows matching `filter`; a result dict."""

    @abstractmethod
    def delete(self, filter):
        """Deletes the rows matching `filter`; a result dict."""


def _hits(result):
    """A search's hits, one list per query vector."""
    return [] if len(result) == 0 or all(len(hits) == 0 for hits in result) else result


class MilvusV2Client(BaseClient):
    """One collection of a Milvus server (or Milvus Lite file), its operations timed."""

    def __init__(self, uri, collection_name, token="root:Milvus", db_name="default", timeout=60):
        self.uri = uri
        self.collection_name = collection_name
        self.token = token
        self.db_name = db_name
        self.timeout = timeout
        self.client = MilvusClient(uri=uri, token=token, db_name=db_name, timeout=timeout)

    def close(self):
        self.client.close()

    def create_collection(self, schema, index_params, **kwargs):
        self.client.create_collection(
            collection_name=self.collection_name, schema=schema, index_params=index_params, **kwargs
        )

    def insert(self, data):
        return timed(lambda: self.client.insert(collection_name=self.collection_name, data=data))

    def upsert(self, data):
        return timed(lambda: self.client.upsert(collection_name=self.collection_name, data=data))

    def search(self, data, anns_field, limit, filter="", search_params=None, output_fields=None,
               calculate_recall=False, ground_truth=None):
        outcome = timed(
            lambda: self.client.search(
                collection_name=self.collection_name,
                data=data,
                anns_field=anns_field,
                filter=filter,
                limit=limit,
                search_params=search_params,
                output_fields=output_fields or ["id"],
            )
        )
        outcome = not_empty(outcome, _hits(outcome["result"]) if outcome["success"] else ())
        if outcome["success"] and calculate_recall and ground_truth is not None:
            outcome["recall"] = self.get_recall(outcome["result"], ground_truth, limit)
        return outcome

    def hybrid_search(self, reqs, ranker, limit, output_fields=None):
        outcome = timed(
            lambda: self.client.hybrid_search(
                collection_name=self.collection_name,
                reqs=reqs,
                ranker=ranker,
                limit=limit,
                output_fields=output_fields or ["id"],
                timeout=self.timeout,
            )
        )
        return not_empty(outcome, _hits(outcome["result"]) if outcome["success"] else ())

    @staticmethod
    def get_recall(search_results, ground_truth, limit=None):
        """The share of the first `limit` ids of `ground_truth` that the
        first query's hits found (0.0 when it cannot be told)."""
        try:
            first = search_results[0] if search_results and isinstance(search_results[0], list) else search_results
            found = {hit.get("id") for hit in first if hasattr(hit, "get")}
            limit = len(found) if limit is None else limit
            if len(ground_truth) < limit:
                raise ValueError(f"Ground truth length is less than limit: {len(ground_truth)} < {limit}")
            wanted = set(ground_truth[:limit])
            return len(wanted & found) / len(wanted)
        except Exception:  # noqa: BLE001 - a recall that cannot be computed is 0
            return 0.0

    def query(self, filter, output_fields=None):
        outcome = timed(
            lambda: self.client.query(
                collection_name=self.collection_name, filter=filter, output_fields=output_fields or ["id"]
            )
        )
        return not_empty(outcome, outcome["result"] if outcome["success"] else ())

    def delete(self, filter):
        return timed(lambda: self.client.delete(collection_name=self.collection_name, filter=filter))


class MilvusUser(User):
    """A user with a MilvusV2Client (`self.client`) whose operations are
    counted in the statistics as `milvus` requests."""

    abstract = True

    def __init__(self, environment, uri="http://localhost:19530", token="root:Milvus",
                 collection_name="test_collection", db_name="default", timeout=60, schema=None,
                 index_params=None, **kwargs):
        super().__init__(environment)
        if uri is None:
            raise ValueError("'uri' must be provided for MilvusUser")
        if collection_name is None:
            raise ValueError("'collection_name' must be provided for MilvusUser")
        self.client_type = "milvus"
        self.client = MilvusV2Client(
            uri=uri, token=token, collection_name=collection_name, db_name=db_name, timeout=timeout
        )
        if schema is not None:
            self.client.create_collection(schema=schema, index_params=index_params, **kwargs)

    @staticmethod
    def _fire_event(request_type, name, result):
        """Reports one operation's result dict through events.request."""
        fire(request_type, name, result)

    @staticmethod
    def _fire_recall_event(request_type, name, result):
        """Reports a search's recall as a request whose response time is
        the recall in percent."""
        events.request.fire(
            request_type=request_type,
            name=name,
            response_time=int(result.get("recall", 0.0) * 100),
            response_length=result.get("retrieved_count", 0),
            exception=result.get("exception"),
        )

    def _report(self, name, result):
        self._fire_event(self.client_type, name, result)
        return result

    def insert(self, data):
        return self._report("insert", self.client.insert(data))

    def upsert(self, data):
        return self._report("upsert", self.client.upsert(data))

    def search(self, data, anns_field, limit, filter="", search_params=None, output_fields=None,
               calculate_recall=False, ground_truth=None):
        result = self._report(
            "search",
            self.client.search(
                data, anns_field, limit, filter=filter, search_params=search_params, output_fields=output_fields,
                calculate_recall=calculate_recall, ground_truth=ground_truth,
            ),
        )
        if calculate_recall and "recall" in result:
            self._fire_recall_event(self.client_type, "recall", result)
        return result

    def hybrid_search(self, reqs, ranker, limit, output_fields=None):
        return self._report("hybrid_search", self.client.hybrid_search(reqs, ranker, limit, output_fields))

    def query(self, filter, output_fields=None):
        return self._report("query", self.client.query(filter=filter, output_fields=output_fields))

    def delete(self, filter):
        return self._report("delete", self.client.delete(filter))

    def on_stop(self):
        self.client.close()

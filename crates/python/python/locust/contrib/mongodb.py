"""locust.contrib.mongodb: MongoDBUser, whose client times `find` queries
and reports them as requests (needs the `pymongo` package)."""

import time

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from locust import events
from locust.users import User


class MongoDBClient(MongoClient):
    """A MongoClient bound to database `db_name`."""

    def __init__(self, conn_string, db_name):
        super().__init__(conn_string)
        self.db = self[db_name]

    def execute_query(self, collection_name, query):
        """Runs `find(query)` on the collection (reading every document);
        reported as "mongodb" request named after the collection."""
        started = time.perf_counter()
        meta = {"request_type": "mongodb", "name": collection_name, "response_length": 0, "exception": None,
                "start_time": time.time()}
        try:
            meta["response_length"] = len(list(self.db[collection_name].find(query)))
        except PyMongoError as error:
            meta["exception"] = error
        meta["response_time"] = (time.perf_counter() - started) * 1000
        events.request.fire(**meta)


class MongoDBUser(User):
    """A user with a MongoDBClient (`conn_string` and `db_name` class attributes)."""

    abstract = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = MongoDBClient(self.conn_string, self.db_name)

    def on_stop(self):
        self.client.close()

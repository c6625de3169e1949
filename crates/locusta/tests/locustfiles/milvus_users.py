"""locust.contrib.milvus's MilvusUser against Milvus Lite (the `milvus-lite`
package: a real Milvus engine behind a local file, one file per user in
$MILVUS_DIR, no server): each user creates its collection from a schema,
inserts ten vectors in on_start, then searches them (with the recall
against the known nearest ids) and queries them; a query on a field the
collection does not have is refused by Milvus, so it is a failure."""

import itertools
import os

from pymilvus import DataType, MilvusClient

from locust import constant, task
from locust.contrib.milvus import MilvusUser

_numbers = itertools.count(1)
ROWS = [{"id": n, "vector": [1.0, n / 10, 0.5, 0.25]} for n in range(1, 11)]
QUERY = [1.0, 0.5, 0.5, 0.25]


def schema():
    fields = MilvusClient.create_schema(auto_id=False)
    fields.add_field("id", DataType.INT64, is_primary=True)
    fields.add_field("vector", DataType.FLOAT_VECTOR, dim=4)
    return fields


def index():
    params = MilvusClient.prepare_index_params()
    params.add_index(field_name="vector", index_type="FLAT", metric_type="L2")
    return params


class VectorUser(MilvusUser):
    wait_time = constant(0.01)

    def __init__(self, environment):
        uri = os.path.join(os.environ["MILVUS_DIR"], f"user{next(_numbers)}.db")
        super().__init__(environment, uri=uri, collection_name="items", schema=schema(), index_params=index())

    def on_start(self):
        assert self.insert(ROWS)["success"]

    @task
    def nearest(self):
        found = self.search([QUERY], "vector", 3, calculate_recall=True, ground_truth=[5, 4, 6])
        assert found["success"] and found["recall"] == 1.0, found

    @task
    def above_five(self):
        rows = self.query("id > 5")
        assert rows["success"] and len(rows["result"]) == 5, rows

    @task
    def unknown_field(self):
        assert not self.query("colour == 'red'")["success"]

"""locust.contrib.qdrant's QdrantUser against qdrant-client's local mode
(`location=":memory:"`, a real Qdrant engine in the process, no server):
each VectorUser fills its own collection in on_start, then searches and
scrolls it; each LostUser searches a collection that does not exist, which
Qdrant refuses, so its searches are failures."""

from qdrant_client.models import Distance, PointStruct, VectorParams

from locust import constant, task
from locust.contrib.qdrant import QdrantUser

POINTS = [PointStruct(id=n, vector=[1.0, n / 10, 0.5, 0.25], payload={"n": n}) for n in range(1, 11)]


class VectorUser(QdrantUser):
    wait_time = constant(0.01)
    url = None
    collection_name = "items"
    client_kwargs = {"location": ":memory:"}
    vectors_config = VectorParams(size=4, distance=Distance.COSINE)

    def on_start(self):
        assert self.upsert(POINTS)["success"]

    @task
    def nearest(self):
        found = self.search([1.0, 0.5, 0.5, 0.25], limit=3)
        assert found["success"] and len(found["result"].points) == 3, found

    @task
    def pages(self):
        page = self.scroll(limit=4)
        assert page["success"] and len(page["result"]) == 4 and page["next_offset"] is not None, page


class LostUser(QdrantUser):
    wait_time = constant(0.01)
    url = None
    collection_name = "missing"
    client_kwargs = {"location": ":memory:"}

    @task
    def nearest(self):
        found = self.search([1.0, 0.5, 0.5, 0.25], limit=3)
        assert not found["success"] and "exception" in found, found

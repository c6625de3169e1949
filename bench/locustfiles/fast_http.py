"""Benchmark locustfile: GET / with no wait, on HttpUser (bench/python.sh)."""

from locust import HttpUser, constant, task


class Fast(HttpUser):
    wait_time = constant(0)

    @task
    def index(self):
        self.client.get("/")

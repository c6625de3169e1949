"""Benchmark locustfile: GET / with no wait, on FastHttpUser (bench/python.sh)."""

from locust import FastHttpUser, constant, task


class Fast(FastHttpUser):
    wait_time = constant(0)

    @task
    def index(self):
        self.client.get("/")

"""Benchmark locustfile: GET /sleep?ms=50 with no wait, on FastHttpUser (bench/python.sh)."""

from locust import FastHttpUser, constant, task


class Sleeper(FastHttpUser):
    wait_time = constant(0)

    @task
    def slow(self):
        self.client.get("/sleep?ms=50")

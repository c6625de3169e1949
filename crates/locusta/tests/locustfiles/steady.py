"""A steady, small load for the cluster's tests: GET / every 50 ms per user."""

from locust import HttpUser, constant, task


class Steady(HttpUser):
    wait_time = constant(0.05)

    @task
    def index(self):
        self.client.get("/")

"""StopTest from a task ends the whole test (locusta's choice, see docs/architecture.md)."""
from locust import HttpUser, constant, task
from locust.exception import StopTest


class Checker(HttpUser):
    wait_time = constant(0.01)

    @task
    def check(self):
        response = self.client.get("/status/503", name="health")
        if response.status_code == 503:
            raise StopTest()

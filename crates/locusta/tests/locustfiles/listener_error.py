"""An exception in an event listener is logged and makes the exit code 2."""
from locust import HttpUser, constant, events, task


@events.test_start.add_listener
def broken(environment, **kwargs):
    raise RuntimeError("listener broke")


class Fine(HttpUser):
    wait_time = constant(0)

    @task
    def index(self):
        self.client.get("/")

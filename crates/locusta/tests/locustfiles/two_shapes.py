# Two load shapes: a headless run uses the first, the web UI's class picker
# can choose either. Requests are named after the shape in use.
from locust import HttpUser, LoadTestShape, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.05)

    @task
    def index(self):
        self.client.get("/", name=type(self.environment.shape_class).__name__)


class OneUser(LoadTestShape):
    def tick(self):
        return (1, 10) if self.get_run_time() < 2 else None


class ThreeUsers(LoadTestShape):
    def tick(self):
        return (3, 10) if self.get_run_time() < 2 else None

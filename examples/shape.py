"""A staged load shape, as in Locust's examples: 2 users of both classes for 1 s, then
4 users of the Reader class only for 2 s, then the test ends.

    locusta -f examples/shape.py --headless -H http://127.0.0.1:8080
"""
from locust import HttpUser, LoadTestShape, constant, events, task


class Reader(HttpUser):
    wait_time = constant(0.05)

    @task
    def read(self):
        self.client.get("/products")


class Writer(HttpUser):
    wait_time = constant(0.05)

    @task
    def write(self):
        self.client.get("/", name="writer")


class Stages(LoadTestShape):
    stages = [
        {"duration": 1, "users": 2, "spawn_rate": 10},
        {"duration": 3, "users": 4, "spawn_rate": 10, "user_classes": [Reader]},
    ]

    def tick(self):
        run_time = self.get_run_time()
        for stage in self.stages:
            if run_time < stage["duration"]:
                print("TICK", stage["users"], self.get_current_user_count(), flush=True)
                if "user_classes" in stage:
                    return (stage["users"], stage["spawn_rate"], stage["user_classes"])
                return (stage["users"], stage["spawn_rate"])
        return None


@events.test_stop.add_listener
def report(environment, **kwargs):
    print("COUNTS", environment.runner.user_classes_count, flush=True)

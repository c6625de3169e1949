"""A load shape that asks for a billion users for 2 seconds (the runner must
ramp only to what fits in memory, and say so)."""
from locust import LoadTestShape, User, constant, task


class Idle(User):
    wait_time = constant(1)

    @task
    def nothing(self):
        pass


class Billion(LoadTestShape):
    def tick(self):
        if self.get_run_time() > 2:
            return None
        return (1_000_000_000, 1_000_000_000)

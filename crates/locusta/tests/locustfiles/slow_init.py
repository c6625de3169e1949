"""Users whose __init__ blocks, as in Locust's wait_user_count shape example
(e.g. to fetch test data): they are created in their own greenlets."""
import os
import time

import gevent
from locust import HttpUser, LoadTestShape, constant, task

INIT_SECONDS = float(os.environ.get("INIT_SECONDS", "0.2"))


class SlowToCreate(HttpUser):
    wait_time = constant(0.05)

    def __init__(self, *args, **kwargs):
        time.sleep(INIT_SECONDS / 2)
        gevent.sleep(INIT_SECONDS / 2)
        super().__init__(*args, **kwargs)

    @task
    def index(self):
        self.client.get("/")


if os.environ.get("SHAPE"):

    class UpThenDown(LoadTestShape):
        """5 users for 1 s, then none until 3 s."""

        def tick(self):
            run_time = self.get_run_time()
            if run_time < 1:
                return (5, 100)
            if run_time < 3:
                return (0, 100)
            return None

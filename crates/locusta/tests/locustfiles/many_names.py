"""Ids in URLs, the classic mistake: each request gets a name of its own,
up to NAMES (environment, 20000 by default) distinct names, then `/`."""

import itertools
import os

from locust import FastHttpUser, constant, task

NAMES = int(os.environ.get("NAMES", "20000"))
counter = itertools.count()


class Names(FastHttpUser):
    wait_time = constant(0)

    @task
    def item(self):
        n = next(counter)
        if n < NAMES:
            self.client.get(f"/item/{n}")
        else:
            self.client.get("/")

"""gevent primitives inside tasks: spawn, pools, semaphores, sleep, time.sleep."""
import time

import gevent
from gevent.lock import Semaphore
from gevent.pool import Pool

from locust import FastHttpUser, constant, events, task

limit = Semaphore(2)


class Concurrent(FastHttpUser):
    wait_time = constant(0.01)

    @task
    def parallel(self):
        pool = Pool(3)
        for _ in range(3):
            pool.spawn(self.client.get, "/sleep?ms=20", name="pooled")
        pool.join()

    @task
    def guarded(self):
        with limit:
            gevent.sleep(0.001)
            time.sleep(0.001)  # cooperative: gevent patched the time module
            self.client.get("/products")


class LoggedIn(FastHttpUser):
    """Concurrent requests of a logged-in user carry its session cookie."""

    wait_time = constant(0.01)
    fixed_count = 1

    def on_start(self):
        self.client.post("/login", data={"username": "a", "password": "b"})

    @task
    def carts(self):
        pool = Pool(3)
        for _ in range(3):
            pool.spawn(self.client.get, "/cart", name="concurrent_cart")
        pool.join()


class WithRequests(FastHttpUser):
    """The requests library cooperates (gevent's monkey-patching, as under Locust)."""

    wait_time = constant(0.01)
    fixed_count = 1

    @task
    def blocking_library(self):
        import requests
        from gevent import monkey

        assert monkey.is_module_patched("socket") and monkey.is_module_patched("time")

        with events.request.measure("requests", "requests_lib") as meta:
            response = requests.get(self.host + "/sleep?ms=20", timeout=5)
            meta["response_length"] = len(response.content)
            response.raise_for_status()

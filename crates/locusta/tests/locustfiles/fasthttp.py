"""FastHttpUser names requests after the URL as passed; HttpUser after the path."""
from collections.abc import Generator

import sys

from locust import FastHttpUser, HttpUser, SequentialTaskSet, constant, events, task
from locust.clients import HttpSession, ResponseContextManager
from locust.contrib.fasthttp import FastHttpSession, FastResponse, RestResponseContextManager


def typed_rest(user, url, name) -> Generator[RestResponseContextManager]:
    """Locust's typed rest() wrapper, as its examples write it."""
    return user.rest("GET", url, name=name)


class Fetch(SequentialTaskSet):
    @task
    def absolute(self):
        self.client.get(self.user.host + "/products")

    @task
    def relative(self):
        self.client.get("/products?page=2")

    @task
    def rest(self):
        with typed_rest(self.user, "/products/4", "rest_product") as response:
            assert response.js["id"] == 4, response.js
            assert isinstance(response, RestResponseContextManager), type(response)
            assert isinstance(self.client, FastHttpSession) and isinstance(self.client, HttpSession)
        plain = self.client.get("/products/4", name="rest_product")
        assert isinstance(plain, FastResponse) and isinstance(plain, ResponseContextManager)

    @task
    def rest_failure(self):
        with self.user.rest("GET", "/products", name="rest_assert") as response:
            assert isinstance(response.js, dict), "expected an object,"


class Fast(FastHttpUser):
    wait_time = constant(0)
    tasks = [Fetch]
    fixed_count = 1


class Slow(HttpUser):
    wait_time = constant(0)
    fixed_count = 1

    @task
    def absolute(self):
        self.client.get(self.host + "/", name=None)
        self.client.get(self.host + "/products")


class FastStatuses(FastHttpUser):
    """FastHttpUser's rule: 203 and 302 succeed, 201 too; 205 succeeds, 299 fails."""

    wait_time = constant(0)
    fixed_count = 1

    @task
    def statuses(self):
        self.client.get("/status/203", name="fast_203")
        self.client.get("/status/299", name="fast_299")


_shown = set()


@events.request.add_listener
def show_fast_failure(name, exception=None, **kwargs):
    """Prints the first exception of fast_299 as a listener sees it."""
    if name == "fast_299" and exception is not None and name not in _shown:
        _shown.add(name)
        print(f"FAST_299 str={exception} repr={exception!r}", file=sys.stderr, flush=True)

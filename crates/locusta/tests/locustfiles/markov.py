"""Markov task sets, plain-function tasks, weights in a list, custom wait times."""
import random

from locust import HttpUser, MarkovTaskSet, User, constant_pacing, events, task, transition, transitions


def plain_function(user):
    user.client.get("/", name="plain_function")


class Walk(MarkovTaskSet):
    @transition("second")
    def first(self):
        self.client.get("/", name="markov_first")

    @transitions({"first": 1, "third": 1})
    def second(self):
        self.client.get("/", name="markov_second")

    @transition("first")
    def third(self):
        self.client.get("/", name="markov_third")


class Walker(HttpUser):
    wait_time = constant_pacing(0.01)
    tasks = [Walk]
    fixed_count = 1


class Functions(HttpUser):
    # A custom wait function: any callable of the user.
    wait_time = lambda self: random.uniform(0.001, 0.002)  # noqa: E731
    tasks = [(plain_function, 2)]
    fixed_count = 1

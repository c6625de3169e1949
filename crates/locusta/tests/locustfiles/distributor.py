"""locust-plugins' Distributor: the master hands out the items of one iterator
to the users of every worker through custom messages, one item to one user.
Each request is named after its item, so a repeated item shows as a row of
two requests."""

from locust_plugins.distributor import Distributor

from locust import HttpUser, constant, events, task
from locust.runners import WorkerRunner

distributors = {}


@events.init.add_listener
def on_init(environment, **_kwargs):
    items = None if isinstance(environment.runner, WorkerRunner) else iter(range(1_000_000))
    distributors["items"] = Distributor(environment, items)


class Taker(HttpUser):
    wait_time = constant(0.05)

    @task
    def take(self):
        item = next(distributors["items"])
        self.client.get(f"/?item={item}", name=f"item-{item}")

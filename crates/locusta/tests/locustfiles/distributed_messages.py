"""Custom messages across processes: the master hands each worker its share
of some accounts at test_start, and each worker thanks the master."""
import logging

from locust import HttpUser, constant, events, task
from locust.runners import MasterRunner, WorkerRunner


def take_accounts(environment, msg, **kwargs):
    names = [account["name"] for account in msg.data]
    logging.info("WORKER GOT %s", ",".join(names))
    environment.runner.send_message("thanks", {"count": len(names), "first": names[0]})


def thanks(environment, msg, **kwargs):
    logging.info("MASTER HEARD %s from %s", sorted(msg.data.items()), msg.node_id)


@events.init.add_listener
def on_init(environment, **kwargs):
    if isinstance(environment.runner, WorkerRunner):
        environment.runner.register_message("accounts", take_accounts)
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message("thanks", thanks, concurrent=True)


@events.test_start.add_listener
def on_test_start(environment, **kwargs):
    if isinstance(environment.runner, MasterRunner):
        accounts = [{"name": f"user{i}"} for i in range(6)]
        workers = sorted(environment.runner.clients)
        logging.info("MASTER SEES %d WORKERS", environment.runner.worker_count)
        for n, worker in enumerate(workers):
            environment.runner.send_message("accounts", accounts[n :: len(workers)], worker)
        environment.runner.send_message("nobody_listens", None)


class Visitor(HttpUser):
    wait_time = constant(0.2)

    @task
    def index(self):
        self.client.get("/")

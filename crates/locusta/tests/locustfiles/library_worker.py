"""Locust's library use with a worker: `locusta --python library_worker.py
PORT` connects to the master on 127.0.0.1:PORT (the test starts a `locusta
-f library_worker.py --master`: this file is its locustfile too) and runs
the users the master asks for until the master quits it. Custom messages go
both ways: the master pings at test start, the worker answers. Prints what
the runner and the events saw, one `KEY k=v …` line each."""

import sys
import time

from locust import HttpUser, constant, events, task
from locust.runners import MasterRunner


class Visitor(HttpUser):
    wait_time = constant(0.05)

    @task
    def home(self):
        self.client.get("/")


@events.test_start.add_listener
def ping_workers(environment, **_kwargs):
    # On the master: every worker gets a "ping"; its "pong" is logged.
    if isinstance(environment.runner, MasterRunner):
        import logging

        def on_pong(environment, msg, **_kwargs):
            logging.info("PONG from=%s data=%s", msg.node_id, msg.data)

        if "pong" not in environment.runner.custom_messages:
            environment.runner.register_message("pong", on_pong)
        environment.runner.send_message("ping", {"n": 1})


def main(port):
    from locust.env import Environment

    seen = {"test_start": 0, "test_stop": 0, "pings": []}
    env = Environment(user_classes=[Visitor], events=events)
    env.events.test_start.add_listener(lambda **_kw: seen.__setitem__("test_start", seen["test_start"] + 1))
    env.events.test_stop.add_listener(lambda **_kw: seen.__setitem__("test_stop", seen["test_stop"] + 1))
    runner = env.create_worker_runner("127.0.0.1", port)

    def on_ping(environment, msg, **_kwargs):
        seen["pings"].append(msg.data)
        environment.runner.send_message("pong", {"client_id": environment.runner.client_id})

    runner.register_message("ping", on_ping)
    print(f"CLIENT id={runner.client_id}", flush=True)
    started = time.monotonic()
    runner.greenlet.join()
    print(f"JOINED after={time.monotonic() - started:.1f} users={runner.user_count}")
    print(f"EVENTS test_start={seen['test_start']} test_stop={seen['test_stop']} "
          f"pings={len(seen['pings'])} ping_data={seen['pings'] == [{'n': 1}]}")


if __name__ == "__main__":
    main(int(sys.argv[1]))

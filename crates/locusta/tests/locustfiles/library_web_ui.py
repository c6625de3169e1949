"""Locust's library use with a web UI: `locusta --python library_web_ui.py
HOST WEB_PORT` makes a local runner and a web UI on 127.0.0.1:WEB_PORT,
starts 3 users, then lets the page drive: it waits for the page's Stop, then
for the page's Start of 2 users, runs them 3 s, quits and stops the UI.
Prints what it saw, one `KEY k=v …` line each, for the test to compare with
the page and the target's own count. Every wait is bounded."""

import socket
import sys
import time

import gevent

from locust import HttpUser, constant, events, task
from locust.env import Environment


class Reader(HttpUser):
    wait_time = constant(0.05)

    @task
    def front_page(self):
        self.client.get("/")


def wait_until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        gevent.sleep(0.05)
    return condition()


def main(host, web_port):
    seen = {"init_web_ui": None}
    env = Environment(user_classes=[Reader], host=host, stop_timeout=5, events=events)

    @env.events.init.add_listener
    def on_init(environment, runner, web_ui, **_kwargs):
        seen["init_web_ui"] = web_ui

    runner = env.create_local_runner()
    web_ui = env.create_web_ui("127.0.0.1", web_port)
    env.events.init.fire(environment=env, runner=runner, web_ui=web_ui)
    print(f"INIT same_web_ui={seen['init_web_ui'] is web_ui} env_web_ui={env.web_ui is web_ui}", flush=True)

    runner.start(3, spawn_rate=3)
    # The page's Stop calls runner.stop().
    stopped = wait_until(lambda: runner.state == "stopped")
    print(f"STOPPED_BY_UI stopped={stopped} users={runner.user_count}", flush=True)
    # The page's Start calls runner.start(2, rate).
    started = wait_until(lambda: runner.state == "running" and runner.user_count == 2)
    print(f"STARTED_BY_UI started={started} users={runner.user_count}", flush=True)
    gevent.sleep(3)

    gevent.spawn(runner.quit)
    runner.greenlet.join()
    web_ui.stop()
    closed = wait_until(lambda: not serving(web_port), 5)
    print(f"WEB_UI_STOPPED closed={closed}", flush=True)
    print(f"TOTALS requests={env.stats.total.num_requests} failures={env.stats.total.num_failures}", flush=True)


def serving(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

"""Locust's library use with a web UI whose form drives the test:
`locusta --python library_web_ui_form.py WEB_PORT` makes a local runner with
two classes, a host that answers nothing, and a web UI with the class
picker on 127.0.0.1:WEB_PORT, logs a line, and starts nothing itself. The
page then changes a class's settings, starts the test with its own host
and one class, and stops it. Prints what the script saw, one `KEY k=v …`
line, for the test to compare with the page. Every wait is bounded."""

import logging
import sys
import time

import gevent

from locust import HttpUser, constant, events, task
from locust.env import Environment
from locust.log import setup_logging


class Reader(HttpUser):
    wait_time = constant(0.05)

    @task
    def front_page(self):
        self.client.get("/")


class Buyer(HttpUser):
    wait_time = constant(0.05)
    # The page's per-class settings set it (any attribute of a Python class).
    path = "/products"

    @task
    def browse(self):
        self.client.get(self.path)


def wait_until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        gevent.sleep(0.05)
    return condition()


def main(web_port):
    setup_logging("INFO")
    # Port 9 (discard) answers nothing here: only the form's host can work.
    env = Environment(user_classes=[Reader, Buyer], host="http://127.0.0.1:9", stop_timeout=5, events=events)
    runner = env.create_local_runner()
    web_ui = env.create_web_ui("127.0.0.1", web_port, userclass_picker_is_active=True)
    logging.info("the script waits for the page")

    started = wait_until(lambda: runner.state == "running" and runner.user_count == 2)
    counts = runner.user_classes_count
    print(
        f"STARTED_BY_UI started={started} host={env.host} buyers={counts.get('Buyer', 0)} "
        f"readers={counts.get('Reader', 0)} path={Buyer.path}",
        flush=True,
    )
    wait_until(lambda: runner.state == "stopped")
    gevent.spawn(runner.quit)
    runner.greenlet.join()
    web_ui.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]))

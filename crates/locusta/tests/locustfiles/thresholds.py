"""A load whose latency and failures the test controls, for the threshold
tests (crates/locusta/tests/thresholds.rs). Each task run makes:

* GET /sleep?ms=… named "/sleep": FAST_MS (default 1), or SLOW_MS (default
  300) between SLOW_FROM and SLOW_UNTIL seconds into the test;
* GET /status/200 and POST /status/500, both named "/mixed" (half fail);
* GET /status/200 named "/late", answered /status/500 from FAIL_FROM
  seconds into the test on;
* a custom request type: an "xmlrpc" request "add" of 5 ms, reported
  through events.request.

At test_stop it prints "STOPPED AFTER <seconds>"; EXIT_CODE makes a
quitting listener set environment.process_exit_code. PY_APPEND and PY_PLUS
(thresholds separated by ";") are declared in an init listener, with
environment.thresholds.append and with +=."""

import os
import time

from locust import HttpUser, constant, events, task

FAST_MS = int(os.environ.get("FAST_MS", "1"))
SLOW_MS = int(os.environ.get("SLOW_MS", "300"))
SLOW_FROM = float(os.environ.get("SLOW_FROM", "1e9"))
SLOW_UNTIL = float(os.environ.get("SLOW_UNTIL", "1e9"))
FAIL_FROM = float(os.environ.get("FAIL_FROM", "1e9"))
started = [time.time()]


@events.init.add_listener
def declare(environment, **_kwargs):
    for expression in filter(None, os.environ.get("PY_APPEND", "").split(";")):
        environment.thresholds.append(expression)
    plus = [e for e in os.environ.get("PY_PLUS", "").split(";") if e]
    if plus:
        environment.thresholds += plus
    print(f"DECLARED {environment.thresholds}", flush=True)


@events.test_start.add_listener
def on_start(environment, **_kwargs):
    started[0] = time.time()


@events.test_stop.add_listener
def on_stop(environment, **_kwargs):
    print(f"STOPPED AFTER {time.time() - started[0]:.2f}", flush=True)


@events.quitting.add_listener
def on_quitting(environment, **_kwargs):
    if "EXIT_CODE" in os.environ:
        environment.process_exit_code = int(os.environ["EXIT_CODE"])


class Shopper(HttpUser):
    wait_time = constant(0.05)

    @task
    def load(self):
        elapsed = time.time() - started[0]
        ms = SLOW_MS if SLOW_FROM <= elapsed < SLOW_UNTIL else FAST_MS
        self.client.get(f"/sleep?ms={ms}", name="/sleep")
        self.client.get("/status/200", name="/mixed")
        self.client.post("/status/500", name="/mixed")
        late = "/status/500" if elapsed >= FAIL_FROM else "/status/200"
        self.client.get(late, name="/late")
        events.request.fire(
            request_type="xmlrpc",
            name="add",
            response_time=5,
            response_length=0,
            exception=None,
            context={},
        )

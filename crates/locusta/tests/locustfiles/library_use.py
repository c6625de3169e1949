"""Locust's documented library use, run as `locusta --python library_use.py
HOST`: an Environment, a local runner, the stats printer and history
greenlets, start, quit after a while, join. Prints the totals as
`TOTALS requests=… failures=…` plus what the listeners counted, for the test
to compare with the server's own count."""

import sys
import time

import gevent

from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.log import setup_logging
from locust.runners import STATE_STOPPED
from locust.stats import stats_history, stats_printer

setup_logging("INFO")

HOST = sys.argv[1]
seen = {"requests": 0, "failures": 0, "test_start": 0, "test_stop": 0, "spawning_complete": None}


class Visitor(HttpUser):
    host = HOST
    wait_time = between(0.05, 0.1)

    @task(3)
    def home(self):
        self.client.get("/")

    @task
    def missing(self):
        self.client.get("/no-such-page", name="missing")


@events.request.add_listener
def count(exception, **_kwargs):
    seen["requests"] += 1
    if exception:
        seen["failures"] += 1


@events.test_start.add_listener
def started(environment, **_kwargs):
    seen["test_start"] += 1


@events.test_stop.add_listener
def stopped(environment, **_kwargs):
    seen["test_stop"] += 1


@events.spawning_complete.add_listener
def spawned(user_count, **_kwargs):
    seen["spawning_complete"] = user_count
    counts.append((runner.state, runner.user_count))


counts = []
env = Environment(user_classes=[Visitor], events=events)
runner = env.create_local_runner()
env.events.init.fire(environment=env, runner=runner, web_ui=None)
gevent.spawn(stats_printer(env.stats))
gevent.spawn(stats_history, env.runner)
runner.start(5, spawn_rate=5)
gevent.spawn_later(3, runner.quit)
started_at = time.monotonic()
runner.greenlet.join()
took = time.monotonic() - started_at

total = env.stats.total
print(f"SAMPLE state={counts[0][0]} users={counts[0][1]}")
print(f"AFTER state={runner.state} stopped={runner.state == STATE_STOPPED} users={runner.user_count}")
print(f"TOTALS requests={total.num_requests} failures={total.num_failures}")
print(f"LISTENER requests={seen['requests']} failures={seen['failures']}")
print(f"ROWS {sorted((e.method, e.name, e.num_requests) for e in env.stats.entries.values())}")
print(f"EVENTS test_start={seen['test_start']} test_stop={seen['test_stop']} spawning_complete={seen['spawning_complete']}")
print(f"HISTORY points={len(env.stats.history)}")
print(f"JOINED after={took:.1f}")

# events.request.fire by hand counts in env.stats too.
before = env.stats.total.num_requests
events.request.fire(request_type="CUSTOM", name="by-hand", response_time=12.5, response_length=3, exception=None, context={})
events.request.fire(request_type="CUSTOM", name="by-hand", response_time=7.5, response_length=3, exception=ValueError("bad"), context={})
row = env.stats.get("by-hand", "CUSTOM")
print(f"FIRED total_delta={env.stats.total.num_requests - before} row={row.num_requests}/{row.num_failures} avg={row.avg_response_time}")

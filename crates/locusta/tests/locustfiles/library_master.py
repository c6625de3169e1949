"""Locust's library use with a master: `locusta --python library_master.py
HOST PORT WORKERS` starts locusta's master in this process, listening on
PORT, waits for WORKERS workers and runs 4 users on them (the test starts
`locusta -f library_master.py --worker` processes, or a Locust worker: this
file is their locustfile too).
Prints what the runner and the events saw, one `KEY k=v …` line each, for the
test to compare with the target's own count."""

import sys
import time

import gevent

from locust import HttpUser, constant, events, task
from locust.runners import WorkerRunner


class Visitor(HttpUser):
    wait_time = constant(0.05)

    @task
    def home(self):
        self.client.get("/")


@events.init.add_listener
def answer_pings(environment, **_kwargs):
    # On the workers: a master's "ping" is answered with a "pong".
    if isinstance(environment.runner, WorkerRunner):

        def on_ping(environment, msg, **_kwargs):
            environment.runner.send_message("pong", {"got": msg.data})

        environment.runner.register_message("ping", on_ping)


def main(host, port, workers):
    from locust.env import Environment

    seen = {"test_start": 0, "test_stop": 0, "report_users": set(), "pongs": []}
    env = Environment(user_classes=[Visitor], host=host, stop_timeout=5, events=events)
    env.events.test_start.add_listener(lambda **_kw: seen.__setitem__("test_start", seen["test_start"] + 1))
    env.events.test_stop.add_listener(lambda **_kw: seen.__setitem__("test_stop", seen["test_stop"] + 1))

    @env.events.worker_report.add_listener
    def on_report(client_id, data, **_kwargs):
        seen["report_users"].add(client_id)

    runner = env.create_master_runner("127.0.0.1", port)
    runner.register_message("pong", lambda environment, msg, **_kw: seen["pongs"].append((msg.node_id, msg.data)))
    print(f"LISTENING port={runner.master_bind_port}", flush=True)
    deadline = time.monotonic() + 30
    while runner.worker_count < workers and time.monotonic() < deadline:
        gevent.sleep(0.1)
    print(f"WORKERS count={runner.worker_count} states={','.join(sorted(w.state for w in runner.clients.values()))}")

    runner.start(4, spawn_rate=4)
    deadline = time.monotonic() + 10
    while (runner.state != "running" or runner.user_count != 4) and time.monotonic() < deadline:
        gevent.sleep(0.1)
    print(f"RUNNING state={runner.state} users={runner.user_count} "
          f"per_worker={'+'.join(str(w.user_count) for w in runner.clients.values())}")
    runner.send_message("ping", {"n": 1})
    gevent.sleep(3.5)

    gevent.spawn_later(0.1, runner.quit)
    started = time.monotonic()
    runner.greenlet.join()
    total = env.stats.total
    print(f"JOINED after={time.monotonic() - started:.1f} state={runner.state}")
    print(f"TOTALS requests={total.num_requests} failures={total.num_failures} "
          f"home={env.stats.get('/', 'GET').num_requests}")
    print(f"EVENTS test_start={seen['test_start']} test_stop={seen['test_stop']} "
          f"reporting_workers={len(seen['report_users'])}")
    print(f"PONGS count={len(seen['pongs'])} from_workers={len({node for node, _ in seen['pongs']})} "
          f"answered={all(data == {'got': {'n': 1}} for _, data in seen['pongs'])}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))

"""A locustfile debugged with run_single_user, run as a script:
`locusta --python debugging.py MODE [--host URL]` (the target from the
TARGET environment variable, as a class attribute)."""
import os
import sys

from locust import FastHttpUser, HttpUser, constant, events, run_single_user, task
from locust.exception import StopUser


@events.init.add_listener
def on_init(environment, runner, **kwargs):
    print(f"EVENT init runner={runner}", flush=True)


@events.test_start.add_listener
def on_test_start(environment, **kwargs):
    print(f"EVENT test_start {[c.__name__ for c in environment.user_classes]}", flush=True)


@events.test_stop.add_listener
def on_test_stop(environment, **kwargs):
    print("EVENT test_stop", flush=True)


@events.quit.add_listener
def on_quit(exit_code, **kwargs):
    print("EVENT quit", flush=True)


class Shopper(HttpUser):
    host = os.environ.get("TARGET")
    wait_time = constant(0)

    @task
    def browse(self):
        self.client.get("/products", context={"step": 1})
        with self.client.post("/cart", json={"id": 7}, name="add", catch_response=True) as response:
            response.failure("refused on purpose")
        raise StopUser()

    def on_stop(self):
        print("Shopper stopped", flush=True)


class Api(FastHttpUser):
    host = os.environ.get("TARGET")
    wait_time = constant(0)

    @task
    def status(self):
        self.client.get("/status/500")
        self.client.get("/")
        raise StopUser()


class Nowhere(HttpUser):
    @task
    def never(self):
        self.client.get("/")


if os.environ.get("CALL_AT_IMPORT"):
    # A mistake: not guarded by `if __name__ == "__main__":`.
    run_single_user(Shopper)

if __name__ == "__main__":
    mode = sys.argv[1]
    print(f"ARGV {sys.argv[1:]}", flush=True)
    if mode == "columns":
        run_single_user(Shopper, include_length=True, include_time=True, include_context=True, include_payload=True)
    elif mode == "no-host":
        run_single_user(Nowhere)
    elif mode == "exit":
        sys.exit(3)
    else:
        run_single_user(Shopper)
        if mode == "two":
            run_single_user(Api)
    print("DONE", flush=True)
    if mode == "raise":
        raise ValueError("the script failed after its runs")

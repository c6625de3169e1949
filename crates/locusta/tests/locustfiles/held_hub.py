"""Tasks that hold the gevent hub: `Sleeper` sleeps for a minute without
yielding (run it with LOCUST_SKIP_MONKEY_PATCH=1), `Spinner` loops on the
CPU for a minute. Each records one request first, so the reports have
something to show."""
import time

from locust import User, constant, events, task


def _record(name):
    events.request.fire(
        request_type="TEST", name=name, response_time=1.0, response_length=0, exception=None, context={}
    )


class Sleeper(User):
    wait_time = constant(0.1)

    @task
    def nap(self):
        _record("nap")
        time.sleep(60)


class Spinner(User):
    wait_time = constant(0.1)

    @task
    def spin(self):
        _record("spin")
        end = time.time() + 60
        while time.time() < end:
            pass

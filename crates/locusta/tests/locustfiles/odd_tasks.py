"""User code that does odd things: `Interrupter` raises KeyboardInterrupt in
its task (the run must end, as in Locust), `NotANumber` has a wait_time that
returns NaN (locusta must say so, once, and go on). Each records a request
per task, so the reports show what ran."""
from locust import User, events, task


def _record(name):
    events.request.fire(
        request_type="TEST", name=name, response_time=1.0, response_length=0, exception=None, context={}
    )


class Interrupter(User):
    def wait_time(self):
        return 0.1

    @task
    def interrupt(self):
        _record("interrupt")
        raise KeyboardInterrupt()


class NotANumber(User):
    def wait_time(self):
        return float("nan")

    @task
    def count(self):
        _record("nan")

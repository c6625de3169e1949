"""Events order, exceptions' effects, nested and sequential task sets, tags."""
import sys

from locust import (HttpUser, SequentialTaskSet, TaskSet, User, between, constant,
                    events, tag, task)
from locust.exception import (InterruptTaskSet, RescheduleTask, StopUser)

order = []


def note(what):
    order.append(what)
    print("EVENT", what, flush=True)


@events.init.add_listener
def on_init(environment, runner, **kwargs):
    note(f"init:{environment.parsed_options.num_users}:{runner.state}")


@events.test_start.add_listener
def on_test_start(environment, **kwargs):
    note("test_start")


@events.spawning_complete.add_listener
def on_spawned(user_count, **kwargs):
    note(f"spawning_complete:{user_count}")


@events.test_stopping.add_listener
def on_stopping(environment, **kwargs):
    note("test_stopping")


@events.test_stop.add_listener
def on_test_stop(environment, **kwargs):
    note("test_stop")


@events.quitting.add_listener
def on_quitting(environment, **kwargs):
    note("quitting")
    environment.process_exit_code = 3


@events.quit.add_listener
def on_quit(exit_code, **kwargs):
    note(f"quit:{exit_code}")


errors = []


@events.user_error.add_listener
def on_user_error(user_instance, exception, tb, **kwargs):
    errors.append(type(exception).__name__)
    print("USER_ERROR", type(exception).__name__, exception, flush=True)


class Browse(TaskSet):
    def on_start(self):
        self.client.get("/", name="set_start")

    @task
    def products(self):
        self.client.get("/products", name="in_set")
        self.interrupt()

    def on_stop(self):
        self.client.get("/", name="set_stop")


class Journey(SequentialTaskSet):
    @task
    def first(self):
        self.client.get("/", name="step1")

    @task
    def second(self):
        self.client.get("/products", name="step2")

    @task
    def done(self):
        raise StopUser()


class Nested(HttpUser):
    wait_time = constant(0.01)
    tasks = {Browse: 1}
    fixed_count = 1

    def on_stop(self):
        self.client.get("/", name="user_stop")


class Sequential(HttpUser):
    wait_time = constant(0)
    tasks = [Journey]
    fixed_count = 1


class Raising(HttpUser):
    wait_time = constant(0.05)
    fixed_count = 1

    @task
    def boom(self):
        self.client.get("/", name="before_boom")
        raise ValueError("boom in a task")

    @tag("never")
    @task
    def excluded(self):
        self.client.get("/", name="excluded_by_tag")


class Rescheduling(User):
    wait_time = constant(0.01)
    fixed_count = 1

    @task
    def again(self):
        events.request.fire(request_type="CUSTOM", name="reschedule", response_time=1.5,
                            response_length=3, exception=None, context={})
        raise RescheduleTask()


class FailingStart(HttpUser):
    """on_start raises: the user ends without on_stop and is not replaced."""

    wait_time = constant(0.01)
    fixed_count = 1

    def on_start(self):
        raise RuntimeError("cannot log in")

    @task
    def never(self):
        self.client.get("/", name="never_runs")

    def on_stop(self):
        self.client.get("/", name="never_stops")

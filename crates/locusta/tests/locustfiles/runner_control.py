"""A locustfile that drives locusta's runner from Python: once the first
ramp is done, `environment.runner.start(3, 100)` ramps further; then
`spawn_users` and `stop_users` change the counts directly. Prints what the
runner reports after each step."""

import gevent

from locust import HttpUser, constant, events, task

started_again = []
environments = []


class Walker(HttpUser):
    wait_time = constant(0.1)

    @task
    def home(self):
        self.client.get("/")


def wait_for(condition, seconds=5):
    deadline = gevent.get_hub().loop.now() + seconds
    while not condition() and gevent.get_hub().loop.now() < deadline:
        gevent.sleep(0.05)


def spawn_and_stop(runner):
    runner.spawn_users({"Walker": 2})
    wait_for(lambda: runner.user_count == 5)
    print(f"SPAWNED users={runner.user_count} classes={runner.user_classes_count}", flush=True)
    runner.stop_users({"Walker": 4})
    wait_for(lambda: runner.user_count == 1)
    history = runner.environment.stats.history
    print(
        f"STOPPED users={runner.user_count} greenlets={len(runner.user_greenlets)} "
        f"history={bool(history) and 'current_rps' in history[-1]}",
        flush=True,
    )


@events.init.add_listener
def remember(environment, **_kwargs):
    environments.append(environment)


@events.spawning_complete.add_listener
def more(user_count, **_kwargs):
    runner = environments[0].runner
    if not started_again:
        started_again.append(user_count)
        runner.start(3, spawn_rate=100)
    else:
        print(
            f"RAMPED users={runner.user_count} target={runner.target_user_count} state={runner.state} "
            f"greenlets={len(runner.user_greenlets)}",
            flush=True,
        )
        gevent.spawn(spawn_and_stop, runner)

"""A locustfile that drives locusta's runner from Python: once the first
ramp is done, `environment.runner.start(3, 100)` ramps further; at test_stop
it prints the runner's numbers."""

from locust import HttpUser, constant, events, task

started_again = []


class Walker(HttpUser):
    wait_time = constant(0.1)

    @task
    def home(self):
        self.client.get("/")


@events.spawning_complete.add_listener
def more(user_count, **_kwargs):
    from locust import main

    runner = main._environment.runner
    if not started_again:
        started_again.append(user_count)
        runner.start(3, spawn_rate=100)
    else:
        print(
            f"RAMPED users={runner.user_count} target={runner.target_user_count} state={runner.state} "
            f"greenlets={len(runner.user_greenlets)}",
            flush=True,
        )

"""Stop on a threshold from a greenlet started in init; the exit code from quitting."""
import gevent

from locust import HttpUser, constant, events, task
from locust.runners import STATE_CLEANUP, STATE_STOPPED, STATE_STOPPING


def checker(environment):
    while environment.runner.state not in (STATE_STOPPING, STATE_STOPPED, STATE_CLEANUP):
        gevent.sleep(0.2)
        total = environment.runner.stats.total
        if total.num_requests >= 20 and total.fail_ratio > 0.5:
            print("THRESHOLD", round(total.fail_ratio, 2), flush=True)
            environment.runner.quit()
            return


@events.init.add_listener
def on_init(environment, **kwargs):
    gevent.spawn(checker, environment)


@events.quitting.add_listener
def on_quitting(environment, **kwargs):
    if environment.stats.total.fail_ratio > 0.01:
        environment.process_exit_code = 4


class Failing(HttpUser):
    wait_time = constant(0.01)

    @task
    def broken(self):
        self.client.get("/status/500")

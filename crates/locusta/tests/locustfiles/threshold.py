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
    total = environment.stats.total
    row = environment.stats.get("/status/500", "GET")
    p95 = total.get_response_time_percentile(0.95)
    print(
        "STATS", row.num_requests == total.num_requests, row.num_failures == total.num_failures,
        0 < total.avg_response_time <= total.max_response_time, 0 < p95 <= total.max_response_time,
        list(environment.stats.entries), flush=True,
    )
    errors = list(environment.stats.errors.values())
    print(
        "ERRORS", [e.to_name() for e in errors], errors[0].occurrences == total.num_failures,
        errors[0].first_seen <= errors[0].last_seen, flush=True,
    )
    if total.fail_ratio > 0.01:
        environment.process_exit_code = 4
    elif p95 > 800:
        environment.process_exit_code = 5


class Failing(HttpUser):
    wait_time = constant(0.01)

    @task
    def broken(self):
        self.client.get("/status/500")

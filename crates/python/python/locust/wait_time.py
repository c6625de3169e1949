"""Wait-time helpers: each returns a function of the User or TaskSet instance."""

import random
import time


def between(min_wait, max_wait):
    """A uniform random wait between min_wait and max_wait seconds."""
    return lambda instance: min_wait + random.random() * (max_wait - min_wait)


def constant(wait_time):
    """Always the same wait."""
    return lambda instance: wait_time


def constant_pacing(wait_time):
    """Waits so that task starts are about wait_time seconds apart."""

    def pacing(instance):
        now = time.monotonic()
        last_run = getattr(instance, "_cp_last_run", None)
        last_wait = getattr(instance, "_cp_last_wait_time", 0.0)
        if last_run is None:
            delay = wait_time
        else:
            delay = max(0.0, wait_time - (now - last_run - last_wait))
        instance._cp_last_run = now
        instance._cp_last_wait_time = delay
        return delay

    return pacing


def constant_throughput(task_runs_per_second):
    """At most this many tasks per second, per user."""
    if task_runs_per_second <= 0:
        raise ValueError("constant_throughput needs a rate above 0")
    return constant_pacing(1.0 / task_runs_per_second)


def poisson(rate):
    """Exponential waits with mean 1/rate (a Poisson arrival process)."""
    if rate <= 0:
        raise ValueError("poisson needs a rate above 0")
    return lambda instance: random.expovariate(rate)

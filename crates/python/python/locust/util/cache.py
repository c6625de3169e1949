"""locust.util.cache: a time-bounded memoizing decorator (one cached result
per function, whatever the arguments, as the web UI's report endpoints use it)."""

import functools
import time


def memoize(timeout, dynamic_timeout=False):
    """Keeps the function's last result for `timeout` seconds (arguments are
    not part of the key); with `dynamic_timeout`, a call that took longer than
    the timeout doubles it. `wrapper.clear_cache()` forgets the result."""
    state = {"timeout": timeout}

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            started = time.time()
            fresh = "at" in state and started - state["at"] <= state["timeout"]
            if not fresh:
                state["value"] = func(*args, **kwargs)
                state["at"] = time.time()
                if dynamic_timeout and state["at"] - started > state["timeout"]:
                    state["timeout"] *= 2
            return state["value"]

        def clear_cache():
            state.pop("at", None)
            state.pop("value", None)

        wrapper.clear_cache = clear_cache
        return wrapper

    return decorator

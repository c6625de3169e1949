"""locust.util.cache: a time-bounded memoizing decorator."""

import functools
import time


def memoize(timeout, dynamic_timeout=False):
    """Caches a function's result per arguments for `timeout` seconds; with
    `dynamic_timeout`, the timeout grows to the time the call itself took."""

    def decorator(func):
        cache = {}
        limit = {"seconds": timeout}

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            key = (args, tuple(sorted(kwargs.items())))
            now = time.time()
            hit = cache.get(key)
            if hit is not None and now - hit[0] < limit["seconds"]:
                return hit[1]
            started = time.time()
            value = func(*args, **kwargs)
            if dynamic_timeout:
                limit["seconds"] = max(timeout, time.time() - started)
            cache[key] = (now, value)
            return value

        def clear_cache():
            cache.clear()

        wrapper.clear_cache = clear_cache
        return wrapper

    return decorator

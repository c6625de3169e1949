"""locust.util.exception_handler: retrying a function that raises."""

import functools
import logging
import time

logger = logging.getLogger(__name__)


def retry(delays=(1, 3, 5), exception=Exception):
    """Retries the decorated function after each delay of `delays` (seconds)
    while it raises `exception`; the last failure propagates."""

    def decorator(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for delay in delays:
                try:
                    return function(*args, **kwargs)
                except exception as error:
                    logger.info("%s failed (%r); retrying in %s s", function.__name__, error, delay)
                    time.sleep(delay)
            return function(*args, **kwargs)

        return wrapper

    return decorator

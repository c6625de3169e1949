"""Checks: named assertions that are counted and never fail a request
(locusta's addition, as k6's ``check``).

    from locust import HttpUser, check, task

    class Shopper(HttpUser):
        @task
        def home(self):
            response = self.client.get("/")
            check("status is 200", response.status_code == 200)

Each name keeps how many times its condition was true (passes) and false
(fails). The counts are shown in a Checks table after the request
statistics, in the HTML report and in ``--junit``, and a threshold can
read them (``--threshold 'checks > 99%'``). ``check`` returns the
condition as a bool, so that it can guard what follows.
"""

from locusta import _native


def check(name, condition):
    """Counts one evaluation of check `name`: a pass when `condition` is true."""
    if not isinstance(name, str):
        raise TypeError(f"check() name must be a str, not {type(name).__name__}")
    passed = bool(condition)
    _native.check(name, passed)
    return passed

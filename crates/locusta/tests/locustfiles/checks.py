"""Checks for crates/locusta/tests/checks.rs: each task run requests GET /
of the demo target and states two checks, "status is 200" (true) and
"body is empty" (false: the demo target's / has a body), plus a check with
a name that is not a str when BAD_NAME is set."""

import os

from locust import HttpUser, check, constant, task


class Checker(HttpUser):
    wait_time = constant(0)

    @task
    def home(self):
        response = self.client.get("/")
        if check("status is 200", response.status_code == 200):
            check("body is empty", len(response.content) == 0)
        if os.environ.get("BAD_NAME"):
            check(200, True)

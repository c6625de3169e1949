"""sys.exit(code) in a task ends the test with that exit code, reports written."""
import sys
from locust import User, constant, task
class Exiting(User):
    wait_time = constant(0.1)
    @task
    def t(self):
        sys.exit(7)

"""A plain User (no HTTP client) needs no host."""
from locust import User, constant, events, task
class Plain(User):
    wait_time = constant(0.1)
    @task
    def t(self):
        events.request.fire(request_type="x", name="plain", response_time=1, response_length=0)

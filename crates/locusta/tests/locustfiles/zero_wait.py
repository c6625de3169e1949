# Zero waits: a user whose task never yields to the hub (no I/O) must still
# let the other users run between its tasks, and a user whose task waited for
# a response goes straight on to its next task.
from locust import HttpUser, User, constant, events, task


class Spinner(User):
    wait_time = constant(0)

    @task
    def spin(self):
        events.request.fire(
            request_type="SPIN", name="spin", response_time=0, response_length=0, exception=None, context={}
        )


class Fetcher(HttpUser):
    wait_time = constant(0)

    @task
    def fetch(self):
        self.client.get("/", name="fetch")

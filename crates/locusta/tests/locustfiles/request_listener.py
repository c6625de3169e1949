"""events.request listeners receive Locust's arguments for HTTP requests."""
import locusta
from locust import HttpUser, SequentialTaskSet, constant, events, task

assert locusta.__version__, "import locusta gives the native module"


@events.request.add_listener
def on_request(request_type, name, response_time, response_length, response, context, exception, start_time, url, **kwargs):
    print(
        "REQUEST",
        request_type,
        name,
        type(response_time).__name__,
        response_length > 0,
        response.status_code,
        sorted(context.items()),
        type(exception).__name__,
        start_time > 1e9,
        url.endswith(name) if name.startswith("/") else "-",
        flush=True,
    )


class Steps(SequentialTaskSet):
    @task
    def ok(self):
        self.client.get("/products", context={"step": 1})

    @task
    def failing(self):
        self.client.get("/status/404")

    @task
    def caught(self):
        with self.client.get("/", name="caught", catch_response=True) as response:
            response.failure("nope")

    @task
    def caught_undecided(self):
        with self.client.get("/status/404", name="undecided", catch_response=True):
            pass


class Listener(HttpUser):
    wait_time = constant(0)
    tasks = [Steps]

    def context(self):
        return {"user": "u1"}

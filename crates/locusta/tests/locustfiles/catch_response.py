"""catch_response cases, one task each, run once in order (-u 1 -i 9)."""
from locust import HttpUser, SequentialTaskSet, constant, task
from locust.exception import ResponseError


class Matrix(SequentialTaskSet):
    @task
    def success_overrides_status(self):
        with self.client.get("/status/404", name="success_on_404", catch_response=True) as r:
            r.success()

    @task
    def failure_overrides_status(self):
        with self.client.get("/", name="failure_on_200", catch_response=True) as r:
            r.failure("wrong content")

    @task
    def last_call_wins(self):
        with self.client.get("/", name="last_call_wins", catch_response=True) as r:
            r.failure("first")
            r.success()

    @task
    def response_error_is_a_failure(self):
        with self.client.get("/", name="response_error", catch_response=True):
            raise ResponseError("raised in the block")

    @task
    def default_rule(self):
        with self.client.get("/status/500", name="default_rule", catch_response=True):
            pass

    @task
    def renamed(self):
        with self.client.get("/products", catch_response=True) as r:
            r.request_meta["name"] = "renamed_in_block"

    @task
    def rename_request(self):
        with self.client.rename_request("grouped"):
            self.client.get("/products/1")
            self.client.get("/products/2")

    @task
    def connection_error(self):
        r = self.client.get("http://127.0.0.1:1/", name="refused")
        assert r.status_code == 0 and r.content is None and not r.ok, (r.status_code, r.content)

    @task
    def response_api(self):
        r = self.client.get("/redirect?to=/products/3", name="redirected")
        assert r.status_code == 200, r.status_code
        assert r.headers["Content-Type"] == r.headers["content-type"]
        assert r.json()["id"] == 3, r.text
        assert len(r.history) == 1 and r.history[0].status_code in (301, 302, 303, 307, 308)
        assert r.url.endswith("/products/3"), r.url
        assert r.elapsed.total_seconds() >= 0
        r.raise_for_status()
        print("RESPONSE_API_OK", r.reason, flush=True)


class Checker(HttpUser):
    wait_time = constant(0)
    tasks = [Matrix]


class Unreported(HttpUser):
    """An exception other than ResponseError in a catch block without a
    decision: the request is not reported, the exception propagates."""

    wait_time = constant(0)
    fixed_count = 1

    @task
    def raises(self):
        with self.client.get("/", name="unreported", catch_response=True):
            raise ValueError("raised in the block")

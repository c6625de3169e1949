"""Test data loaded in test_start, one credential per user taken in on_start,
JSON bodies, headers, params, basic auth and files checked by the server's echo."""
import base64

from locust import HttpUser, SequentialTaskSet, constant, events, task

CREDENTIALS = []


@events.test_start.add_listener
def load_test_data(environment, **kwargs):
    CREDENTIALS.extend((f"user{i}", "secret") for i in range(10))


class Steps(SequentialTaskSet):
    @task
    def headers_and_params(self):
        with self.client.get(
            "/headers", params={"page": 2}, headers={"X-User": self.user.username},
            name="headers", catch_response=True,
        ) as response:
            if response.json().get("x-user") != self.user.username:
                response.failure(f"header lost: {response.text}")

    @task
    def basic_auth(self):
        with self.client.get("/headers", auth=("ann", "pw"), name="auth", catch_response=True) as response:
            expected = "Basic " + base64.b64encode(b"ann:pw").decode()
            if response.json().get("authorization") != expected:
                response.failure(f"no basic auth: {response.text}")

    @task
    def bodies(self):
        with self.client.post(
            "/headers", files={"upload": ("a.txt", b"hello", "text/plain")}, data={"k": "v"},
            name="multipart", catch_response=True,
        ) as response:
            if not response.json().get("content-type", "").startswith("multipart/form-data; boundary="):
                response.failure(f"not multipart: {response.text}")
        with self.client.post(
            "/headers", data="raw text", headers={"Content-Type": "text/plain"},
            name="raw", catch_response=True,
        ) as response:
            if response.json().get("content-type") != "text/plain":
                response.failure(f"content type lost: {response.text}")

    @task
    def cart(self):
        self.client.post("/cart", json={"product_id": 1, "quantity": 2}, name="add")
        with self.client.get("/cart", name="cart", catch_response=True) as response:
            if not response.json().get("items"):
                response.failure(f"empty cart: {response.text}")


class Customer(HttpUser):
    wait_time = constant(0)
    tasks = [Steps]

    def on_start(self):
        self.username, password = CREDENTIALS.pop()
        response = self.client.post("/login", json={"username": self.username, "password": password})
        assert response.json()["username"] == self.username
        assert "session" in self.client.cookies, self.client.cookies
        self.client.cookies["extra"] = "1"
        assert self.client.cookies.get("extra") == "1", self.client.cookies

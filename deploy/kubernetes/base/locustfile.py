"""The demo shop, as a Locust user would test it: run with

    locusta -f examples/locustfile.py --headless -u 50 -r 10 -t 1m -H http://127.0.0.1:8080

(start the target with `cargo run --release -p locusta-demo-target -- --port 8080`).
"""
import random

from locust import HttpUser, between, tag, task


class Shopper(HttpUser):
    """Logs in, browses the catalogue, fills a cart and checks out."""

    wait_time = between(0.5, 2)
    weight = 3

    def on_start(self):
        # The session cookie set by /login is kept by this user's client.
        response = self.client.post("/login", data={"username": "shopper", "password": "secret"})
        self.token = response.json()["token"]

    @task(5)
    def browse(self):
        self.client.get("/products")

    @task(3)
    def product(self):
        product_id = random.randint(1, 10)
        self.client.get(f"/products/{product_id}", name="/products/[id]")

    @tag("cart")
    @task(2)
    def add_to_cart(self):
        self.client.post("/cart", json={"product_id": random.randint(1, 10), "quantity": 1})
        with self.client.get("/cart", catch_response=True) as response:
            if not response.json().get("items"):
                response.failure("the cart is empty after adding an item")

    @tag("cart")
    @task
    def checkout(self):
        with self.client.post("/checkout", catch_response=True) as response:
            # An empty cart is refused; that is not a failure of the site.
            if response.status_code in (200, 400, 409):
                response.success()


class Visitor(HttpUser):
    """Looks at the home page and a few products, without logging in."""

    wait_time = between(1, 3)

    @task
    def index(self):
        self.client.get("/")

    @task
    def products(self):
        self.client.get("/products")

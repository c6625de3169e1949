# Two classes whose settings come from --config-users: which tasks run, how
# many users, their host, and a custom class attribute.
from locust import HttpUser, constant, task


class Browser(HttpUser):
    wait_time = constant(0)
    page = "/products"

    @task(3)
    def browse(self):
        self.client.get(self.page, name=f"browse {self.page}")

    @task
    def cart(self):
        self.client.get("/cart", name="cart")


class Buyer(HttpUser):
    wait_time = constant(0)

    @task
    def checkout(self):
        self.client.get("/", name=f"buyer at {self.host}")

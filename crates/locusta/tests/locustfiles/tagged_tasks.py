"""Tagged and untagged tasks: a master's --tags must reach workers that have
none of their own."""
from locust import HttpUser, constant, tag, task


class Shopper(HttpUser):
    wait_time = constant(0.1)

    @task
    def browse(self):
        self.client.get("/", name="untagged")

    @tag("cart")
    @task
    def cart(self):
        self.client.get("/", name="tagged")

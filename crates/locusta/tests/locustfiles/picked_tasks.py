"""Two tasks; a master's web UI keeps only one of them (POST /user), and its
workers must follow."""
from locust import HttpUser, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.1)

    @task
    def browse(self):
        self.client.get("/products")

    @task
    def cart(self):
        self.client.get("/cart")

from locust import HttpUser, task


class NoHost(HttpUser):
    @task
    def index(self):
        self.client.get("/")

from locust import HttpUser, task

class Slow(HttpUser):
    wait_time = 5

    @task
    def t(self):
        pass

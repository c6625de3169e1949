from locust import HttpUser, task

class U(HttpUser):
    @task
    def t(self)
        pass

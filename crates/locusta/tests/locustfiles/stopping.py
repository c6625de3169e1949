"""Graceful stop (--stop-timeout): a running task finishes, then on_stop runs."""
import gevent

from locust import HttpUser, constant, task


class Slow(HttpUser):
    wait_time = constant(0)

    @task
    def long_task(self):
        self.client.get("/", name="task_started")
        gevent.sleep(1.5)
        self.client.get("/", name="task_finished")

    def on_stop(self):
        self.client.get("/", name="on_stop")

"""Locust's documented way to tune statistics settings: locusta keeps its own
and says so at start."""
import locust.stats
from locust import HttpUser, constant, task
from locust.stats import RequestStats, StatsEntry, StatsError  # noqa: F401

locust.stats.CONSOLE_STATS_INTERVAL_SEC = 15
locust.stats.PERCENTILES_TO_REPORT = [0.5, 0.9]


class Visitor(HttpUser):
    wait_time = constant(0.1)

    @task
    def index(self):
        self.client.get("/")

"""Says, from its init listener, what web_ui it got (no Flask needed), and,
with PROBE_APP set, what reading web_ui.app gives."""

import logging
import os

from locust import HttpUser, events, task


@events.init.add_listener
def report_web_ui(environment, web_ui, **_kwargs):
    same = web_ui is environment.web_ui
    logging.info("probe: web_ui=%s same_as_environment=%s", type(web_ui).__name__, same)
    if web_ui is not None:
        # Routes and login are locusta's: the decorator hands the view back working.
        wrapped = web_ui.auth_required_if_enabled(lambda: "view ran")
        logging.info("probe: decorated view says %s", wrapped())
        if os.environ.get("PROBE_APP"):
            try:
                logging.info("probe: app is a %s", type(web_ui.app).__mro__[1].__name__)
            except ImportError as error:
                logging.info("probe: no app: %s", error)


class Reader(HttpUser):
    @task
    def home(self):
        self.client.get("/")

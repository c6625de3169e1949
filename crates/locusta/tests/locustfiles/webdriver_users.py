"""locust-plugins' WebdriverUser driving Debian's headless Chromium through
chromedriver (started by the test on 127.0.0.1:$WEBDRIVER_PORT) against a
page of the demo target (`-H`): each Browser loads the page, finds its text
(a `find` request), and reports the whole step as one `Webdriver` request;
a step that lands on another page reports itself failed (`step.failure`)."""

import os

from locust import constant, task
from locust_plugins.users.webdriver import WebdriverUser
from selenium.webdriver.common.by import By

# The plugin's first user runs `killall chromedriver` and `pkill -f
# --test-type=webdriver` (every browser of the machine, the test's own
# chromedriver too): not here.
WebdriverUser._first_instance = False


class Browser(WebdriverUser):
    wait_time = constant(0.1)
    headless = True
    command_executor = f"http://127.0.0.1:{os.environ['WEBDRIVER_PORT']}"

    @task
    def front_page(self):
        with self.request(name="front page") as step:
            self.client.get(self.environment.host + "/")
            body = self.client.locust_find_element(By.TAG_NAME, "body", name="body")
            if "shop" not in body.text.lower():
                step.failure(f"unexpected page: {body.text[:80]!r}")

    @task
    def wrong_page(self):
        with self.request(name="wrong page") as step:
            self.client.get(self.environment.host + "/status/404")
            if "shop" not in self.client.page_source.lower():
                step.failure("not the shop's front page")

"""A locustfile that starts its own run through `locust.main.main()`, as
scripts written for Locust do: `locusta --python main_entry.py HOST` becomes
`locusta -f main_entry.py --headless … -H HOST --json`."""

import sys

from locust import HttpUser, constant, task


class Caller(HttpUser):
    wait_time = constant(0.1)

    @task
    def home(self):
        self.client.get("/")


if __name__ == "__main__":
    from locust.main import main

    host = sys.argv[1]
    sys.argv = ["locust", "-f", __file__, "--headless", "-u", "2", "-r", "10", "-t", "1", "-H", host, "--json"]
    main()

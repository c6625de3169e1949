"""A locustfile whose init_command_line_parser listener raises."""

from locust import HttpUser, events, task


@events.init_command_line_parser.add_listener
def _(parser):
    parser.add_argument("--fine", default="x")
    raise RuntimeError("parser listener broke")


class U(HttpUser):
    @task
    def t(self):
        pass

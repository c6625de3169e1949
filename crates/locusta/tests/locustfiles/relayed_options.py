"""A custom option set on the master only: its workers take the master's value
(the request name shows which value a worker's user saw)."""
from locust import HttpUser, constant, events, task


@events.init_command_line_parser.add_listener
def _(parser):
    parser.add_argument("--greeting", type=str, default="unset", help="Set on the master")
    parser.add_argument("--repeat", type=int, default=1, help="Set on the master")


class Greeter(HttpUser):
    wait_time = constant(0.1)

    @task
    def greet(self):
        o = self.environment.parsed_options
        self.client.get("/", name=f"/{o.greeting}x{o.repeat}")

"""Custom command-line options declared in init_command_line_parser, read from
environment.parsed_options (Locust's documentation example, extended)."""

from locust import HttpUser, constant, events, task


@events.init_command_line_parser.add_listener
def _(parser):
    parser.add_argument("--my-argument", type=str, env_var="LOCUST_MY_ARGUMENT", default="", help="It's working")
    parser.add_argument("--my-count", type=int, default=2, help="How many")
    parser.add_argument("--my-flag", action="store_true", help="A switch")
    parser.add_argument("--my-choice", choices=["red", "blue"], default="red", help="A colour")
    parser.add_argument("--my-secret", is_secret=True, default="", help="Never printed")


@events.test_start.add_listener
def _(environment, **kwargs):
    o = environment.parsed_options
    print(f"OPTIONS {o.my_argument!r} {o.my_count!r} {o.my_flag!r} {o.my_choice!r} {o.my_secret!r} {o.num_users!r}", flush=True)


class Reader(HttpUser):
    wait_time = constant(0.1)

    @task
    def index(self):
        self.client.get(f"/?count={self.environment.parsed_options.my_count}", name="/")

"""Custom messages in a local run, in the style of Locust's custom_messages
example: test data handed out at test_start through send_message."""
from locust import HttpUser, constant, events, task
from locust.runners import LocalRunner, WorkerRunner

usernames = []


def hand_out_users(environment, msg, **kwargs):
    usernames.extend(user["name"] for user in msg.data)
    environment.runner.send_message("acknowledge", f"got {len(msg.data)} users from {msg.node_id}")


def acknowledge(msg, **kwargs):
    print(f"ACK {msg.data} {msg!r}", flush=True)


@events.init.add_listener
def on_init(environment, **kwargs):
    environment.runner.register_message("test_users", hand_out_users)
    environment.runner.register_message("acknowledge", acknowledge, concurrent=True)
    try:
        environment.runner.register_message("acknowledge", acknowledge)
    except Exception as error:  # noqa: BLE001
        print(f"DUPLICATE {error}", flush=True)


@events.test_start.add_listener
def on_test_start(environment, **kwargs):
    if not isinstance(environment.runner, WorkerRunner):
        assert isinstance(environment.runner, LocalRunner)
        users = [{"name": f"User{i}"} for i in range(environment.runner.target_user_count)]
        environment.runner.send_message("test_users", users)
        environment.runner.send_message("nobody_listens")


class Named(HttpUser):
    wait_time = constant(0.1)

    def __init__(self, *args, **kwargs):
        self.username = usernames.pop()
        super().__init__(*args, **kwargs)

    @task
    def visit(self):
        self.client.get("/", name=self.username)

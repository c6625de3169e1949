"""The generator's self-check (tests/health.rs): `Hammer` asks as fast as
it can, with no wait, so enough of them saturate the generator; `Blocker`
blocks the gevent hub with the C socket module, which gevent does not
patch (a `recvfrom` that waits 3 s for a datagram nobody sends); `Calm` is a light user.
A worker started with STARVE_HUB=1 runs `Calm` with a blocking pause in
each task, so one of two workers is starved."""
import os

import _socket

from locust import HttpUser, between, constant, task


def block_the_hub(seconds):
    receiver = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(seconds)
        receiver.recvfrom(1)
    except OSError:
        pass
    finally:
        receiver.close()


class Hammer(HttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        self.client.get("/")


class Blocker(HttpUser):
    wait_time = constant(0.5)

    @task
    def wait_for_nobody(self):
        self.client.get("/")
        block_the_hub(3)


class Calm(HttpUser):
    wait_time = between(0.2, 0.5)

    @task
    def browse(self):
        self.client.get("/")
        if os.environ.get("STARVE_HUB"):
            block_the_hub(1.5)

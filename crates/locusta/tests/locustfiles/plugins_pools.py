"""locust-plugins' connection pools (`--pool_size`): an HttpUser and a
FastHttpUser that spread their requests over several sessions."""

from locust_plugins.connection_pools import FastHttpPool, RequestPool

from locust import FastHttpUser, HttpUser, constant, events, task

pools = {}


class Pooled(HttpUser):
    wait_time = constant(0.05)

    def on_start(self):
        self.pool = RequestPool(user=self)
        pools["requests"] = len(self.pool._pool)

    @task
    def home(self):
        self.pool.get(url="/", name="pooled")


class FastPooled(FastHttpUser):
    wait_time = constant(0.05)

    def on_start(self):
        self.pool = FastHttpPool(user=self, size=2)
        pools["fast"] = len(self.pool._pool)

    @task
    def home(self):
        self.pool.get(path="/", name="fast-pooled")


@events.quitting.add_listener
def report(**_kwargs):
    print(f"POOLS requests={pools.get('requests')} fast={pools.get('fast')}", flush=True)

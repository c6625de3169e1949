"""A custom protocol client (XML-RPC over the standard library) that reports
into the statistics with events.request.fire and events.request.measure."""
import time
import xmlrpc.client

from locust import User, constant, events, task


class XmlRpcClient:
    """Wraps ServerProxy so every call is timed and reported."""

    def __init__(self, host):
        self._proxy = xmlrpc.client.ServerProxy(host)

    @staticmethod
    def _report(name, start, exception):
        events.request.fire(
            request_type="xmlrpc",
            name=name,
            response_time=(time.perf_counter() - start) * 1000,
            response_length=0,
            exception=exception,
            context={},
        )

    def __getattr__(self, name):
        method = getattr(self._proxy, name)

        def call(*args):
            start = time.perf_counter()
            try:
                result = method(*args)
            except Exception as error:  # noqa: BLE001 - reported as a failure
                self._report(name, start, error)
                return None
            self._report(name, start, None)
            return result

        return call


seen = []


@events.request.add_listener
def listener(request_type, name, response_time, exception, context, **kwargs):
    seen.append((request_type, name))


@events.quitting.add_listener
def summary(environment, **kwargs):
    print("LISTENER_SAW", len(seen) > 0, sorted(set(seen))[:3], flush=True)


class XmlRpcUser(User):
    wait_time = constant(0.01)

    def on_start(self):
        self.client = XmlRpcClient(self.host)

    @task
    def call(self):
        # The demo target is not an XML-RPC server: every call fails.
        self.client.get_time()

    @task
    def measured(self):
        with events.request.measure("custom", "measured") as meta:
            meta["response_length"] = 42
            time.sleep(0.001)

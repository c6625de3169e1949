"""locust.contrib.dns: DNSUser, whose `self.client` wraps dnspython's
`dns.query` functions (udp, tcp, https, …) and reports each query as a
request of type "DNS" (needs the `dnspython` package)."""

import time

import dns.query
from dns.exception import DNSException

from locust.exception import LocustError
from locust.users import User


class DNSClient:
    """`client.udp(message, where, name=None, …)` etc.: dns.query's
    functions, timed and reported (a reply without an answer is a failure)."""

    def __init__(self, request_event):
        self.request_event = request_event

    def __getattr__(self, function_name):
        query = getattr(dns.query, function_name)

        def timed(message, *args, name=None, **kwargs):
            meta = {"request_type": "DNS", "name": name or function_name, "start_time": time.time(),
                    "response_length": 0, "context": {}, "exception": None, "response": None}
            started = time.perf_counter()
            try:
                meta["response"] = query(message, *args, **kwargs)
            except DNSException as error:
                meta["exception"] = error
            else:
                if not meta["response"].answer:
                    meta["exception"] = LocustError("No answer in DNS response")
            meta["response_time"] = (time.perf_counter() - started) * 1000
            self.request_event.fire(**meta)
            return meta["response"]

        return timed


class DNSUser(User):
    """A user whose `self.client` is a DNSClient."""

    abstract = True

    def __init__(self, environment):
        super().__init__(environment)
        self.client = DNSClient(environment.events.request)

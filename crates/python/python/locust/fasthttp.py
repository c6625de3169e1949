"""FastHttpUser: the same Rust client with Locust's FastHttpSession conventions
(requests named after the URL as passed, its success rule, TLS not verified by
default, `default_headers`, JSON sets Accept)."""

from contextlib import contextmanager

from locust.clients import HttpSession, LocustBadStatusCode, ResponseContextManager, rest as _rest  # noqa: F401
from locust.exception import LocustError
from locust.users import User


# Locust's FastHttpSession response classes: one class here serves them all
# (names kept for isinstance checks and type hints, e.g. of rest()).
FastResponse = ErrorResponse = RestResponseContextManager = ResponseContextManager


class FastHttpSession(HttpSession):
    """FastHttpUser's client."""

    _name_is_url = True
    _fast_rule = True

    def __init__(self, environment, base_url, user=None, insecure=True, default_headers=None, **kwargs):
        super().__init__(base_url, environment.events.request, user, verify=not insecure)
        if default_headers:
            self.headers.update(default_headers)

    def request(self, method, url, name=None, data=None, catch_response=False, stream=False, headers=None, auth=None, json=None, allow_redirects=True, context={}, **kwargs):  # noqa: B006
        if json is not None and not data:
            headers = dict(headers or {})
            headers.setdefault("Accept", "application/json")
        return super().request(
            method, url, name=name, catch_response=catch_response, context=context, data=data,
            headers=headers, auth=auth, json=json, allow_redirects=allow_redirects, **kwargs,
        )


class FastHttpUser(User):
    """A user whose `self.client` is a FastHttpSession."""

    abstract = True
    network_timeout = 60.0
    connection_timeout = 60.0
    max_redirects = 30
    max_retries = 0
    insecure = True
    default_headers = None
    concurrency = 10
    proxy_host = None
    proxy_port = None
    client_pool = None
    ssl_context_factory = None

    def __init__(self, environment):
        super().__init__(environment)
        host = environment.host or self.host
        if host is None:
            raise LocustError(
                "You must specify the base host. Either in the host attribute in the User class, or on the command line using the --host option."
            )
        self.client = FastHttpSession(
            environment, base_url=host, user=self, insecure=self.insecure, default_headers=self.default_headers
        )

    @contextmanager
    def rest(self, method, url, headers=None, **kwargs):
        """A JSON request with `response.js` and failures from assertions."""
        with _rest(self.client, method, url, headers=headers, **kwargs) as response:
            yield response

    @contextmanager
    def rest_(self, method, url, name=None, **kwargs):
        """As rest(), with a cache-busting `_=<ms>` query and that name."""
        import time

        separator = "&" if "?" in url else "?"
        busted = f"{url}{separator}_={int(time.time() * 1000)}"
        with self.rest(method, busted, name=name or f"{url}{separator}_=...", **kwargs) as response:
            yield response

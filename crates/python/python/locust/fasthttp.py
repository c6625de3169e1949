"""FastHttpUser: the same Rust client with Locust's FastHttpSession conventions
(requests named after the URL as passed, its success rule, TLS not verified by
default, `default_headers`, JSON sets Accept, `network_timeout`,
`connection_timeout` and `max_redirects` applied)."""

import re
import ssl
from contextlib import contextmanager

from locust.clients import HttpSession, LocustBadStatusCode, ResponseContextManager, rest as _rest  # noqa: F401
from locust.exception import CatchResponseError, LocustError, ResponseError, StopTest  # noqa: F401
from locust.users import RestMixin, User, base_host  # noqa: F401
from locust.util.deprecation import DeprecatedFastHttpLocustClass as FastHttpLocust  # noqa: F401

# Locust's FastHttpSession response classes: one class here serves them all
# (names kept for isinstance checks and type hints, e.g. of rest()).
FastResponse = ErrorResponse = RestResponseContextManager = ResponseContextManager

absolute_http_url_regexp = re.compile(r"^https?://", re.IGNORECASE)

FAILURE_EXCEPTIONS = (
    ConnectionError,
    ConnectionRefusedError,
    ConnectionResetError,
    TimeoutError,
    ssl.SSLError,
    OSError,
)
"""The exceptions that make a request a failure (locusta reports them as
failed requests, whatever the Rust client's error)."""


def insecure_ssl_context_factory():
    """An SSL context that does not verify certificates (FastHttpUser's default)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class FastRequest:
    """geventhttpclient's request object: locusta's client has none."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("locusta: FastHttpSession sends requests with locusta's Rust client (no FastRequest)")


class LocustUserAgent:
    """geventhttpclient's UserAgent: locusta's client is in Rust."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("locusta: FastHttpSession sends requests with locusta's Rust client (no LocustUserAgent)")


class FastHttpSession(HttpSession):
    """FastHttpUser's client: `FastHttpSession(base_url, request_event, user,
    insecure=True, …, network_timeout=…, connection_timeout=…,
    max_redirects=…, headers=…)` as Locust's."""

    _name_is_url = True
    _fast_rule = True

    def __init__(self, base_url, request_event, user, insecure=True, client_pool=None, ssl_context_factory=None,
                 network_timeout=60.0, connection_timeout=60.0, max_redirects=30, max_retries=0, headers=None,
                 **kwargs):
        super().__init__(
            base_url, request_event, user, verify=not insecure, network_timeout=network_timeout,
            connection_timeout=connection_timeout, max_redirects=max_redirects,
        )
        if headers:
            self.headers.update(headers)

    def request(self, method, url, name=None, data=None, catch_response=False, stream=False, headers=None, auth=None, json=None, allow_redirects=True, context={}, **kwargs):  # noqa: B006
        if json is not None and not data:
            headers = dict(headers or {})
            headers.setdefault("Accept", "application/json")
        return super().request(
            method, url, name=name, catch_response=catch_response, context=context, data=data,
            headers=headers, auth=auth, json=json, allow_redirects=allow_redirects, stream=stream, **kwargs,
        )

    def iter_lines(self, url, method="GET", **kwargs):
        """The lines of a streamed response's body, as text, one at a time as
        they arrive (split at "\n", the last one possibly unterminated)."""
        response = self.request(method, url, stream=True, **kwargs)
        response.raise_for_status()
        buffer = ""
        for chunk in response.iter_content(chunk_size=1024, decode_content=True):
            if isinstance(chunk, bytes):
                chunk = chunk.decode("utf-8", errors="replace")
            buffer += chunk
            while "\n" in buffer:
                line, buffer = buffer.split("\n", 1)
                yield line
        if buffer:
            yield buffer


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
        host = base_host(self, environment)
        self.client = FastHttpSession(
            base_url=host,
            request_event=environment.events.request,
            user=self,
            insecure=self.insecure,
            network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout,
            max_redirects=self.max_redirects,
            max_retries=self.max_retries,
            headers=self.default_headers,
        )

    rest = RestMixin.rest
    rest_ = RestMixin.rest_

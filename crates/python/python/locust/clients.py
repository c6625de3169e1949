"""HttpSession: `self.client` of an HttpUser, backed by locusta's Rust HTTP client.

A request is queued for the I/O thread and the greenlet yields to the gevent
hub; the hub switches back to it when the response arrives (see locust.main).
With `stream=True` the request returns at the response head, and each read of
the body waits the same way.
Statistics are recorded in Rust; the Python `request` listeners, if any, are
called with Locust's arguments.
"""

import json as _json
from contextlib import contextmanager
from urllib.parse import urljoin

from gevent.hub import Waiter, get_hub

from locusta import _native

from locust.event import EventHook  # noqa: F401
from locust.event import events as _events
from locust.exception import CatchResponseError, LocustError, ResponseError  # noqa: F401

import re as _re

absolute_http_url_regexp = _re.compile(r"^https?://", _re.IGNORECASE)
basestring = (bytes, str)

try:
    from requests.utils import DEFAULT_CA_BUNDLE_PATH
except ImportError:  # requests is optional; locusta's client uses the system's roots
    DEFAULT_CA_BUNDLE_PATH = None

# Locust has a response class for plain and for caught requests; here one
# class serves both (names kept for isinstance checks and type hints).
LocustResponse = ResponseContextManager = RestResponseContextManager = _native.Response


class LocustHttpAdapter:
    """requests' transport adapter with a shared pool manager: locusta's
    HttpSession is not built on requests, so it has no adapters to mount."""

    def __init__(self, pool_manager=None, *args, **kwargs):
        raise NotImplementedError(
            "locusta: HttpSession sends requests with locusta's Rust client, not requests' adapters "
            "(set pool_manager/adapters has no counterpart)"
        )

try:
    from requests.exceptions import HTTPError as _HTTPErrorBase
except ImportError:  # requests is optional
    _HTTPErrorBase = IOError


class HTTPError(_HTTPErrorBase):
    """A failed request (status >= 400 or no response), as raise_for_status() raises."""


class _ReportedFailure(HTTPError):
    """A failure whose text is already in the statistics' form (a repr, e.g.
    of a connection error): repr() gives that text back unchanged."""

    def __repr__(self):
        return str(self)


class LocustBadStatusCode(Exception):
    """FastHttpUser's failure for a status outside its success rule: str()
    names the URL and the code, repr() (the statistics' text) the code."""

    def __init__(self, url, code):
        super().__init__(url, code)
        self.url = url
        self.code = code

    def __str__(self):
        return f"{self.url}, code={self.code}"

    def __repr__(self):
        return f"LocustBadStatusCode(code={self.code})"


def _failure_exception(text, url):
    """The exception a request listener gets for a failure text: repr() of
    it is the text the statistics show, as with Locust's exception objects."""
    if text.startswith("HTTPError('") and text.endswith("')"):
        return HTTPError(text[len("HTTPError('"):-2])
    if text.startswith("LocustBadStatusCode(code=") and text.endswith(")"):
        return LocustBadStatusCode(url, int(text[len("LocustBadStatusCode(code="):-1]))
    return _ReportedFailure(text)


# Request id -> the Waiter of the greenlet that waits for it.
_pending = {}

# Set by run_single_user(include_payload=True): each response keeps the body
# sent (`response._payload`) for the printed line.
keep_payload = False


def _flush():
    global _flush_scheduled
    _flush_scheduled = False
    _native.flush()


# A flush of the queued requests is scheduled on the hub (run once the greenlets
# runnable now have had their turn): one hand-over to the I/O thread per batch.
_flush_scheduled = False


# How many times greenlets have waited for a response: when it changed during
# a task, the task's greenlet has yielded to the hub (see TaskSet.wait).
awaits = 0


def _await(request_id, first):
    global _flush_scheduled, awaits
    awaits += 1
    if first and not _flush_scheduled:
        _flush_scheduled = True
        get_hub().loop.run_callback(_flush)
    waiter = Waiter()
    _pending[request_id] = waiter
    try:
        return waiter.get()
    finally:
        _pending.pop(request_id, None)


try:
    from requests import exceptions as _requests_exceptions
except ImportError:  # requests is optional
    _requests_exceptions = None


def _stream_error(kind, message):
    """The exception for a failed read of a streamed body: requests' own
    (ConnectionError for a timeout, ContentDecodingError, ChunkedEncodingError
    for a connection that ended early) when requests is installed, else a
    ConnectionError."""
    if _requests_exceptions is None:
        return ConnectionError(message)
    if kind == "timeout":
        return _requests_exceptions.ConnectionError(message)
    if kind == "decode":
        return _requests_exceptions.ContentDecodingError(message)
    return _requests_exceptions.ChunkedEncodingError(message)


def _deliver(completed):
    """Wakes the greenlets whose responses arrived (called in the hub)."""
    for request_id, response in completed:
        waiter = _pending.pop(request_id, None)
        if waiter is not None:
            waiter.switch(response)


def _caught(response, name, failure, decided):
    """After a catch_response block: tells the Python request listeners. A
    failure the block decided is a CatchResponseError; one it left to the
    default rule is that rule's exception (as Locust)."""
    request_event = getattr(response, "_request_event", _events.request)
    if request_event._handlers:
        meta = response.request_meta
        if failure is None:
            exception = None
        elif decided:
            exception = CatchResponseError(failure)
        else:
            exception = _failure_exception(failure, meta["url"])
        request_event._notify(
            request_type=meta["request_type"],
            name=name,
            response_time=meta["response_time"],
            response_length=meta["response_length"],
            response=response,
            context=getattr(response, "_context", {}),
            exception=exception,
            start_time=meta["start_time"],
            url=meta["url"],
        )


def _basic_auth(auth):
    if auth is None:
        return None
    if isinstance(auth, (tuple, list)) and len(auth) == 2:
        return (str(auth[0]), str(auth[1]))
    username = getattr(auth, "username", None)
    password = getattr(auth, "password", None)
    if username is not None and password is not None:
        return (str(username), str(password))
    raise ValueError("only HTTP Basic auth is supported: pass auth=(user, password)")


def _read_timeout(timeout):
    if timeout is None:
        return None
    if isinstance(timeout, (tuple, list)):
        values = [t for t in timeout if t is not None]
        return float(max(values)) if values else None
    return float(timeout)


class CookieJar:
    """The user's cookie jar, as requests' session.cookies is used: read like a
    dict; `set()`/item assignment/`update()`/`clear()` change the jar."""

    def __init__(self, session):
        self._session = session

    def _all(self):
        return self._session._native.cookies()

    def __getitem__(self, name):
        return self._all()[name]

    def get(self, name, default=None, domain=None, path=None):
        """A cookie's value, or default."""
        return self._all().get(name, default)

    def __contains__(self, name):
        return name in self._all()

    def __iter__(self):
        return iter(self._all())

    def __len__(self):
        return len(self._all())

    def keys(self):
        """Cookie names."""
        return self._all().keys()

    def values(self):
        """Cookie values."""
        return self._all().values()

    def items(self):
        """(name, value) pairs."""
        return self._all().items()

    def get_dict(self, domain=None, path=None):
        """The cookies as a dict."""
        return dict(self._all())

    def set(self, name, value, domain=None, path="/", **kwargs):
        """Stores a cookie for the host (or `domain`)."""
        base = self._session.base_url or ""
        url = f"http://{domain}/" if domain else (base or "http://localhost/")
        self._session._native.set_cookie(url, f"{name}={value}; Path={path or '/'}")

    def __setitem__(self, name, value):
        self.set(name, value)

    def update(self, other):
        """Stores every cookie of a dict."""
        for name, value in dict(other).items():
            self.set(name, value)

    def clear(self, domain=None, path=None, name=None):
        """Empties the jar."""
        self._session._native.clear_cookies()

    def __repr__(self):
        return f"<CookieJar {self._all()!r}>"


class HttpSession:
    """One user's HTTP client: its own cookie jar and keep-alive connections."""

    # FastHttpSession names requests after the URL as passed, and has its own
    # success rule.
    _name_is_url = False
    _fast_rule = False

    def __init__(self, base_url, request_event=None, user=None, *args, verify=True, pool_manager=None,
                 network_timeout=60.0, connection_timeout=60.0, max_redirects=30, **kwargs):
        self.base_url = base_url
        self.request_event = request_event or _events.request
        self.user = user
        self.request_name = None
        self.headers = {}
        self.auth = None
        self._verify = verify
        self._limits = (float(network_timeout), float(connection_timeout), int(max_redirects))
        self._native = self._new_client()

    def _new_client(self):
        timeout, connect_timeout, max_redirects = self._limits
        return _native.Client(self.base_url, self._verify, timeout, connect_timeout, max_redirects, fast=self._fast_rule)

    @property
    def verify(self):
        """Whether TLS certificates are verified (requests' session.verify)."""
        return self._verify

    @verify.setter
    def verify(self, verify):
        # A new client: set it before the first request (e.g. in on_start).
        if bool(verify) != self._verify:
            self._verify = bool(verify)
            self._native = self._new_client()

    @property
    def cookies(self):
        """The user's cookie jar."""
        return CookieJar(self)

    def clear_cookies(self):
        """Empties the cookie jar."""
        self._native.clear_cookies()

    def close(self):
        """Closes the keep-alive connections."""
        self._native.close()

    @contextmanager
    def rename_request(self, name):
        """Reports every request in the block under `name`."""
        self.request_name = name
        try:
            yield
        finally:
            self.request_name = None

    def request(
        self,
        method,
        url,
        name=None,
        catch_response=False,
        context={},  # noqa: B006 - Locust's signature
        *,
        params=None,
        data=None,
        json=None,
        files=None,
        headers=None,
        cookies=None,
        auth=None,
        timeout=None,
        allow_redirects=None,
        stream=False,
        **_ignored,
    ):
        """Sends a request; connection errors come back as a status-0 response.
        With `stream=True` it returns at the response head (its time is the
        time to the head, its length the Content-Length, as Locust reports),
        and the body is read as it is iterated or read."""
        if name is None:
            name = self.request_name
            if name is None and self._name_is_url:
                name = url
        if self.headers:
            merged = dict(self.headers)
            if headers:
                merged.update(headers)
            headers = merged
        if cookies:
            target = url if "://" in url else urljoin(self.base_url or "", url)
            for key, value in dict(cookies).items():
                self._native.set_cookie(target, f"{key}={value}")
        body_json = None
        if json is not None and data is None:
            body_json = _json.dumps(json).encode()
        request_id, first = self._native.send(
            method,
            url,
            name,
            catch_response,
            params,
            data,
            body_json,
            files,
            headers,
            None if auth is None and self.auth is None else _basic_auth(auth if auth is not None else self.auth),
            None if timeout is None else _read_timeout(timeout),
            allow_redirects,
            bool(stream),
        )
        response = _await(request_id, first)
        # For response.request (headers and body as sent; none by default).
        if headers is not None or data is not None or body_json is not None:
            response._sent = (headers if headers is not None else {}, data if data is not None else body_json)
        if keep_payload:
            response._payload = data if data is not None else body_json
        if catch_response:
            # The listeners of this session's event (a custom Environment's too).
            response._request_event = self.request_event
            if self.request_event._handlers:
                response._context = self._context(context)
            return response
        if self.request_event._handlers:
            failure = response.failure_message
            merged_context = self._context(context)
            meta = response.request_meta
            self.request_event._notify(
                request_type=meta["request_type"],
                name=meta["name"],
                response_time=meta["response_time"],
                response_length=meta["response_length"],
                response=response,
                context=merged_context,
                exception=None if failure is None else _failure_exception(failure, meta["url"]),
                start_time=meta["start_time"],
                url=meta["url"],
            )
        return response

    def _context(self, context):
        """The user's context() with the request's own context over it."""
        if self.user is None:
            return context
        merged = dict(self.user.context())
        merged.update(context)
        return merged

    def get(self, url, *, data=None, json=None, **kwargs):
        """A GET request."""
        return self.request("GET", url, data=data, json=json, **kwargs)

    def post(self, url, data=None, json=None, **kwargs):
        """A POST request."""
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url, data=None, *, json=None, **kwargs):
        """A PUT request."""
        return self.request("PUT", url, data=data, json=json, **kwargs)

    def patch(self, url, data=None, *, json=None, **kwargs):
        """A PATCH request."""
        return self.request("PATCH", url, data=data, json=json, **kwargs)

    def delete(self, url, *, data=None, json=None, **kwargs):
        """A DELETE request."""
        return self.request("DELETE", url, data=data, json=json, **kwargs)

    def head(self, url, *, data=None, json=None, **kwargs):
        """A HEAD request (redirects are not followed)."""
        return self.request("HEAD", url, data=data, json=json, **kwargs)

    def options(self, url, *, data=None, json=None, **kwargs):
        """An OPTIONS request."""
        return self.request("OPTIONS", url, data=data, json=json, **kwargs)


@contextmanager
def rest(client, method, url, headers=None, **kwargs):
    """A JSON request whose body is parsed into `response.js`; failed
    assertions and other errors in the block become the request's failure."""
    all_headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if headers:
        all_headers.update(headers)
    with client.request(method, url, headers=all_headers, catch_response=True, **kwargs) as response:
        response.js = None
        if response.status_code == 0:
            response.failure(response.error or "no response")
        elif response.text:
            try:
                response.js = response.json()
            except ValueError as error:
                response.failure(
                    f"Could not parse response as JSON. {response.text[:250]}, "
                    f"response code {response.status_code}, error {error!r}"
                )
        try:
            yield response
        except AssertionError as error:
            message = str(error.args[0]) if error.args else ""
            if message.endswith(","):
                message += f" response was {response.text[:200]}"
            response.failure(message)
        except Exception as error:  # noqa: BLE001 - swallowed, as Locust does
            frame = error.__traceback__
            while frame is not None and frame.tb_next is not None:
                frame = frame.tb_next
            where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "?"
            response.failure(
                f"{type(error).__name__}: {error} at {where}. Response was {response.text[:200]}"
            )

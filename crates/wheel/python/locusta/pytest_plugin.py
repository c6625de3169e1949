"""The `session` and `fastsession` fixtures under plain `pytest`.

A pytest-style locustfile (`test_*` functions taking `session` or
`fastsession`) is a load test under `locusta -f test_x.py` and an ordinary
test suite under `pytest test_x.py --host http://…`. The wheel registers
this module as a pytest plugin (entry point `locusta` in the `pytest11`
group, as Locust registers its own), so the fixtures exist in every
pytest run of the environment.

Here no load test runs: each fixture yields a small HTTP session built on
the standard library that speaks the part of the `requests` API tests use
(`get`/`post`/… with `params`, `data`, `json`, `headers`, `name`,
`catch_response`; responses with `status_code`, `ok`, `text`, `content`,
`json()`, `headers`, `raise_for_status()`), sends relative URLs to
`--host` (or `session.base_url`), keeps cookies, and counts nothing.
Inside a locusta run the fixtures are the run's own (`pytest_locust.plugin`
of locusta's `locust` package), whose sessions are the users' clients.
"""

import http.cookiejar
import json as _json
import urllib.error
import urllib.parse
import urllib.request

import pytest

try:
    from requests.exceptions import HTTPError as _HTTPErrorBase
except ImportError:  # requests is optional
    _HTTPErrorBase = OSError


class HTTPError(_HTTPErrorBase):
    """A response with a status of 400 or more, from `raise_for_status()`."""


class Response:
    """One answer: status, headers and the whole body. It is also the
    context manager `catch_response=True` gives; `success()` and
    `failure()` only record the verdict here (nothing is counted)."""

    def __init__(self, url, status_code, reason, headers, content):
        self.url = url
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.content = content
        self.verdict = None

    @property
    def ok(self):
        return self.status_code < 400

    @property
    def text(self):
        charset = self.headers.get_content_charset() if hasattr(self.headers, "get_content_charset") else None
        return self.content.decode(charset or "utf-8", errors="replace")

    def json(self):
        return _json.loads(self.content)

    def raise_for_status(self):
        if not self.ok:
            raise HTTPError(f"{self.status_code} Error: {self.reason} for url: {self.url}")

    def success(self):
        self.verdict = True

    def failure(self, exc):
        self.verdict = exc

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


class _KeepErrors(urllib.request.HTTPErrorProcessor):
    """Answers of 400 and more are responses, as in requests, not exceptions."""

    def http_response(self, request, response):
        return response

    https_response = http_response


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """`allow_redirects=False`: a 3xx answer is the response."""

    def redirect_request(self, *args, **kwargs):
        return None


class PlainSession:
    """An HTTP session for tests run by plain pytest: cookies, a base URL,
    default headers; no statistics."""

    def __init__(self, base_url=None):
        self.base_url = base_url
        self.user = None
        self.headers = {}
        self.cookies = http.cookiejar.CookieJar()

    def _url(self, url, params):
        if not urllib.parse.urlparse(url).scheme:
            if not self.base_url:
                raise ValueError(f"Invalid URL {url!r}: no host (give --host to pytest or set session.base_url)")
            url = f"{self.base_url}{url}"
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
        return url

    def request(self, method, url, name=None, catch_response=False, params=None, data=None, json=None,
                headers=None, timeout=None, allow_redirects=True, context=None, **kwargs):
        full_url = self._url(url, params)
        sent_headers = {**self.headers, **(headers or {})}
        body = None
        if json is not None and data is None:
            body = _json.dumps(json).encode()
            sent_headers.setdefault("Content-Type", "application/json")
        elif isinstance(data, dict):
            body = urllib.parse.urlencode(data, doseq=True).encode()
            sent_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(data, str):
            body = data.encode()
        elif data is not None:
            body = bytes(data)
        handlers = [urllib.request.HTTPCookieProcessor(self.cookies), _KeepErrors()]
        if not allow_redirects:
            handlers.append(_NoRedirects())
        opener = urllib.request.build_opener(*handlers)
        request = urllib.request.Request(full_url, data=body, headers=sent_headers, method=method.upper())
        try:
            answer = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as redirect_kept:  # a 3xx with allow_redirects=False
            answer = redirect_kept
        with answer:
            return Response(answer.geturl(), answer.status, answer.reason, answer.headers, answer.read())

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, data=None, json=None, **kwargs):
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url, data=None, **kwargs):
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url, data=None, **kwargs):
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url, **kwargs):
        return self.request("DELETE", url, **kwargs)

    def head(self, url, **kwargs):
        return self.request("HEAD", url, **kwargs)

    def options(self, url, **kwargs):
        return self.request("OPTIONS", url, **kwargs)

    def close(self):
        self.cookies.clear()


def pytest_addoption(parser):
    """`--host`/`-H`, the base URL of relative requests (as under locusta)."""
    try:
        parser.addoption("--host", "-H", action="store", default=None, help="base URL of the session fixtures")
    except ValueError as error:  # another plugin (Locust's) added it already
        if "already added" not in str(error):
            raise


@pytest.fixture
def session(request):
    """A session for `--host`."""
    client = PlainSession(request.config.getoption("--host"))
    yield client
    client.close()


@pytest.fixture
def fastsession(request):
    """The same plain session as `session`: tests use the part of the API
    FastHttpSession and HttpSession share."""
    client = PlainSession(request.config.getoption("--host"))
    yield client
    client.close()

"""locust.contrib.oai: OpenAIUser, whose `self.client` is an OpenAI client
that reports each HTTP call as a request (its output tokens as the length);
needs the `openai` and `httpx` packages."""

import time
from contextlib import contextmanager

import httpx
from openai import OpenAI

from locust.users import User


class OpenAIClient(OpenAI):
    """openai.OpenAI over an httpx client whose hooks fire `request_event`."""

    def __init__(self, request_event, user, *args, **kwargs):
        self.request_name = None
        self.user = user

        def started(request):
            request.start_time = time.time()
            request.start_perf_counter = time.perf_counter()

        def ended(response):
            response.read()
            error = None
            try:
                response.raise_for_status()
            except httpx.HTTPStatusError as exc:
                error = exc
            try:
                tokens = response.json().get("usage", {}).get("output_tokens", 0)
            except ValueError:
                tokens = 0
            request_event.fire(
                request_type=response.request.method,
                name=self.request_name or response.url.path,
                context={}, response=response, exception=error,
                start_time=response.request.start_time,
                response_time=(time.perf_counter() - response.request.start_perf_counter) * 1000,
                response_length=tokens, url=str(response.url),
            )

        hooks = {"request": [started], "response": [ended]}
        super().__init__(*args, **kwargs, http_client=httpx.Client(event_hooks=hooks))

    @contextmanager
    def rename_request(self, name):
        """Reports the requests of the block under `name`."""
        self.request_name = name
        try:
            yield
        finally:
            self.request_name = None


class OpenAIUser(User):
    """A user whose `self.client` is an OpenAIClient."""

    abstract = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = OpenAIClient(self.environment.events.request, user=self)

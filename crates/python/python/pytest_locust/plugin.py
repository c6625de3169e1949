"""The `session` and `fastsession` fixtures of pytest-style locustfiles,
as a locusta run gives them to its `PytestUser`s.

Locust ships its fixtures as the pytest plugin `pytest_locust.plugin`;
inside a locusta run that module name is this one, so a locustfile (or a
conftest) that imports it gets locusta's. Each fixture is called with the
user that runs the test function and yields that user's client: an
`HttpSession` or a `FastHttpSession` for the user's host, reporting to the
run's `request` event and statistics. Under plain `pytest`, the locusta
wheel's own plugin (`locusta.pytest_plugin`) gives fixtures of the same
names that send requests without any statistics.
"""

import pytest


class NoOpEvent:
    """An event hook that calls nobody (a session used without a user)."""

    def fire(self, *, reverse=False, **kwargs):
        pass


def _session_arguments(user):
    if user is None:
        return {"base_url": None, "request_event": NoOpEvent(), "user": None}
    return {"base_url": user.host, "request_event": user.environment.events.request, "user": user}


@pytest.fixture
def session(user=None):
    """An HttpSession of `user` (the PytestUser running the test)."""
    from locust.clients import HttpSession

    client = HttpSession(**_session_arguments(user))
    yield client
    client.close()


@pytest.fixture
def fastsession(user=None):
    """A FastHttpSession of `user` (the PytestUser running the test)."""
    from locust.contrib.fasthttp import FastHttpSession

    client = FastHttpSession(**_session_arguments(user))
    yield client
    client.close()

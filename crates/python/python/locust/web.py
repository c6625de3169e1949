"""locust.web: the web UI. locusta serves its own web UI from Rust (axum,
pages compiled into the binary), so there is no Flask app to extend from
Python: `WebUI(...)` and `environment.create_web_ui()` raise
NotImplementedError saying so. The form and login types that locustfiles
build (InputField, CustomForm, AuthProvider, AuthArgs) and the helpers are
real."""

import logging
from typing import TypedDict

from locust.html import DEFAULT_BUILD_PATH, get_html_report, render_template_from  # noqa: F401
from locust.log import get_logs, greenlet_exception_logger  # noqa: F401
from locust.runners import STATE_MISSING, STATE_RUNNING, MasterRunner  # noqa: F401
from locust.user.inspectuser import get_ratio  # noqa: F401
from locust.users import HttpUser  # noqa: F401
from locust.util.cache import memoize  # noqa: F401
from locust.util.date import format_safe_timestamp  # noqa: F401
from locust.util.timespan import parse_timespan  # noqa: F401

logger = logging.getLogger(__name__)
greenlet_exception_handler = greenlet_exception_logger(logger)

DEFAULT_CACHE_TIME = 2.0
HOST_IS_REQUIRED = False


def _version():
    from locusta import _native

    return _native.__version__


version = _version()


class InputField(TypedDict, total=False):
    """One input of a custom login form."""

    label: str
    name: str
    type: str
    default_value: bool
    choices: list
    is_multiple: bool
    is_secret: bool
    is_required: bool


class CustomForm(TypedDict, total=False):
    """A custom login form: its inputs, where it posts, its button."""

    inputs: list
    callback_url: str
    submit_button_text: str


class AuthProvider(TypedDict, total=False):
    """A login provider button (e.g. an OAuth provider)."""

    label: str
    callback_url: str
    icon_url: str


class AuthArgs(TypedDict, total=False):
    """What the login page shows."""

    custom_form: CustomForm
    auth_providers: list
    username_password_callback: str
    error: str
    info: str


class _Unavailable:
    """Stands for Flask's request and session objects, which only exist
    inside Locust's Flask app."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        raise NotImplementedError(
            f"locusta: flask.{self._name} does not exist here: locusta's web UI is not a Flask app"
        )

    def __repr__(self):
        return f"<locusta: no flask.{self._name}>"


request = _Unavailable("request")
session = _Unavailable("session")

_NO_FLASK = (
    "locusta serves its own web UI (from Rust, started by `locusta -f FILE` without --headless); "
    "Locust's Flask-based WebUI, its `app` and its routes cannot be created from Python"
)


class WebUI:
    """Locust's Flask web UI. Not available under locusta (see _NO_FLASK)."""

    app = None
    greenlet = None

    def __init__(self, environment, host, port, web_base_path=None, web_login=False, tls_cert=None, tls_key=None,
                 stats_csv_writer=None, delayed_start=False, userclass_picker_is_active=False, build_path=None):
        raise NotImplementedError(_NO_FLASK)

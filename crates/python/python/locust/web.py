"""locust.web: the web UI. locusta serves its own web UI from Rust (axum,
pages compiled into the binary); a locustfile extends it as in Locust,
through `environment.web_ui.app`, a real Flask app (created on first use;
Flask must be installed) that locusta hands every request its own routes do
not take, and whose `after_request` functions see the answers of locusta's
routes too. The form and login types that locustfiles build (InputField,
CustomForm, AuthProvider, AuthArgs) and the helpers are real."""

import functools
import json
import logging
import os
import sys
from typing import TypedDict

import gevent

from locusta import _native

from locust import _run
from locust.event import format_user_traceback
from locust.html import DEFAULT_BUILD_PATH, get_html_report, render_template_from  # noqa: F401
from locust.log import get_logs, greenlet_exception_logger, read_logs_into_web_ui  # noqa: F401
from locust.runners import STATE_MISSING, STATE_RUNNING, LocalRunner, MasterRunner, _class_weights  # noqa: F401
from locust.user.inspectuser import get_ratio  # noqa: F401
from locust.users import HttpUser  # noqa: F401
from locust.util.cache import memoize  # noqa: F401
from locust.util.date import format_safe_timestamp  # noqa: F401
from locust.util.timespan import parse_timespan  # noqa: F401

logger = logging.getLogger(__name__)
greenlet_exception_handler = greenlet_exception_logger(logger)

DEFAULT_CACHE_TIME = 2.0
HOST_IS_REQUIRED = False


version = _native.__version__


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


_NO_FLASK = (
    "locusta: environment.web_ui.app is a Flask app, and Flask is not installed in the Python locusta uses: "
    "pip install flask"
)


class _WithoutFlask:
    """Stands for flask.request or flask.session when Flask is not installed."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        raise ImportError(_NO_FLASK)

    def __repr__(self):
        return f"<locusta: no flask.{self._name}, Flask is not installed>"


def __getattr__(name):
    """`locust.web.request` and `session`: Flask's (imported on first use)."""
    if name in ("request", "session"):
        try:
            import flask
        except ImportError:
            return _WithoutFlask(name)
        return getattr(flask, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _page_loader():
    """A Jinja loader whose "index.html" is locusta's own page, its data
    from the template variable `template_args` (as Locust's index.html)."""
    import jinja2

    class PageLoader(jinja2.BaseLoader):
        def get_source(self, environment, template):
            if template != "index.html":
                raise jinja2.TemplateNotFound(template)
            source = _native.web_page_template()
            if source is None:
                raise jinja2.TemplateNotFound(f"{template} (locusta's web UI does not serve yet)")
            return source, None, lambda: True

    return PageLoader()


def _create_app():
    try:
        import flask
    except ImportError as error:
        raise ImportError(_NO_FLASK) from error

    class App(flask.Flask):
        # Searched before the blueprints' template folders, as Locust's build folder is.
        @property
        def jinja_loader(self):
            return _page_loader()

    app = App("locust", static_folder=None, root_path=os.getcwd())
    app.jinja_env.add_extension("jinja2.ext.do")
    return app


class WebUI:
    """The web UI of a `locusta -f` run (not --headless, not a worker):
    `environment.web_ui`, which `init` listeners get as `web_ui`. locusta
    serves it from Rust; `app` is a Flask app whose routes and
    `after_request` functions locusta's server uses. A script
    (`locusta --python`) creates one with `environment.create_web_ui()`:
    locusta's server then runs in the script's process, shows its test and
    drives its runner (see `_follow_script_runner`); `stop()` stops it."""

    greenlet = None
    """Locust's server greenlet: None, the server is locusta's (Rust)."""

    server = None
    """Locust's WSGI server: None, the server is locusta's (Rust)."""

    def __init__(self, environment, host, port, web_base_path=None, web_login=False, tls_cert=None, tls_key=None,
                 stats_csv_writer=None, delayed_start=False, userclass_picker_is_active=False, build_path=None,
                 _serving=False):
        if not _serving and not _run.script_mode:
            raise NotImplementedError(
                "locusta: the web UI is locusta's own server (Rust), started by `locusta -f FILE` without "
                "--headless; a WebUI cannot be created from Python. Extend the one an init listener gets as "
                "web_ui (environment.web_ui)"
            )
        self._follower = None
        if not _serving:
            port = self._serve_script(environment, host, port, web_base_path, web_login, tls_cert, tls_key,
                                      userclass_picker_is_active)
        environment.web_ui = self
        self.environment = environment
        self.host = host
        self.port = port
        self.web_base_path = web_base_path or ""
        self.web_login = web_login
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.userclass_picker_is_active = userclass_picker_is_active
        self.stats_csv_writer = stats_csv_writer
        self.template_args = {}
        self.auth_args = {}
        self._app = None

    @property
    def app(self):
        """The Flask app locusta's web UI serves (created on first use): its
        routes answer the paths locusta's own do not, its `after_request`
        functions see every answer."""
        if self._app is None:
            self._app = _create_app()
            _native.web_app_created()
        return self._app

    def update_template_args(self):
        """Refreshes `template_args` with the data locusta's page is filled with now."""
        current = _native.web_template_args()
        if current is not None:
            self.template_args = {**self.template_args, **json.loads(current)}

    def auth_required_if_enabled(self, view_func):
        """Locust's login decorator. The route is returned as it is: locusta's
        server asks for the --web-login credentials before any route runs."""

        @functools.wraps(view_func)
        def wrapper(*args, **kwargs):
            return view_func(*args, **kwargs)

        return wrapper

    @property
    def login_manager(self):
        raise AttributeError(
            "locusta: there is no Flask-Login manager: --web-login is HTTP basic authentication, "
            "checked by locusta's server for every route"
        )

    def _serve_script(self, environment, host, port, web_base_path, web_login, tls_cert, tls_key, class_picker):
        """Starts locusta's web UI in a script's process; returns its port."""

        login = None
        if web_login:
            login = web_login if isinstance(web_login, str) else os.environ.get("LOCUSTA_WEB_LOGIN", "")
            if ":" not in login:
                raise ValueError(
                    "locusta: web_login is HTTP basic authentication: set LOCUSTA_WEB_LOGIN to 'username:password'"
                )
        if _run.environment is None:
            # The Flask app's requests and the UI's events go to this environment.
            _run.host_environment(environment)
        script = getattr(sys.modules.get("__main__"), "__file__", None) or "script"
        stop_timeout = environment.stop_timeout
        port = _native.script_web_ui(
            _class_weights(environment), host, int(port), os.path.basename(script),
            web_base_path=web_base_path or None, login=login, tls_cert=tls_cert or None, tls_key=tls_key or None,
            target_host=environment.host or None, stop_timeout=float(stop_timeout or 0),
            class_picker=bool(class_picker),
        )
        read_logs_into_web_ui()
        logger.info("Starting web interface at %s://%s:%s%s/", "https" if tls_cert else "http",
                    host or "0.0.0.0", port, (web_base_path or "").rstrip("/"))
        self._follower = gevent.spawn(self._follow_script_runner)
        return port

    def _follow_script_runner(self):
        """Tells locusta's server, a few times a second, where the script's
        local runner is (the page shows its state and users), and runs what
        the page asks of it: Start sets the form's host as the environment's
        and calls `runner.start(users, rate)` with the classes the form
        picked, Stop calls `runner.stop()`, a class's settings go to
        `environment.update_user_class`. A master's or worker's runner is
        locusta's own: the server reads and drives it directly."""
        while True:
            runner = self.environment.runner
            if isinstance(runner, LocalRunner):
                try:
                    commands = _native.script_web_sync(
                        runner.state, runner.user_count, runner.target_user_count, runner.user_classes_count
                    )
                except Exception:  # noqa: BLE001 - the page must not end the test
                    logger.exception("locusta: the web UI could not follow the runner")
                    commands = []
                for kind, encoded in commands:
                    self._run_page_command(runner, kind, json.loads(encoded))
            gevent.sleep(0.2)

    def _run_page_command(self, runner, kind, data):
        """One command of the page for the script's local runner."""
        if kind == "start":
            if data["host"]:
                self.environment.host = data["host"]
            classes = data["user_classes"]
            if classes is not None:
                available = self.environment.available_user_classes
                classes = [available[name] for name in classes if name in available]
            gevent.spawn(runner.start, data["user_count"], data["spawn_rate"], user_classes=classes)
        elif kind == "stop":
            gevent.spawn(runner.stop)
        elif kind == "user":
            try:
                self.environment.update_user_class(data)
            except Exception as error:  # noqa: BLE001 - a bad setting must not end the test
                logger.error("Error applying user config to %s: %s", data.get("user_class_name"), error)

    def start(self):
        """Locust's start of the server: locusta's server already runs."""

    def stop(self):
        """Stops the server a script started (a `locusta -f` run's stops
        with the process)."""
        if self._follower is not None:
            self._follower.kill(block=False)
            self._follower = None
        if _run.script_mode:
            _native.script_web_stop()


def _serve_wsgi(environ, answer):
    """Runs a request through the Flask app (a WSGI application) and answers
    with its status, headers and body. An app that raises answers 500, the
    traceback logged; Flask logs and answers its routes' errors itself."""
    web_ui = _web_ui()
    if web_ui is None or web_ui._app is None:
        answer.send_http(404, [("Content-Type", "text/plain; charset=utf-8")], b"Not Found")
        return
    started = []

    def start_response(status, headers, exc_info=None):
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return chunks.append

    chunks = []
    try:
        result = web_ui._app(environ, start_response)
        try:
            for chunk in result:
                chunks.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started
        answer.send_http(int(status.split(" ", 1)[0]), list(headers), b"".join(chunks))
    except Exception as error:  # noqa: BLE001 - a broken route answers 500, the run goes on
        logger.error(
            "The web UI route %s %s raised:\n%s",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO"),
            format_user_traceback(error).rstrip(),
        )
        answer.send_http(500, [("Content-Type", "text/plain; charset=utf-8")], b"Internal Server Error")


def _after_request(environ, response, answer):
    """Passes an answer of locusta's own routes through the Flask app's
    `after_request` functions; answers only when there are some."""
    web_ui = _web_ui()
    app = web_ui._app if web_ui is not None else None
    if app is None or not app.after_request_funcs.get(None):
        answer.send()
        return
    status, headers, body = response
    try:
        with app.request_context(environ):
            changed = app.process_response(app.response_class(body, status=status, headers=headers))
            answer.send_http(changed.status_code, list(changed.headers.items()), changed.get_data())
    except Exception as error:  # noqa: BLE001 - the answer goes out unchanged
        logger.error(
            "An after_request function raised on %s:\n%s",
            environ.get("PATH_INFO"),
            format_user_traceback(error).rstrip(),
        )
        answer.send()


def _web_ui():
    environment = _run.environment
    return environment.web_ui if environment is not None else None

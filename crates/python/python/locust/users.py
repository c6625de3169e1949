"""User and HttpUser (locusta's implementation of Locust's classes)."""

import inspect
import logging
import time
from contextlib import contextmanager

import gevent
from gevent import GreenletExit

from locusta import _native

from locust.clients import HttpSession, RestResponseContextManager, rest as _rest  # noqa: F401
from locust.event import format_user_traceback
from locust.exception import CatchResponseError, LocustError, StopTest, StopUser  # noqa: F401
from locust.task import (  # noqa: F401
    LOCUST_STATE_RUNNING,
    LOCUST_STATE_STOPPING,
    LOCUST_STATE_WAITING,
    RUNNING,
    STOPPING,
    WAITING,
    DefaultTaskSet,
    TaskHolderMeta,
    TaskSet,
    get_tasks_from_base_classes,
)
from locust.wait_time import constant

logger = logging.getLogger(__name__)


class UserMeta(TaskHolderMeta):
    """Builds the tasks list; classes that do not set `abstract` are concrete."""


class User(metaclass=UserMeta):
    """A simulated user: runs its tasks, waiting `wait_time` after each."""

    host = None
    min_wait = None
    max_wait = None
    wait_time = constant(0)
    wait_function = None
    tasks = []
    weight = 1
    fixed_count = 0
    abstract = True

    def __init__(self, environment):
        self.environment = environment
        self._state = None
        self._greenlet = None
        self._hosted = None
        self._limited = False
        self._taskset_instance = None
        self._user_id = None
        self._group = None
        self._local_runner = None

    @property
    def greenlet(self):
        """The greenlet this user runs in (None before it starts)."""
        return self._greenlet

    @property
    def group(self):
        """The gevent Group the user was started in (`start(group)`), or None."""
        return self._group

    def on_start(self):
        """Runs when the user starts."""

    def on_stop(self):
        """Runs when the user stops."""

    def context(self):
        """Merged into every request event's context."""
        return {}

    def wait(self):
        """Sleeps wait_time() (as a task set does)."""
        self._taskset_instance.wait()

    def _take_iteration(self):
        return not self._limited or self._hosted.take_iteration()

    def run(self):
        """on_start, the task loop, then on_stop (when stopped or killed)."""
        self._state = RUNNING
        self._taskset_instance = DefaultTaskSet(self)
        try:
            try:
                self.on_start()
            except (GreenletExit, StopUser, StopTest):
                raise
            except Exception as error:
                # As Locust: the user ends, without on_stop, and is not replaced.
                self._task_error(self, error, location="on_start")
                return
            self._run_tasks()
        except (GreenletExit, StopUser):
            self._stop_handler()
        except StopTest:
            self._stop_handler()
            if self._hosted is not None:
                self._hosted.stop_test(f"StopTest raised by a {type(self).__name__} user")
            elif self._local_runner is not None:
                # A script's runner: the whole test stops, as in Locust.
                gevent.spawn(self._local_runner.quit)

    def _run_tasks(self):
        """The task loop, until the user stops."""
        self._taskset_instance.run()

    def _stop_handler(self):
        self._state = STOPPING
        try:
            self.on_stop()
        except (GreenletExit, StopUser, StopTest):
            pass
        except Exception as error:
            self._task_error(self, error, location="on_stop")

    def _task_error(self, instance, error, location=None):
        """An unhandled exception in user code: logged with its traceback,
        added to the exceptions table, fired as user_error; the user goes on."""
        tb = error.__traceback__
        text = format_user_traceback(error)
        logging.error("%s\n%s", error, text)
        where = location or getattr(instance, "_current_task_name", None) or type(instance).__name__
        _native.log_exception(
            f"{type(error).__name__}: {error}" if str(error) else repr(error),
            text,
            type(self).__name__,
            where,
        )
        self.environment.events.user_error.fire(user_instance=instance, exception=error, tb=tb)

    def start(self, group=None):
        """Starts this user in a greenlet, in `group` (a gevent Group) if given;
        returns the greenlet."""
        self._group = group
        spawn = group.spawn if group is not None else gevent.spawn
        self._greenlet = spawn(self._run_and_end)
        return self._greenlet

    def _run_and_end(self):
        try:
            self.run()
        except GreenletExit:
            pass
        except Exception as error:  # noqa: BLE001 - the user ends; the test goes on
            if not getattr(self.environment, "catch_exceptions", True):
                raise
            self._task_error(self, error)
        finally:
            if self._local_runner is not None:
                self._local_runner._user_ended(self)

    def stop(self, force=False):
        """Stops the user: kills it (force, or when waiting) or lets it finish its task."""
        if force or self._state == WAITING or self._state is None:
            if self._greenlet is not None:
                self._greenlet.kill(block=False)
            return True
        self._state = STOPPING
        return False

    @classmethod
    def fullname(cls):
        """The module-qualified class name (without `<locals>` parts)."""
        parts = f"{cls.__module__}.{cls.__qualname__}".split(".")
        return ".".join(part for part in parts if part != "<locals>")

    @classmethod
    def json(cls):
        """The class's settings, as the web UI shows them."""
        return {
            "host": cls.host,
            "weight": cls.weight,
            "fixed_count": cls.fixed_count,
            "tasks": [getattr(t, "__name__", repr(t)) for t in cls.tasks],
        }


class PytestUser(User):
    """A user made from pytest test functions (a pytest-style locustfile):
    `functions` are the collected test functions (pytest items) it loops
    over, without waiting between them; each parameter of a function is a
    fixture (`session`, `fastsession`) called with this user. Failed
    requests that a test turns into exceptions (`raise_for_status()`,
    connection errors) end that call only: the loop goes on."""

    abstract = True
    functions = []
    fixtures = []

    def _run_tasks(self):
        opened = []
        try:
            self.fixtures = [_fixture_values(self, function, opened) for function in self.functions]
            while self._state != STOPPING:
                for function, values in zip(self.functions, self.fixtures):
                    if not self._take_iteration():
                        raise StopUser()
                    try:
                        function.obj(**values)
                    except _ignored_errors() as error:
                        if isinstance(error, ValueError):  # a bad URL or schema: a bug in the test
                            raise
                        logger.debug("%s in %s: %s", type(error).__name__, function.name, error, exc_info=True)
                    if self._state == STOPPING:
                        break
                gevent.sleep(0)  # a test that never waits must not starve the hub
            raise StopUser()  # stopped gracefully: on_stop runs
        finally:
            for generator in opened:
                generator.close()


def _fixture_values(user, function, opened):
    """The keyword arguments of one test function: each fixture's value for
    this user (a generator fixture's first value; it is closed when the user
    ends, running its teardown)."""
    values = {}
    for name, fixture in function.locust_fixtures.items():
        value = fixture(user)
        if inspect.isgenerator(value):
            opened.append(value)
            value = next(value)
        values[name] = value
    return values


def _ignored_errors():
    """The exceptions a PytestUser's test may raise without ending the user:
    failed requests (requests' RequestException, locust.clients.HTTPError,
    FastHttpSession's LocustBadStatusCode), CatchResponseError, connection
    errors."""
    from locust.clients import HTTPError, LocustBadStatusCode

    found = [HTTPError, LocustBadStatusCode, CatchResponseError, ConnectionError]
    try:
        from requests.exceptions import RequestException
    except ImportError:  # requests is optional
        pass
    else:
        found.append(RequestException)
    return tuple(found)


class RestMixin:
    """Gives a user with an HTTP `client` the `rest()` JSON helper."""

    @contextmanager
    def rest(self, method, url, headers=None, **kwargs):
        """A JSON request with `response.js`; failed assertions in the block
        become the request's failure."""
        with _rest(self.client, method, url, headers=headers, **kwargs) as response:
            yield response

    @contextmanager
    def rest_(self, method, url, name=None, **kwargs):
        """As rest(), with a cache-busting `_=<ms>` query and that name."""
        separator = "&" if "?" in url else "?"
        busted = f"{url}{separator}_={int(time.time() * 1000)}"
        with self.rest(method, busted, name=name or f"{url}{separator}_=...", **kwargs) as response:
            yield response


def base_host(user, environment):
    """The host an HTTP user's client sends to: --host (the environment's),
    else the class's; Locust's error when there is none."""
    host = environment.host or user.host
    if host is None:
        raise LocustError(
            "You must specify the base host. Either in the host attribute in the User class, or on the command line using the --host option."
        )
    return host


class HttpUser(User):
    """A user with `self.client`, an HttpSession for the class's host."""

    abstract = True
    pool_manager = None

    def __init__(self, environment):
        super().__init__(environment)
        host = base_host(self, environment)
        self.client = HttpSession(base_url=host, request_event=environment.events.request, user=self)

    rest = RestMixin.rest
    rest_ = RestMixin.rest_

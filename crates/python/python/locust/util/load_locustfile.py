"""locust.util.load_locustfile: imports a locustfile and finds its user
classes and shapes (what `locusta -f` does before a run)."""

import importlib.util
import inspect
import os
import sys

from locust.shape import LoadTestShape
from locust.users import PytestUser, User  # noqa: F401


def is_user_class(item):
    """Whether `item` is a concrete User subclass."""
    return bool(inspect.isclass(item) and issubclass(item, User) and not getattr(item, "abstract", True))


def is_shape_class(item):
    """Whether `item` is a concrete LoadTestShape subclass."""
    return bool(inspect.isclass(item) and issubclass(item, LoadTestShape) and not getattr(item, "abstract", True))


def load_locustfile(path):
    """Imports the file at `path` as a module named after it; returns
    ({name: user class}, [shape instances])."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = os.path.splitext(os.path.basename(path))[0]
    if name == "locust":
        sys.stderr.write("The locustfile must not be named locust.py: it would hide the locust package.\n")
        sys.exit(1)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    users = {n: v for n, v in vars(module).items() if is_user_class(v)}
    shapes = [v() for v in vars(module).values() if is_shape_class(v)]
    return users, shapes


class _CollectionFailures:
    """A pytest plugin that keeps the text of each failed collection (an
    import error, a syntax error) for the message that stops the start."""

    def __init__(self):
        self.texts = []

    def pytest_collectreport(self, report):
        if report.failed:
            self.texts.append(report.longreprtext.rstrip())


def load_locustfile_pytest(path):
    """Turns the test functions of a pytest-style locustfile into users:
    returns {function name: PytestUser subclass}, one class per test
    function name, whose users loop over it. pytest collects the file (its
    conftest.py files and plugins included) and finds each parameter's
    fixture; `session` and `fastsession` are locusta's (`pytest_locust.plugin`),
    built for the user that runs the function."""
    try:
        import pytest
        from _pytest.config import Config
    except ImportError as error:
        raise ImportError(
            f"{path} has no User class, and its test functions need pytest to be collected: "
            f"install it (pip install pytest) ({error})"
        ) from error
    config = Config.fromdictargs(
        {},
        [
            "-q",  # no "collected N items" banner
            "-s",  # leave stdin and stdout alone
            "-p", "no:cacheprovider",  # write no .pytest_cache next to the locustfile
            # The session fixtures are locusta's, whichever pytest plugins
            # are installed (Locust's and the locusta wheel's own register
            # fixtures of the same names).
            "-p", "no:locust",
            "-p", "no:locusta",
            "-p", "pytest_locust.plugin",
            path,
        ],
    )
    config._do_configure()
    failures = _CollectionFailures()
    config.pluginmanager.register(failures)
    try:
        session = pytest.Session.from_config(config)
        config.hook.pytest_sessionstart(session=session)
        session.perform_collect()
        if failures.texts:
            raise ValueError(f"pytest could not collect {path}:\n" + "\n".join(failures.texts))
        config.hook.pytest_collection_modifyitems(session=session, config=config, items=session.items)
        manager = session._fixturemanager
        users = {}
        for item in session.items:
            if not isinstance(item, pytest.Function):
                continue
            item.locust_fixtures = {}
            for name in inspect.signature(item.obj).parameters:
                found = manager.getfixturedefs(name, item)
                if not found:
                    raise ValueError(f"Could not find fixture for parameter {name!r} in {item.name}")
                if len(found) > 1:
                    raise ValueError(f"Multiple fixtures found for parameter {name!r} in {item.name}: {found}")
                item.locust_fixtures[name] = found[0].func
            cls = users.get(item.name)
            if cls is None:
                cls = users[item.name] = type(item.name, (PytestUser,), {"abstract": False, "functions": []})
            cls.functions.append(item)
        return users
    except pytest.UsageError as error:
        raise ValueError(f"pytest could not collect {path}: {error}") from error
    finally:
        config._ensure_unconfigure()


def pytest_users(modules):
    """The users of the pytest-style locustfiles among `modules` (imported
    locustfiles): the classes of every file that defines a `test*`
    function, or an error text for the user."""
    users = []
    for module in modules:
        if not any(name.startswith("test") and inspect.isfunction(value) for name, value in vars(module).items()):
            continue
        try:
            users.extend(load_locustfile_pytest(module.__file__).values())
        except Exception as error:  # noqa: BLE001 - a message for the user
            return str(error)
    return users

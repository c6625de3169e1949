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


def load_locustfile_pytest(path):
    """Locust turns pytest-style test functions into users (`PytestUser`);
    locusta does not."""
    raise NotImplementedError("locusta does not run pytest-style locustfiles (PytestUser); write User classes")

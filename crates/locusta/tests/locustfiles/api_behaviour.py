"""Exercises Locust's public helpers the way tools and plugins use them and
prints one line per result. Run by real Locust's Python and by `locusta
--python`; the test compares the two outputs line by line."""

import argparse
import csv
import json
import os
import sys
import tempfile

import gevent

import locust
from locust import HttpUser, TaskSet, User, constant, events, tag, task
from locust.argument_parser import (
    LocustArgumentParser,
    parse_options,
    ui_extra_args_dict,
)
from locust.contrib.csv_request_logger import CSV_COLUMNS, CsvRequestLogger
from locust.dispatch import UsersDispatcher
from locust.env import Environment
from locust.html import process_html_filename
from locust.input_events import input_listener
from locust.log import greenlet_exception_logger
from locust.rpc import Message
from locust.runners import WorkerNode, WorkerNodes
from locust.stats import (
    avg,
    bucket_response_time,
    calculate_response_time_percentile,
    diff_response_time_dicts,
    get_readable_percentiles,
)
from locust.user.inspectuser import get_ratio
from locust.user.markov_taskset import to_weighted_list
from locust.user.task import filter_tasks_by_tags
from locust.util.cache import memoize
from locust.util.date import format_duration, format_utc_timestamp
from locust.util.exception_handler import retry
from locust.util.rounding import proper_round
from locust.util.timespan import parse_timespan
from locust.util.url import is_url


def show(label, value):
    print(f"{label}: {value!r}")


def error_of(call):
    try:
        call()
    except Exception as error:  # noqa: BLE001
        return type(error).__name__
    return None


# util
for text in ("20", "20s", "3m", "2h", "1h20m", "3h30m10s"):
    show(f"parse_timespan {text}", parse_timespan(text))
show("parse_timespan bad", error_of(lambda: parse_timespan("1x")))
show("format_duration", [format_duration(0, s) for s in (0, 1, 61, 3601, 90061)])
show("format_utc_timestamp", format_utc_timestamp(1700000000.7))
show("proper_round", [proper_round(2.5), proper_round(3.5), proper_round(1.005, 2)])
show("is_url", [is_url("https://x.io/f.py"), is_url("f.py"), is_url("ftp://x")])

calls = []


@memoize(60)
def cached(x):
    calls.append(x)
    return x * 2


show("memoize", [cached(2), cached(2), cached(3), len(calls)])
tries = []


@retry(delays=(0, 0))
def flaky():
    tries.append(1)
    if len(tries) < 3:
        raise ValueError("not yet")
    return "done"


show("retry", [flaky(), len(tries)])

# stats helpers
show("readable", get_readable_percentiles([0.5, 0.95, 0.999, 1.0]))
show("buckets", [bucket_response_time(t) for t in (47, 147, 3432, 58760)])
show("percentile", calculate_response_time_percentile({10: 5, 20: 3, 100: 2}, 10, 0.9))
show("diff", diff_response_time_dicts({10: 5, 20: 3}, {10: 2, 20: 3}))
show("avg", [avg([1, 2, 3]), avg([])])

# argument parser
parser = LocustArgumentParser()
parser.add_argument("--plain", default="a")
parser.add_argument("--hidden", include_in_web_ui=False)
parser.add_argument("--token", is_secret=True, default="x")
parser.add_argument("--needed", is_required=True)
group = parser.add_argument_group("grouped")
group.add_argument("--in-group", type=int, default=3, env_var="API_BEHAVIOUR_IN_GROUP")
show("in web ui", sorted(parser.args_included_in_web_ui))
show("secret", sorted(parser.secret_args_included_in_web_ui))
show("required", sorted(parser.required_args_included_in_web_ui))
os.environ["API_BEHAVIOUR_IN_GROUP"] = "7"
show("env_var", parser.parse_args([]).in_group)


@events.init_command_line_parser.add_listener
def _(parser, **_kwargs):
    parser.add_argument("--my-setting", default="dflt", help="mine", is_secret=True)
    parser.add_argument("--my-flag", action="store_true", include_in_web_ui=False)


show("ui_extra_args_dict", ui_extra_args_dict([]))
options = parse_options(["-f", "x.py", "-u", "5", "-r", "2.5", "-t", "1m30s", "--headless", "--my-setting", "v"])
show("parsed", [options.num_users, options.spawn_rate, options.run_time, options.headless, options.my_setting,
                options.my_flag, options.locustfile, options.web_port, options.loglevel, options.stop_timeout])
html = argparse.Namespace(html_file="r_{u}_{r}_{t}.html", num_users=10, spawn_rate=2, run_time=30)
process_html_filename(html)
show("html name", html.html_file)


# users, tasks, environment
class Shop(TaskSet):
    @tag("buy")
    @task
    def buy(self):
        pass

    @task
    def look(self):
        pass


class Buyer(HttpUser):
    host = "http://127.0.0.1:1"
    weight = 3
    tasks = [Shop]

    @tag("home")
    @task(2)
    def home(self):
        pass


class Idle(User):
    weight = 1
    wait_time = constant(1)

    @task
    def nothing(self):
        pass


class Zero(User):
    weight = 0

    @task
    def never(self):
        pass


env = Environment(user_classes=[Buyer, Idle, Zero])
show("weight 0 dropped", [c.__name__ for c in env.user_classes])
show("duplicate names", error_of(lambda: Environment(user_classes=[Buyer, type("Buyer", (User,), {"tasks": [lambda u: None]})])))
show("ratio", json.dumps(get_ratio([Buyer, Idle], {"Buyer": 3, "Idle": 1}, True), sort_keys=True))

filter_tasks_by_tags(Buyer, tags={"buy"})
show("filtered", [getattr(t, "__name__", None) for t in Buyer.tasks] + [t.__name__ for t in Shop.tasks])

node = WorkerNode("w1")
show("worker node", [node.id, node.state, node.user_count, node.heartbeat])
nodes = WorkerNodes()
nodes["w1"] = node
show("worker nodes", [len(nodes), [n.id for n in nodes.ready], "w1" in nodes])
dispatcher = UsersDispatcher(worker_nodes=[WorkerNode("a"), WorkerNode("b")], user_classes=[Buyer, Idle])
dispatcher.new_dispatch(target_user_count=8, spawn_rate=8)
show("dispatch", json.dumps(next(dispatcher), sort_keys=True))
show("dispatch done", error_of(lambda: next(dispatcher)))
show("markov weighted", to_weighted_list({"a": 2, "b": 1}))
show("rpc message", repr(Message("spawn", {"n": 1}, "w1")))
show("deprecated Locust", error_of(lambda: type("Old", (locust.Locust,), {})))

# greenlet exception logger
import logging  # noqa: E402

import locust.log  # noqa: E402

failing = gevent.spawn(lambda: 1 / 0)
failing.link_exception(greenlet_exception_logger(logging.getLogger("quiet"), level=logging.DEBUG))
gevent.sleep(0.05)
show("unhandled greenlet", locust.log.unhandled_greenlet_exception)
show("input listener without tty", input_listener({"w": lambda: None})())

# per-request CSV
path = os.path.join(tempfile.mkdtemp(), "requests.csv")
logger = CsvRequestLogger(path)
logger.register(env)
env.events.request.fire(request_type="GET", name="/a", response_time=12.345, response_length=5, exception=None,
                        context={}, start_time=1700000000.0)
env.events.request.fire(request_type="WS", name="chat", response_time=None, response_length=0,
                        exception=ValueError("no"), context={}, start_time=1700000001.0)
env.events.quitting.fire(environment=env)
with open(path, newline="") as file:
    show("csv rows", list(csv.reader(file)))
show("csv columns", CSV_COLUMNS)

# SequentialTaskSet: @task methods and a `tasks` list run in declaration order
from locust import SequentialTaskSet  # noqa: E402


def numbered(n):
    def step(self):
        pass

    step.__name__ = f"t{n}"
    return step


class Mixed(SequentialTaskSet):
    @task
    def t1(self):
        pass

    @task
    def t2(self):
        pass

    tasks = [numbered(101), numbered(102)]

    @task
    def t3(self):
        pass


show("sequential order", [t.__name__ for t in Mixed.tasks])


# catch_exceptions=False: an error in a task set ends the user
class Empty(TaskSet):
    pass


class Strict(User):
    wait_time = constant(0)
    tasks = [Empty]


strict_user = Strict(Environment(user_classes=[Strict], catch_exceptions=False))
strict = gevent.spawn(strict_user.run)
strict.join(timeout=2)
show("catch_exceptions=False", [strict.dead, type(strict.exception).__name__ if strict.exception else None])


def make_local_class():
    class Inner(User):
        @task
        def nothing(self):
            pass

    return Inner


show("fullname", make_local_class().fullname())

# config file parsers, locustfile loading, task ratios
import io  # noqa: E402

from locust.argument_parser import (  # noqa: E402
    LocustConfigParser,
    LocustTomlConfigParser,
    get_locustfiles_locally,
    parse_locustfile_option,
)
from locust.main import merge_locustfiles_content  # noqa: E402
from locust.user.inspectuser import print_task_ratio, print_task_ratio_json  # noqa: E402
from locust.util.load_locustfile import is_shape_class, is_user_class, load_locustfile  # noqa: E402

toml = LocustTomlConfigParser(["tool.locust"]).parse(io.StringIO('[tool.locust]\nusers = 5\nheadless = true\ntags = ["a", "b"]\n'))
show("toml", sorted(dict(toml).items()))
folder = tempfile.mkdtemp()
with open(os.path.join(folder, "locust.conf"), "w") as file:
    file.write("# comment\nusers = 7\nhost = http://x\n")
with open(os.path.join(folder, "locust.conf")) as file:
    conf = LocustConfigParser().parse(file)
show("conf", sorted(dict(conf).items()))
small = os.path.join(folder, "small_locustfile.py")
with open(small, "w") as file:
    file.write(
        "from locust import User, LoadTestShape, task, constant\n"
        "class Walker(User):\n    wait_time = constant(1)\n    @task\n    def walk(self):\n        pass\n"
        "class Abstract(User):\n    abstract = True\n"
        "class Steps(LoadTestShape):\n    def tick(self):\n        return None\n"
    )
users, shapes = load_locustfile(small)
show("load_locustfile", [sorted(users), [type(s).__name__ for s in shapes]])
show("is_user_class", [is_user_class(users["Walker"]), is_user_class(User), is_shape_class(type(shapes[0]))])
merged = merge_locustfiles_content([small])
show("merge", [sorted(merged[0]), sorted(merged[1]), sorted(merged[2]), type(merged[3]).__name__])
chosen = parse_locustfile_option(["-f", small, "--headless"])
files = get_locustfiles_locally(chosen)
show("parse_locustfile_option", [chosen.locustfile == small, [os.path.basename(f) for f in files]])
print_task_ratio([Buyer, Idle], 4, False)
print_task_ratio([Buyer, Idle], 4, True)
print_task_ratio_json([Buyer, Idle], 4)

# contrib modules whose package is missing name it in their ImportError.
# The two Pythons compared need not have the same packages installed: a
# module prints the packages it needs when it imports, or when its error
# names one of them.
needs = {
    "dns": {"dns"},
    "mongodb": {"pymongo"},
    "postgres": {"psycopg"},
    "mqtt": {"paho"},
    "qdrant": {"qdrant_client"},
    "oai": {"httpx", "openai"},
}
for module, packages in needs.items():
    try:
        __import__(f"locust.contrib.{module}")
        missing = None
    except ImportError as error:
        missing = error.name.split(".")[0]
    show(f"contrib {module}", " ".join(sorted(packages)) if missing is None or missing in packages else missing)
sys.stdout.flush()

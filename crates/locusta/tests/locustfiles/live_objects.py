"""The attributes and methods tools reach for on live objects (runner,
environment, statistics, responses, users), each checked with assertions;
run as `locusta --python live_objects.py URL`. Prints `CHECKED <what>` after
each block; any failed assertion ends the script with exit code 1."""

import io
import logging
import os
import sys
import tempfile
import types

import gevent
from gevent.pool import Group

import locust.stats
from locust import FastHttpUser, HttpUser, User, constant, events, tag, task
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment
from locust.exception import RunnerAlreadyExistsError
from locust.log import setup_logging
from locust.main import create_environment
from locust.runners import STATE_RUNNING, STATE_STOPPED, WorkerNode
from locust.stats import StatsCSVFileWriter
from locust.user.task import filter_tasks_by_tags

URL = sys.argv[1]
setup_logging("INFO")
fired = {"test_start": 0, "test_stop": 0}
events.test_start.add_listener(lambda **_: fired.__setitem__("test_start", fired["test_start"] + 1))
events.test_stop.add_listener(lambda **_: fired.__setitem__("test_stop", fired["test_stop"] + 1))


def checked(what):
    print(f"CHECKED {what}", flush=True)


def wait_for(condition, seconds=5):
    """Waits (at most `seconds`) until condition() is true; returns it."""
    deadline = gevent.get_hub().loop.now() + seconds
    while not condition() and gevent.get_hub().loop.now() < deadline:
        gevent.sleep(0.05)
    return condition()


def raises(call, kind, text):
    try:
        call()
    except kind as error:
        assert text in str(error), f"{text!r} not in {error}"
        return
    raise AssertionError(f"{call} did not raise {kind.__name__}")


class Browser(HttpUser):
    host = URL
    wait_time = constant(0.05)

    @tag("read")
    @task
    def home(self):
        self.client.get("/")

    @task
    def untagged(self):
        self.client.get("/products")


class Idle(User):
    wait_time = constant(0.05)

    @task
    def nothing(self):
        pass


# --- Environment and Runner ---
env = Environment(user_classes=[Browser, Idle], events=events, stop_timeout=1)
runner = env.create_local_runner()
raises(env.create_local_runner, RunnerAlreadyExistsError, "already exists")
# A second runner of any kind, as in Locust (a script's master and worker
# are tested with real processes in library_cluster.rs).
raises(lambda: env.create_master_runner("*", 5557), RunnerAlreadyExistsError, "already exists")
raises(lambda: env.create_worker_runner("127.0.0.1", 5557), RunnerAlreadyExistsError, "already exists")
# The web UI serves in a script (library_web_ui.rs tests its pages).
web_ui = env.create_web_ui("127.0.0.1", 0)
assert env.web_ui is web_ui and web_ui.port > 0, web_ui.port
web_ui.stop()
checked("Environment.create_*")

assert runner.user_classes == [Browser, Idle]
assert isinstance(runner.greenlet, Group)
runner.start(4, spawn_rate=100)
assert wait_for(lambda: runner.state == STATE_RUNNING), runner.state
assert wait_for(lambda: runner.stats.get("/", "GET").num_requests > 0), "the users made requests"
assert runner.user_count == 4 and runner.target_user_count == 4, (runner.user_count, runner.target_user_count)
assert runner.user_classes_count == {"Browser": 2, "Idle": 2}, runner.user_classes_count
runner.spawn_users({"Browser": 1})
assert runner.user_classes_count == {"Browser": 3, "Idle": 2}, runner.user_classes_count
runner.stop_users({"Idle": 2})
assert runner.user_classes_count == {"Browser": 3, "Idle": 0}, runner.user_classes_count
users = [g for g in runner.user_greenlets]
assert len(users) == 3, users
runner.stop()
assert runner.state == STATE_STOPPED and runner.user_count == 0
assert fired == {"test_start": 1, "test_stop": 1}, fired
checked("Runner start/spawn_users/stop_users/stop/state/counts/greenlet")

# --- RequestStats and StatsEntry ---
stats = env.stats
assert stats is runner.stats
served = stats.get("/", "GET").num_requests
assert served > 0 and stats.total.num_requests >= served
stats.log_request("GET", "/manual", 40.0, 10)
stats.log_request("GET", "/manual", 60.0, 30)
stats.log_error("GET", "/manual", "broken")
entry = stats.get("/manual", "GET")
assert (entry.num_requests, entry.num_failures) == (2, 1), (entry.num_requests, entry.num_failures)
assert entry.avg_response_time == 50.0 and entry.total_content_length == 40
assert ("/manual", "GET") in stats.entries
assert any(e.error == "broken" for e in stats.errors.values()), stats.errors
assert sum(entry.num_reqs_per_sec.values()) == 2, entry.num_reqs_per_sec
assert sum(entry.response_times.values()) == 2 and set(entry.response_times) == {40, 60}, entry.response_times
assert entry.get_response_time_percentile(0.5) in (40.0, 60.0), entry.get_response_time_percentile(0.5)
assert entry.get_response_time_percentile(1.0) == 60.0
as_dict = entry.to_dict()
assert as_dict["num_requests"] == 2 and "response_time_percentile_0.95" in as_dict, as_dict
serialized = entry.serialize()
assert serialized["num_failures"] == 1 and serialized["total_response_time"] == 100.0, serialized
assert stats.start_time <= stats.last_request_timestamp
assert isinstance(stats.history, list)
stats.reset_all()
assert stats.total.num_requests == 0 and stats.get("/manual", "GET").num_requests == 0
checked("RequestStats and StatsEntry")

# --- locust.stats functions and settings ---
lines = []


class Keep(logging.Handler):
    def emit(self, record):
        lines.append(record.getMessage())


logging.getLogger("locust.stats_logger").addHandler(Keep())
stats.log_request("GET", "/p", 10.0, 1)
locust.stats.PERCENTILES_TO_REPORT = [0.5, 0.9]
locust.stats.print_percentile_stats(stats)
header = next(line for line in lines if line.startswith("Type"))
assert "50%" in header and "90%" in header and "99%" not in header, header
locust.stats.print_stats(stats)
assert any(line.startswith("GET") and "/p" in line for line in lines), lines
assert locust.stats.get_readable_percentiles([0.5, 0.999]) == ["50%", "99.9%"]
locust.stats.update_stats_history(runner)
assert len(stats.history) == 1 and stats.history[0]["user_count"][1] == 0, stats.history
prefix = os.path.join(tempfile.mkdtemp(), "lib")
writer = StatsCSVFileWriter(env, locust.stats.PERCENTILES_TO_REPORT, prefix, full_history=True)
writing = gevent.spawn(writer.stats_writer)
gevent.sleep(0.1)
writing.kill()
writer.close_files()
with open(prefix + "_stats.csv") as file:
    written = file.read()
assert written.startswith("Type,Name,Request Count") and "GET,/p,1,0" in written, written
with open(prefix + "_stats_history.csv") as file:
    assert file.read().startswith("Timestamp,User Count"), "history header"
from locust.html import get_html_report  # noqa: E402

page = get_html_report(env)
assert page.lstrip().lower().startswith("<!doctype html") and "/p" in page, page[:200]
checked("stats functions, PERCENTILES_TO_REPORT, StatsCSVFileWriter, get_html_report")

# --- responses ---
session = Browser(env).client
response = session.post("/login", data={"username": "ann", "password": "pw"}, headers={"X-Probe": "yes"})
assert response.request.method == "POST" and response.request.url.endswith("/login"), response.request.url
assert response.request.headers["X-Probe"] == "yes" and response.request.body == {"username": "ann", "password": "pw"}
assert response.request.path_url == "/login", response.request.path_url
home = session.get("/", stream=True)
body = home.content
assert home.raw.read() == body and isinstance(home.raw, io.BytesIO)
assert b"".join(home.iter_content(7)) == body and len(next(home.iter_content(7))) == 7
assert list(home.iter_lines()) == body.splitlines()
assert "".join(home.iter_content(5, decode_unicode=True)) == home.text
checked("Response.request/raw/iter_content/iter_lines")

fast = FastHttpSession(URL, events.request, None, network_timeout=0.3)
answer = fast.get("/")
assert answer.status == "200" and answer.read(3) == body[:3] and answer.read() == body[3:]
slow = fast.get("/sleep?ms=2000")
assert slow.status_code == 0 and slow.error, (slow.status_code, slow.error)
assert fast.get("/sleep?ms=50").status_code == 200


class Slowpoke(FastHttpUser):
    host = URL
    network_timeout = 0.3

    @task
    def nothing(self):
        pass


late = Slowpoke(env).client.get("/sleep?ms=2000")
assert late.status_code == 0 and "within 0.300 s" in (late.error or ""), (late.status_code, late.error)
assert list(fast.iter_lines("/")) == body.decode().splitlines()
assert "".join(fast.get("/").iter_content(10, decode_content=True)) == body.decode()
checked("FastHttpSession(base_url, request_event, user), network_timeout, iter_lines, FastResponse.status/read")

# --- users ---
group = Group()
user = Idle(env)
greenlet = user.start(group)
assert user.greenlet is greenlet and user.group is group and greenlet in group
user.stop(force=True)
group.join(timeout=2)
assert greenlet.dead
browser = Browser(env)
with browser.rest_("GET", "/products") as resp:
    assert isinstance(resp.js, list) and "_=" in resp.request.url, resp.request.url
assert stats.get("/products?_=...", "GET").num_requests == 1, [e.name for e in stats.entries.values()]
checked("User.greenlet/group, HttpUser.rest_")

filter_tasks_by_tags(Browser, tags={"read"})
assert [t.__name__ for t in Browser.tasks] == ["home"], Browser.tasks
options = types.SimpleNamespace(host=URL, reset_stats=False, profile="p1")
created = create_environment([Idle], options, events=events)
assert created.host == URL and created.profile == "p1" and created.parsed_options is options
node = WorkerNode("w1")
assert (node.id, node.state, node.user_count, node.heartbeat, node.cpu_usage) == ("w1", "ready", 0, 3, 0)
checked("filter_tasks_by_tags, create_environment, WorkerNode")

# --- a custom Environment's events hear its users' requests, caught ones too ---
from locust.event import Events  # noqa: E402

own = Events()
heard = []
own.request.add_listener(
    lambda **kw: heard.append((kw["name"], type(kw["exception"]).__name__ if kw["exception"] else None))
)
own_user = Browser(Environment(user_classes=[Browser], events=own))
with own_user.client.get("/", catch_response=True, name="caught") as caught:
    caught.failure("nope")
own_user.client.get("/", name="plain")
assert heard == [("caught", "CatchResponseError"), ("plain", None)], heard
checked("catch_response with a custom Environment's events")

# --- a script's runner follows a LoadTestShape ---
from locust import LoadTestShape  # noqa: E402


class Steps(LoadTestShape):
    def tick(self):
        run_time = self.get_run_time()
        if run_time < 1:
            return (2, 10)
        if run_time < 2:
            return (1, 10)
        return None


shape_runner = Environment(user_classes=[Idle], shape_class=Steps(), events=events).create_local_runner()
shape_runner.start_shape()



assert wait_for(lambda: shape_runner.user_count == 2), shape_runner.user_count
assert wait_for(lambda: shape_runner.user_count == 1), shape_runner.user_count
assert wait_for(lambda: shape_runner.state == STATE_STOPPED), shape_runner.state
assert shape_runner.user_count == 0
checked("Runner.start_shape follows the shape and stops")

# --- stop_timeout lets a running task finish; without it, users are killed ---
finished = []


class Worker(User):
    wait_time = constant(0)

    @task
    def work(self):
        started_work.append(1)
        gevent.sleep(0.3)
        finished.append(1)


for timeout, expected in ((2, True), (None, False)):
    started_work, finished = [], []
    stop_runner = Environment(user_classes=[Worker], events=events, stop_timeout=timeout).create_local_runner()
    stop_runner.start(1, spawn_rate=10)
    assert wait_for(lambda: started_work), "the task started"
    stop_runner.stop()
    assert bool(finished) is expected, (timeout, finished)
checked("stop_timeout lets a running task finish")

# --- errors in tasks reach runner.exceptions ---
class Faulty(User):
    wait_time = constant(0.05)

    @task
    def boom(self):
        raise ValueError("boom in a task")


faulty_runner = Environment(user_classes=[Faulty], events=events).create_local_runner()
faulty_runner.start(1, spawn_rate=10)
assert wait_for(lambda: faulty_runner.exceptions), "an exception is recorded"
row = next(iter(faulty_runner.exceptions.values()))
assert "boom in a task" in row["msg"] and row["count"] >= 1 and "ValueError" in row["traceback"], row
faulty_runner.quit()
checked("runner.exceptions")

# --- quit ends runner.greenlet ---
runner.start(1, spawn_rate=10)
gevent.spawn_later(0.3, runner.quit)
runner.greenlet.join(timeout=10)
assert runner.state == STATE_STOPPED and not runner.greenlet
checked("Runner.quit ends runner.greenlet.join()")

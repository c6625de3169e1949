"""Kept whole: this is Locust's `locust.stats`, one module of its public API, and its settings (PERCENTILES_TO_REPORT, CSV_STATS_INTERVAL_SEC, …) are module attributes that locustfiles and plugins *assign* (`locust.stats.PERCENTILES_TO_REPORT = …`); the printers and CSV writers read them from this module at call time, so moving them into submodules would make an assignment here silently miss them.

locust.stats: the statistics as Python code sees them (kept in Rust, in HDR
histograms, and read when accessed), Locust's settings, console printing,
history and CSV writing.

Settings: in a `locusta -f` run the console and CSV files are written by
locusta itself with its fixed settings, and a locustfile that changes one at
import gets a warning (see `changed_settings`); in a script (`locusta
--python`), `print_stats`, `print_percentile_stats`, `stats_printer`,
`stats_history` and `StatsCSVFileWriter` follow the values set here."""

import csv
import hashlib
import io
import json
import logging
import os
import re
import signal
import time
from typing import NamedTuple, Protocol, TypedDict

import gevent

from locusta import _native

from locust.exception import CatchResponseError  # noqa: F401
from locust.util.date import format_utc_timestamp
from locust.util.rounding import proper_round

CONSOLE_STATS_INTERVAL_SEC = 2
HISTORY_STATS_INTERVAL_SEC = 5
CSV_STATS_INTERVAL_SEC = 1
CSV_STATS_FLUSH_INTERVAL_SEC = 5
CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW = 10
PERCENTILES_TO_REPORT = [0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0]
PERCENTILES_TO_STATISTICS = [0.95, 0.99]
PERCENTILES_TO_CHART = [0.5, 0.95]

# The values locusta's own outputs use, whatever a locustfile assigns.
_FIXED = {
    name: (list(value) if isinstance(value, list) else value)
    for name, value in dict(globals()).items()
    if name.isupper()
}

STATS_NAME_WIDTH = 80
STATS_TYPE_WIDTH = 8
STATS_AUTORESIZE = True

console_logger = logging.getLogger("locust.stats_logger")
logger = logging.getLogger(__name__)


def changed_settings():
    """(name, value set, value used) for each setting a locustfile changed."""
    current = globals()
    return [(name, current[name], used) for name, used in _FIXED.items() if current[name] != used]


class CSVWriter(Protocol):
    """What the CSV methods write into (csv.writer's `writerow`)."""

    def writerow(self, columns):
        """Writes one row."""


class StatsBaseDict(TypedDict):
    """A row's identity."""

    name: str
    method: str


class StatsEntryDict(StatsBaseDict):
    """A row serialised (StatsEntry.serialize)."""

    last_request_timestamp: float
    start_time: float
    num_requests: int
    num_none_requests: int
    num_failures: int
    total_response_time: int
    max_response_time: int
    min_response_time: int
    total_content_length: int
    response_times: dict
    num_reqs_per_sec: dict
    num_fail_per_sec: dict


class StatsErrorDict(StatsBaseDict):
    """A failure group serialised (StatsError.serialize)."""

    error: str
    occurrences: int


class StatsHolder(Protocol):
    """Anything with a name and a method."""

    name: str
    method: str


class CachedResponseTimes(NamedTuple):
    """Response-time buckets at a moment (for current percentiles)."""

    response_times: dict
    num_requests: int
    num_none_requests: int = 0


class RequestStatsAdditionError(Exception):
    """Two rows that cannot be added together."""


def resize_handler(signum, frame):
    """SIGWINCH: fits STATS_NAME_WIDTH to the terminal's width."""
    global STATS_NAME_WIDTH
    if STATS_AUTORESIZE:
        try:
            columns = os.get_terminal_size().columns
        except OSError:
            return
        STATS_NAME_WIDTH = max(columns - 80, 80)


def bucket_response_time(response_time):
    """A response time (ms) rounded to about two significant digits: the
    keys of `response_times`."""
    if response_time < 100:
        return round(response_time)
    for limit, digits in ((1000, -1), (10000, -2)):
        if response_time < limit:
            return int(round(response_time, digits))
    return int(round(response_time, -3))


def calculate_response_time_percentile(response_times, num_requests, percent):
    """The response time below which `percent` (0..1) of `num_requests` fall,
    from a {bucket: count} dict."""
    wanted = int(num_requests * percent)
    seen = 0
    for bucket in sorted(response_times, reverse=True):
        seen += response_times[bucket]
        if num_requests - seen <= wanted:
            return bucket
    return 0


def diff_response_time_dicts(latest, old):
    """{bucket: count} of `latest` minus `old` (buckets that changed)."""
    diff = {}
    for bucket, count in latest.items():
        change = count - old.get(bucket, 0)
        if change:
            diff[bucket] = change
    return diff


def avg(values):
    """The mean of `values` (0 for none)."""
    return sum(values, 0.0) / max(len(values), 1)


def get_readable_percentiles(percentile_list):
    """Percentiles as column titles: 0.5 -> "50%", 0.999 -> "99.9%"."""
    titles = []
    for percentile in percentile_list:
        value = percentile * 100
        titles.append(f"{int(value)}%" if float(value).is_integer() else f"{round(value, 6)}%")
    return titles


def _json_rows():
    return {(row["name"], row["method"]): row for row in json.loads(_native.stats_json())}


class StatsEntry:
    """One row of the statistics, read live from locusta's statistics
    (the Aggregated row when `name` is "Aggregated" and `method` "")."""

    def __init__(self, stats, name, method, use_response_times_cache=False):
        self.stats = stats
        self.name = name
        self.method = method
        self.use_response_times_cache = use_response_times_cache

    @property
    def _is_total(self):
        return self.stats is not None and self is getattr(self.stats, "_total_entry", None)

    def _values(self, percentiles=()):
        if self._is_total:
            values = _native.stats_entry(None, None, list(percentiles))
        else:
            values = _native.stats_entry(self.method, self.name, list(percentiles))
        return values or {}

    def _get(key, doc):  # noqa: N805 - builds properties below
        return property(lambda self: self._values().get(key, 0), doc=doc)

    num_requests = _get("num_requests", "Requests, failed ones included.")
    num_none_requests = _get("num_none_requests", "Requests reported without a response time.")
    num_failures = _get("num_failures", "Failed requests.")
    total_response_time = _get("total_response_time", "Sum of response times (ms).")
    avg_response_time = _get("avg_response_time", "Mean response time (ms).")
    max_response_time = _get("max_response_time", "Largest response time (ms).")
    median_response_time = _get("median_response_time", "Median response time (ms).")
    total_content_length = _get("total_content_length", "Bytes of response bodies.")
    avg_content_length = _get("avg_content_length", "Mean response body size.")
    fail_ratio = _get("fail_ratio", "Failures / requests.")
    total_rps = _get("total_rps", "Requests per second over the test.")
    total_fail_per_sec = _get("total_fail_per_sec", "Failures per second over the test.")
    current_rps = _get("current_rps", "Requests per second of the last seconds.")
    current_fail_per_sec = _get("current_fail_per_sec", "Failures per second of the last seconds.")
    del _get

    @property
    def min_response_time(self):
        """Smallest response time (ms), None before the first request."""
        values = self._values()
        return values.get("min_response_time") if values.get("num_requests") else None

    @property
    def start_time(self):
        """When the row was created or last reset (epoch seconds)."""
        return self._values().get("start_time") or _native.stats_times()[0]

    @property
    def last_request_timestamp(self):
        """When the last request was logged (epoch seconds), or None."""
        return self._values().get("last_request_timestamp")

    @property
    def num_reqs_per_sec(self):
        """{epoch second: requests} of the last 64 seconds."""
        return {s: c[0] for s, c in self._values().get("per_second", {}).items()}

    @property
    def num_fail_per_sec(self):
        """{epoch second: failures} of the last 64 seconds."""
        return {s: c[1] for s, c in self._values().get("per_second", {}).items() if c[1]}

    @property
    def response_times(self):
        """{rounded response time (ms): requests}, Locust's buckets, from the histogram."""
        if self._is_total:
            merged = {}
            for row in _json_rows().values():
                for bucket, count in row["response_times"].items():
                    merged[int(float(bucket))] = merged.get(int(float(bucket)), 0) + count
            return merged
        row = _json_rows().get((self.name, self.method))
        return {int(float(k)): v for k, v in row["response_times"].items()} if row else {}

    def get_response_time_percentile(self, percent):
        """The response time (ms) below which `percent` (0..1) of the requests fall."""
        return self._values([float(percent)]).get("percentiles", {}).get(float(percent), 0)

    def get_current_response_time_percentile(self, percent):
        """As get_response_time_percentile (locusta's percentiles are exact over the run)."""
        return self.get_response_time_percentile(percent)

    def log(self, response_time, content_length):
        """Counts one request of this row."""
        _native.stats_log(self.method, self.name, response_time, int(content_length or 0))

    def log_error(self, error):
        """Counts one failure of this row (its request is logged separately)."""
        _native.stats_log(self.method, self.name, None, 0, _error_text(error), False)

    def reset(self):
        """Locust resets one row; locusta resets all rows together."""
        raise NotImplementedError("locusta resets the statistics as a whole: use environment.stats.reset_all()")

    def to_dict(self, escape_string_values=False):
        """The row as Locust's web UI and JSON tools read it."""
        result = {
            "method": self.method,
            "name": self.name,
            "num_requests": self.num_requests,
            "num_failures": self.num_failures,
            "min_response_time": 0 if self.min_response_time is None else proper_round(self.min_response_time),
            "max_response_time": proper_round(self.max_response_time),
            "current_rps": self.current_rps,
            "current_fail_per_sec": self.current_fail_per_sec,
            "avg_response_time": self.avg_response_time,
            "median_response_time": self.median_response_time,
            "total_rps": self.total_rps,
            "total_fail_per_sec": self.total_fail_per_sec,
        }
        for percentile in PERCENTILES_TO_STATISTICS:
            result[f"response_time_percentile_{percentile}"] = self.get_response_time_percentile(percentile)
        result["avg_content_length"] = self.avg_content_length
        return result

    def serialize(self):
        """The row's raw counters (Locust's StatsEntry.serialize)."""
        values = self._values()
        return {
            "name": self.name,
            "method": self.method,
            "last_request_timestamp": values.get("last_request_timestamp"),
            "start_time": values.get("start_time") or _native.stats_times()[0],
            "num_requests": values.get("num_requests", 0),
            "num_none_requests": values.get("num_none_requests", 0),
            "num_failures": values.get("num_failures", 0),
            "total_response_time": values.get("total_response_time", 0),
            "max_response_time": values.get("max_response_time", 0),
            "min_response_time": values.get("min_response_time") if values.get("num_requests") else None,
            "total_content_length": values.get("total_content_length", 0),
            "response_times": self.response_times,
            "num_reqs_per_sec": self.num_reqs_per_sec,
            "num_fail_per_sec": self.num_fail_per_sec,
        }

    def percentile(self):
        """The row's line of the percentile table (PERCENTILES_TO_REPORT)."""
        return _percentile_line(self)

    def __str__(self):
        return (
            f"{(self.method + ' ' + self.name)[:STATS_NAME_WIDTH]:<{STATS_NAME_WIDTH}} "
            f"{self.num_requests:>7} {self.num_failures:>12} | {self.avg_response_time:>7.0f}"
        )

    def __repr__(self):
        return f"<StatsEntry {self.method} {self.name}: {self.num_requests} requests>"


def _error_text(error):
    if isinstance(error, CatchResponseError):
        return str(error)
    if isinstance(error, BaseException):
        return repr(error)
    return str(error)


class StatsError:
    """One group of failed requests: method, name, the error text, occurrences,
    and when it was first and last seen."""

    def __init__(self, method, name, error, occurrences=0, first_seen=None, last_seen=None):
        self.method = method
        self.name = name
        self.error = error
        self.occurrences = occurrences
        self.first_seen = first_seen
        self.last_seen = last_seen

    @classmethod
    def parse_error(cls, error):
        """The group text of an error (memory addresses blanked)."""
        text = error if isinstance(error, str) else repr(error)
        return re.sub(r" at 0x[0-9a-fA-F]+", " at 0x....", text)

    @classmethod
    def create_key(cls, method, name, error):
        """Locust's key of a failure group."""
        return hashlib.sha256(f"{method}.{name}.{error!r}".encode()).hexdigest()

    def occurred(self):
        """Counts one more occurrence."""
        self.occurrences += 1

    def to_name(self):
        """The error report's text: `METHOD name: error`."""
        error = self.error
        if isinstance(error, str) and error.startswith("CatchResponseError(") and error.endswith(")"):
            error = error[len("CatchResponseError("):-1]
        return f"{self.method} {self.name}: {error}"

    def serialize(self):
        """The group as a dict."""
        return {"method": self.method, "name": self.name, "error": self.error, "occurrences": self.occurrences}

    def to_dict(self, escape_string_values=False):
        """The group as the web UI reads it."""
        return self.serialize()

    @classmethod
    def unserialize(cls, data):
        """A group from its dict."""
        return cls(data["method"], data["name"], data["error"], data["occurrences"])

    def __repr__(self):
        return f"<StatsError {self.to_name()}: {self.occurrences}>"


class EntriesDict(dict):
    """{(name, method): StatsEntry}; a missing key gives a new (empty) row."""

    def __init__(self, request_stats):
        super().__init__()
        self.request_stats = request_stats

    def __missing__(self, key):
        entry = StatsEntry(self.request_stats, key[0], key[1])
        self[key] = entry
        return entry


class RequestStats:
    """The statistics of a test (kept in Rust; read when accessed)."""

    def __init__(self, use_response_times_cache=True):
        self.use_response_times_cache = use_response_times_cache
        self.history = []
        self._total_entry = StatsEntry(self, "Aggregated", "", use_response_times_cache)

    @property
    def total(self):
        """The Aggregated row."""
        return self._total_entry

    @property
    def entries(self):
        """Every row, by (name, method)."""
        found = EntriesDict(self)
        for method, name in _native.stats_names():
            found[(name, method)] = StatsEntry(self, name, method)
        return found

    @property
    def errors(self):
        """Every failure group, by Locust's key."""
        groups = (StatsError(*values) for values in _native.stats_errors())
        return {StatsError.create_key(e.method, e.name, e.error): e for e in groups}

    @property
    def start_time(self):
        """When the statistics started (epoch seconds)."""
        return _native.stats_times()[0]

    @property
    def last_request_timestamp(self):
        """When the last request was logged, or None."""
        return _native.stats_times()[1]

    @property
    def num_requests(self):
        """Requests so far."""
        return self.total.num_requests

    @property
    def num_none_requests(self):
        """Requests without a response time so far."""
        return self.total.num_none_requests

    @property
    def num_failures(self):
        """Failures so far."""
        return self.total.num_failures

    def get(self, name, method):
        """The row of a request name and method."""
        return StatsEntry(self, name, method)

    def log_request(self, method, name, response_time, content_length):
        """Counts one request (without firing `events.request`)."""
        _native.stats_log(method, name, response_time, int(content_length or 0))

    def log_error(self, method, name, error):
        """Counts one failure (its request is logged separately)."""
        _native.stats_log(method, name, None, 0, _error_text(error), False)

    def reset_all(self):
        """Zeros every row and empties the failures (rows stay)."""
        _native.stats_reset(False)

    def clear_all(self):
        """Removes every row, failure and exception."""
        _native.stats_reset(True)
        self.history = []

    def serialize_stats(self):
        """Every row's counters."""
        return [entry.serialize() for entry in self.entries.values()]

    def serialize_errors(self):
        """Every failure group, by key."""
        return {key: error.serialize() for key, error in self.errors.items()}

    def log_exception(self, message, traceback_text, node="local"):
        """Adds an entry to the exceptions table."""
        _native.log_exception(str(message), str(traceback_text))


def sort_stats(stats):
    """A {key: entry} dict's entries sorted by key."""
    return [stats[key] for key in sorted(stats)]


def _lines(text):
    return [line for line in text.rstrip("\n").split("\n")]


def get_stats_summary(stats, current=True):
    """The statistics table as lines (current rates when `current`)."""
    return _lines(_native.stats_text("stats", current, STATS_NAME_WIDTH))


def _ms(value):
    """A response time as locusta prints it: 0.38 below 10 ms, 12.4 below 100."""
    if value == 0 or value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _percentile_line(entry):
    cells = []
    for percentile in PERCENTILES_TO_REPORT:
        value = entry.get_response_time_percentile(percentile) if entry.num_requests else 0
        cells.append(_ms(value))
    first = f"{cells[0]:>8}" if cells else ""
    rest = " ".join(f"{c:>6}" for c in cells[1:])
    return f"{entry.method:<{STATS_TYPE_WIDTH}} {entry.name[:STATS_NAME_WIDTH]:<{STATS_NAME_WIDTH}} {first} {rest} {entry.num_requests:>6}"


def get_percentile_stats_summary(stats):
    """The response-time percentile table (PERCENTILES_TO_REPORT) as lines."""
    titles = get_readable_percentiles(PERCENTILES_TO_REPORT)
    header = (
        f"{'Type':<{STATS_TYPE_WIDTH}} {'Name':<{STATS_NAME_WIDTH}} {titles[0] if titles else '':>8} "
        + " ".join(f"{t:>6}" for t in titles[1:])
        + f" {'# reqs':>6}"
    )
    separator = "-" * len(header)
    lines = ["Response time percentiles (exact)", header, separator]
    for entry in sort_stats(stats.entries):
        lines.append(_percentile_line(entry))
    lines.append(separator)
    if stats.total.num_requests:
        lines.append(_percentile_line(stats.total))
    lines.append("")
    return lines


def get_error_report_summary(stats):
    """The error report as lines (empty when nothing failed)."""
    text = _native.stats_text("errors", True, STATS_NAME_WIDTH)
    return _lines(text) if text.strip() else []


def print_stats(stats, current=True):
    """Logs the statistics table to the "locust.stats_logger" logger."""
    for line in get_stats_summary(stats, current):
        console_logger.info(line)
    console_logger.info("")


def print_percentile_stats(stats):
    """Logs the percentile table."""
    for line in get_percentile_stats_summary(stats):
        console_logger.info(line)


def print_error_report(stats):
    """Logs the error report."""
    for line in get_error_report_summary(stats):
        console_logger.info(line)


def print_stats_json(stats):
    """Prints every row's counters as JSON."""
    print(json.dumps(stats.serialize_stats(), indent=4))


def save_stats_json(stats, filename):
    """Writes every row's counters as JSON to `filename`.json."""
    with open(f"{filename}.json", "w", encoding="utf-8") as file:
        json.dump(stats.serialize_stats(), file, indent=4)


def stats_printer(stats):
    """A function (for gevent.spawn) that prints the table every CONSOLE_STATS_INTERVAL_SEC."""

    def stats_printer_func():
        while True:
            print_stats(stats)
            gevent.sleep(CONSOLE_STATS_INTERVAL_SEC)

    return stats_printer_func


def update_stats_history(runner, timestamp=None):
    """Appends a point (current rates, percentiles, average, users) to
    `runner.stats.history`."""
    stats = runner.stats
    timestamp = timestamp or format_utc_timestamp(time.time())
    total = stats.total
    point = {
        f"response_time_percentile_{p}": [timestamp, total.get_current_response_time_percentile(p) or 0]
        for p in PERCENTILES_TO_CHART
    }
    point["current_rps"] = [timestamp, total.current_rps or 0]
    point["current_fail_per_sec"] = [timestamp, total.current_fail_per_sec or 0]
    point["total_avg_response_time"] = [timestamp, proper_round(total.avg_response_time, digits=2)]
    point["user_count"] = [timestamp, runner.user_count or 0]
    point["time"] = timestamp
    stats.history.append(point)


def stats_history(runner):
    """For gevent.spawn: a history point every HISTORY_STATS_INTERVAL_SEC while the test runs."""
    while True:
        # locust.runners.STATE_STOPPED, by value as in Locust: runners imports this module.
        if runner.state != "stopped":
            update_stats_history(runner)
        gevent.sleep(HISTORY_STATS_INTERVAL_SEC)


def _copy_rows(text, csv_writer):
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows[1:]:
        csv_writer.writerow(row)
    return rows[0] if rows else []


class StatsCSV:
    """Writes Locust's CSV tables (locusta's columns and formatting) into csv writers."""

    def __init__(self, environment, percentiles_to_report):
        self.environment = environment
        self.percentiles_to_report = percentiles_to_report
        self.percentiles_na = ["N/A"] * len(percentiles_to_report)
        self.requests_csv_columns = next(csv.reader(io.StringIO(_native.stats_csv("requests") or "\n")), [])
        self.failures_columns = ["Method", "Name", "Error", "Occurrences"]
        self.exceptions_columns = ["Count", "Message", "Traceback", "Nodes"]

    def _write(self, kind, csv_writer):
        text = _native.stats_csv(kind)
        rows = list(csv.reader(io.StringIO(text)))
        for row in rows:
            csv_writer.writerow(row)

    def requests_csv(self, csv_writer):
        """The request statistics table, header first."""
        self._write("requests", csv_writer)

    def failures_csv(self, csv_writer):
        """The failures table, header first."""
        self._write("failures", csv_writer)

    def exceptions_csv(self, csv_writer):
        """The exceptions table, header first."""
        self._write("exceptions", csv_writer)


class StatsCSVFileWriter(StatsCSV):
    """Writes PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv
    and PREFIX_exceptions.csv every CSV_STATS_INTERVAL_SEC (run `stats_writer`
    in a greenlet) and at `close_files()`."""

    def __init__(self, environment, percentiles_to_report, base_filepath, full_history=False):
        super().__init__(environment, percentiles_to_report)
        self.base_filepath = base_filepath
        self.full_history = full_history
        self.requests_csv_filehandle = open(self.base_filepath + "_stats.csv", "w", newline="")
        self.stats_history_csv_filehandle = open(self.stats_history_file_name(), "w", newline="")
        self.failures_csv_filehandle = open(self.base_filepath + "_failures.csv", "w", newline="")
        self.exceptions_csv_filehandle = open(self.base_filepath + "_exceptions.csv", "w", newline="")
        self.stats_history_csv_filehandle.write(_native.stats_csv("history_header"))
        self.stats_history_csv_filehandle.flush()
        self.failures_csv_filehandle.flush()

    def __call__(self):
        self.stats_writer()

    def stats_history_file_name(self):
        """The history file's path."""
        return self.base_filepath + "_stats_history.csv"

    def _rewrite(self, handle, kind):
        handle.seek(0)
        handle.truncate()
        handle.write(_native.stats_csv(kind))
        handle.flush()

    def _write_all(self):
        runner = self.environment.runner
        users = runner.user_count if runner is not None else 0
        self.stats_history_csv_filehandle.write(_native.stats_csv("history", users, self.full_history))
        self.stats_history_csv_filehandle.flush()
        self._rewrite(self.requests_csv_filehandle, "requests")
        self._rewrite(self.failures_csv_filehandle, "failures")
        self._rewrite(self.exceptions_csv_filehandle, "exceptions")

    def stats_writer(self):
        """Writes the files every CSV_STATS_INTERVAL_SEC, forever (kill the greenlet to stop)."""
        while True:
            self._write_all()
            gevent.sleep(CSV_STATS_INTERVAL_SEC)

    def close_files(self):
        """Writes the files a last time and closes them."""
        self._write_all()
        for handle in (
            self.requests_csv_filehandle,
            self.stats_history_csv_filehandle,
            self.failures_csv_filehandle,
            self.exceptions_csv_filehandle,
        ):
            handle.close()


def setup_distributed_stats_event_listeners(events, stats):
    """Locust adds the listeners that ship statistics between workers and
    master here. locusta's runners ship and merge them in Rust (exactly, with
    the histograms), so there is nothing to add."""


def validate_stats_configuration():
    """Checks that the current-percentile window is a positive number of seconds."""
    if CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW < 2:
        raise ValueError("CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW must be at least 2 seconds")


def _install_resize_handler():
    if hasattr(signal, "SIGWINCH"):
        try:
            signal.signal(signal.SIGWINCH, resize_handler)
        except ValueError:  # not the main thread
            pass

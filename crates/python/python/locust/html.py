"""locust.html: the HTML report. locusta renders it in Rust (the same page as
`--html`); `get_html_report` returns it for the running test."""

import os
import time

from locusta import _native

from locust.runners import STATE_STOPPED, STATE_STOPPING, MasterRunner  # noqa: F401
from locust.user.inspectuser import get_ratio  # noqa: F401
from locust.util.date import format_duration, format_utc_timestamp  # noqa: F401

PERCENTILES_FOR_HTML_REPORT = [0.50, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0]
DEFAULT_BUILD_PATH = None
"""locusta's pages are compiled into the binary: there is no build directory."""


def process_html_filename(options):
    """Substitutes {u} (users), {r} (spawn rate) and {t} (run time) in
    `options.html_file`, as locusta does for --html."""
    name = getattr(options, "html_file", None)
    if not name:
        return
    options.html_file = (
        name.replace("{u}", str(getattr(options, "num_users", "") or ""))
        .replace("{r}", str(getattr(options, "spawn_rate", "") or ""))
        .replace("{t}", str(getattr(options, "run_time", "") or ""))
    )


def render_template_from(file, build_path=DEFAULT_BUILD_PATH, **kwargs):
    """Locust renders its report from a Jinja template of its web UI build."""
    raise NotImplementedError(
        "locusta: the HTML report is rendered by locusta itself (no Jinja templates); "
        "use get_html_report(environment) or --html"
    )


def get_html_report(environment, show_download_link=True, theme=""):
    """The HTML report of the test so far, as a string."""
    locustfile = os.path.basename(getattr(environment, "locustfile", None) or "locustfile.py")
    start_time = environment.stats.start_time
    end_time = environment.stats.last_request_timestamp or time.time()
    return _native.html_report(locustfile, environment.host or "", start_time, max(end_time, start_time))

"""locust.stats as locustfiles use it: the statistics classes and Locust's
settings. locusta's settings are fixed: a locustfile that changes one gets a
warning at start saying the value is not applied (see `changed_settings`)."""

from locust.env import Stats as RequestStats  # noqa: F401
from locust.env import StatsEntry, StatsError  # noqa: F401

CONSOLE_STATS_INTERVAL_SEC = 2
HISTORY_STATS_INTERVAL_SEC = 5
CSV_STATS_INTERVAL_SEC = 1
CSV_STATS_FLUSH_INTERVAL_SEC = 5
CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW = 10
PERCENTILES_TO_REPORT = [0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0]
PERCENTILES_TO_STATISTICS = [0.95, 0.99]
PERCENTILES_TO_CHART = [0.5, 0.95]

# The values locusta uses, whatever a locustfile assigns.
_FIXED = {
    name: (list(value) if isinstance(value, list) else value)
    for name, value in dict(globals()).items()
    if name.isupper()
}


def changed_settings():
    """(name, value set, value used) for each setting a locustfile changed."""
    current = globals()
    return [(name, current[name], used) for name, used in _FIXED.items() if current[name] != used]

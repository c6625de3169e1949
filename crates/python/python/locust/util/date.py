"""locust.util.date: the timestamp and duration texts of Locust's reports."""

from datetime import datetime, timezone

UTC = timezone.utc


def format_utc_timestamp(unix_timestamp):
    """An epoch time (whole seconds) as "YYYY-MM-DDTHH:MM:SSZ"."""
    return datetime.fromtimestamp(int(unix_timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_safe_timestamp(unix_timestamp):
    """An epoch time as a local time text fit for file names (no colons)."""
    return datetime.fromtimestamp(int(unix_timestamp)).strftime("%Y-%m-%d-%Hh%M")


def format_duration(start_time, end_time):
    """The time between two epoch times in words ("1 hour, 2 minutes and 1 second"),
    zero parts left out, "0 seconds" when there is nothing."""
    total = int(end_time - start_time)
    amounts = [
        (total // 86400, "day"),
        (total % 86400 // 3600, "hour"),
        (total % 3600 // 60, "minute"),
        (total % 60, "second"),
    ]
    words = [f"{n} {unit}" + ("" if n == 1 else "s") for n, unit in amounts if n > 0]
    if not words:
        return "0 seconds"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]

"""locust.util.timespan: "1h30m"-style durations (Locust's --run-time)."""

import re

_SPAN = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_timespan(time_str):
    """Seconds in "20", "20s", "3m", "2h", "1h20m" or "3h30m10s" (units in
    that order); ValueError for anything else."""
    if not time_str:
        raise ValueError("Invalid time span format")
    text = str(time_str)
    if text.isdigit():
        return int(text)
    match = _SPAN.fullmatch(text)
    if match is None or not any(match.groups()):
        raise ValueError("Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds

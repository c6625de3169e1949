"""locust.util.url: tells URLs from file names (e.g. `-f https://…/locustfile.py`)."""

from urllib.parse import urlparse


def is_url(url):
    """Whether `url` is an http(s) URL with a host."""
    try:
        parsed = urlparse(url)
    except ValueError:
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)

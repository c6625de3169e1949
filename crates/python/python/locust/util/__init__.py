"""locust.util: small helpers Locust's modules share (time spans, dates,
rounding, URLs, caching, retries, locustfile loading)."""

"""locusta's stand-in for Locust's `pytest_locust` package (its pytest
plugin), present only inside a locusta run: see `pytest_locust.plugin`."""

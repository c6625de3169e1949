"""locust.opentelemetry: OpenTelemetry export. locusta does not export to
OpenTelemetry yet (`--otel` is refused at start); `setup_opentelemetry`
logs that and returns False, as Locust does when the SDK is missing."""

import logging

from locust.event import events  # noqa: F401
from locust.runners import MasterRunner, WorkerRunner  # noqa: F401

logger = logging.getLogger(__name__)
MAX_REQUEST_NAMES = 20
request_names = set()


def setup_opentelemetry(locustfile, profile=None):
    """Returns False: locusta has no OpenTelemetry export yet."""
    logger.error("locusta: OpenTelemetry export is not available yet, opentelemetry not enabled")
    return False

"""locust.contrib.csv_request_logger: one CSV row per request (timestamp,
type, name, response time, length, status code, exception), for analysis
beyond the aggregated --csv files.

    logger = CsvRequestLogger("requests.csv")

    @events.init.add_listener
    def on_locust_init(environment, **kwargs):
        logger.register(environment)
"""

import csv
import logging

logger = logging.getLogger(__name__)

CSV_COLUMNS = (
    "timestamp",
    "request_type",
    "name",
    "response_time_ms",
    "response_length",
    "status_code",
    "exception",
)


class CsvRequestLogger:
    """Writes a row per `request` event to `filepath` (truncated at
    `register`), flushing every `flush_interval` rows; closed at `quitting`."""

    def __init__(self, filepath, *, flush_interval=1):
        self.filepath = filepath
        self.flush_interval = max(1, flush_interval)
        self._filehandle = None
        self._writer = None
        self._pending = 0

    def register(self, environment):
        """Listens to the environment's request and quitting events and opens the file."""
        environment.events.request.add_listener(self._on_request)
        environment.events.quitting.add_listener(self._on_quitting)
        self._open()
        logger.debug("CsvRequestLogger: writing per-request log to %s", self.filepath)

    def close(self):
        """Flushes and closes the file (again: nothing happens)."""
        if self._filehandle is not None and not self._filehandle.closed:
            self._filehandle.flush()
            self._filehandle.close()

    def _open(self):
        self._filehandle = open(self.filepath, "w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._filehandle)
        self._writer.writerow(CSV_COLUMNS)
        self._filehandle.flush()

    def _on_request(self, request_type, name, response_time, response_length, response=None, exception=None,
                    start_time=None, **_kwargs):
        if self._writer is None or self._filehandle.closed:
            return
        status = getattr(response, "status_code", 0) or 0
        self._writer.writerow(
            (
                start_time if start_time is not None else "",
                request_type,
                name,
                round(response_time, 2) if response_time is not None else "",
                response_length or 0,
                status,
                "" if exception is None else str(exception),
            )
        )
        self._pending += 1
        if self._pending >= self.flush_interval:
            self._filehandle.flush()
            self._pending = 0

    def _on_quitting(self, **_kwargs):
        self.close()

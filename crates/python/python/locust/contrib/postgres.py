"""locust.contrib.postgres: PostgresUser, whose client times queries and
reports them as requests (needs the `psycopg` package)."""

import time

import psycopg

from locust import events
from locust.users import User


class PostgresClient:
    """One connection; `execute_query` reports "postgres_success" or
    "postgres_failure" requests named "execute_query"."""

    def __init__(self, conn_string):
        self.connection = psycopg.connect(conn_string)

    def execute_query(self, query):
        """Runs `query` and reports it."""
        started = time.time()
        error = None
        try:
            self.connection.execute(query)
        except Exception as exc:  # noqa: BLE001 - reported as the request's failure
            error = exc
        events.request.fire(
            request_type="postgres_failure" if error else "postgres_success",
            name="execute_query",
            response_time=int((time.time() - started) * 1000),
            response_length=0,
            exception=error,
        )

    def close(self):
        """Closes the connection."""
        self.connection.close()


class PostgresUser(User):
    """A user with a PostgresClient (`conn_string` class attribute)."""

    abstract = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = PostgresClient(conn_string=self.conn_string)

    def on_stop(self):
        self.client.close()

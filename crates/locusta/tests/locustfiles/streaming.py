"""Streamed responses (stream=True) against the test server of
tests/python_streaming.rs: each class checks one behaviour and prints a line
the test looks for."""

import time

from locust import FastHttpUser, HttpUser, constant, events, task

# (name, response_time, response_length) of every request reported.
reported = []


@events.request.add_listener
def _on_request(name, response_time, response_length, **_kwargs):
    reported.append((name, response_time, response_length))


def connections(client):
    """How many connections the server has accepted so far."""
    return int(client.get("/count", name="count").text)


class Streamer(HttpUser):
    """One pass over the HttpSession behaviours."""

    wait_time = constant(0)

    @task
    def check(self):
        client = self.client
        # Chunk 1 arrives before the server sends chunk 2: the server holds
        # chunk 2 until /got-first is requested, which happens only once
        # chunk 1 is here.
        r = client.get("/chunked", stream=True, name="chunked")
        pieces = r.iter_content(chunk_size=None)
        first = next(pieces)
        assert first == b"first\n", first
        client.get("/got-first", name="got-first")
        rest = b"".join(pieces)
        assert rest == b"second\n", rest
        # Reported at the head (before /got-first), with no length (no Content-Length).
        assert [(name, length) for name, _, length in reported[-2:]] == [("chunked", 0), ("got-first", 2)], reported

        # An endless body, read in part and closed: its connection is not
        # reused. (One kept-alive connection to start with.)
        client.close()
        before = connections(client)
        r = client.get("/endless", stream=True, name="endless")
        ticks = 0
        for line in r.iter_lines():
            assert line == b"tick", line
            ticks += 1
            if ticks == 5:
                break
        r.close()
        after = connections(client)
        assert after == before + 1, (before, after)
        assert connections(client) == after, "the new connection is kept alive"

        # Read to its end, a streamed body gives its connection back.
        r = client.get("/fixed", stream=True, name="fixed-stream")
        assert r.content == b"fixed body " * 100
        assert connections(client) == after

        # Dropped unread: the connection is not reused either.
        r = client.get("/endless", stream=True, name="endless")
        assert r.raw.read(5) == b"tick\n"
        del r
        assert connections(client) == after + 1

        # The time is to the head, the length the Content-Length (as Locust).
        started = time.perf_counter()
        r = client.get("/slow-length", stream=True, name="slow-length")
        head_time = time.perf_counter() - started
        body = r.content
        total_time = time.perf_counter() - started
        assert body == b"0123456789" * 5, body
        meta = r.request_meta
        assert meta["response_length"] == 50, meta
        assert meta["response_time"] < 500 < total_time * 1000, (meta, head_time, total_time)

        # gzip: iter_content decodes, raw gives the bytes as sent.
        r = client.get("/gzip", stream=True, name="gzip")
        text = b"".join(r.iter_content(chunk_size=64))
        assert text == b"compressed line\n" * 200, text[:100]
        r = client.get("/gzip", stream=True, name="gzip")
        assert r.raw.read(2) == b"\x1f\x8b"
        r.close()
        r = client.get("/gzip", stream=True, name="gzip")
        assert list(r.iter_lines(decode_unicode=True))[:2] == ["compressed line"] * 2

        # content after the body was iterated: requests' error.
        r = client.get("/fixed", stream=True, name="fixed-stream")
        for _ in r.iter_content(chunk_size=300):
            pass
        try:
            r.content
        except RuntimeError as error:
            assert "already consumed" in str(error)
        else:
            raise AssertionError("content after iterating gave no error")

        # catch_response with a streamed body: decided after reading it.
        with client.get("/chunked", stream=True, catch_response=True, name="caught") as r:
            first = next(r.iter_content(chunk_size=None))
            client.get("/got-first", name="got-first")
            if first + r.content != b"first\nsecond\n":
                r.failure("unexpected body")
            else:
                r.failure("read it all")

        # Without stream=True, nothing changed.
        r = client.get("/fixed", name="fixed")
        assert r.content == b"fixed body " * 100
        assert [len(c) for c in r.iter_content(chunk_size=500)] == [500, 500, 100]
        assert reported[-1] == ("fixed", reported[-1][1], 1100), reported[-1]
        print("STREAMER_OK", flush=True)


# When each of the slow reader's chunks arrived, and when the busy user's
# requests completed.
chunk_times = []
busy_times = []


class SlowReader(HttpUser):
    """Reads a body that comes a chunk every 200 ms, while Busy works."""

    fixed_count = 1
    wait_time = constant(0)

    @task
    def read_slowly(self):
        time.sleep(0)  # let Busy start
        r = self.client.get("/slow", stream=True, name="slow")
        for chunk in r.iter_content(chunk_size=None):
            chunk_times.append(time.perf_counter())
        during = [t for t in busy_times if chunk_times[0] < t < chunk_times[-1]]
        print(f"SLOW_READ chunks={len(chunk_times)} busy_during={len(during)}", flush=True)
        self.environment.runner.quit()


class Busy(HttpUser):
    fixed_count = 1
    wait_time = constant(0.01)

    @task
    def fast(self):
        self.client.get("/fast", name="fast")
        busy_times.append(time.perf_counter())


class EndlessReader(HttpUser):
    """Reads an endless body until the run's time is up."""

    wait_time = constant(0)

    @task
    def read_forever(self):
        r = self.client.get("/endless", stream=True, name="endless")
        for line in r.iter_lines():
            assert line == b"tick", line


class FastStreamer(FastHttpUser):
    """FastHttpSession's stream=True."""

    wait_time = constant(0)

    @task
    def check(self):
        client = self.client
        r = client.get("/chunked", stream=True)
        assert r.status_code == 200 and r.status == "200"
        assert r.stream.read(6) == b"first\n"
        client.get("/got-first")
        assert r.stream.read() == b"second\n"
        r = client.get("/slow-length", stream=True)
        assert r.read(10) == b"0123456789"
        chunks = list(r.iter_content(chunk_size=20))
        assert chunks == ["01234567890123456789"] * 2, chunks
        lines = list(client.iter_lines("/slow"))
        assert lines == [f"slow {i}" for i in range(10)], lines
        r = client.get("/gzip", stream=True)
        text = "".join(r.iter_content(chunk_size=100))
        assert text == "compressed line\n" * 200, text[:100]
        r = client.get("/slow", stream=True)
        assert r.readline() == b"slow 0\n"
        r.close()
        print("FAST_STREAMER_OK", flush=True)

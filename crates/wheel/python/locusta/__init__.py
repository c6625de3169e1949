"""locusta: Locust, rebuilt in Rust.

Installed with pip, locusta brings the `locusta` command (also
`python -m locusta`), which runs Locust's locustfiles in this interpreter:
everything installed beside it imports from a locustfile. Under `locusta`,
`import locust` is locusta's own Locust-compatible package; outside it, a
real Locust installed in the same environment stays untouched.

The engine is the extension module `locusta._native`.
"""

from locusta._native import __version__  # noqa: F401

"""locust.contrib: clients and users beyond HTTP (FastHttpUser, Socket.IO,
DNS, MQTT, PostgreSQL, MongoDB, …). A module that needs an optional package
imports when that package is installed, and raises ImportError naming it
otherwise."""

"""The state of this process's run, shared by the modules of the `locust`
package: whether a script runs, the run's Environment, its user classes and
shapes, their live users and the users still being created or stopping.

It imports none of them, so that each can import it at the top: `main` (the
hub's side of a `locusta -f` run, and `locusta --python FILE`) fills it in,
`_lifecycle` keeps the users in it, and `env`, `runners`, `log`, `web` and
`debug` read it without importing `main`. Imports then point one way, as
in Locust (main → env → runners), instead of a circle broken by imports
inside functions."""

script_mode = False
"""True while a script runs as `__main__` (`locusta --python FILE`)."""

environment = None
"""The run's Environment: a `locusta -f` run's (made when the locustfile
loads), or a script's once it creates a master or worker runner."""

classes = {}
"""The user classes whose users locusta runs here, by class name."""

users = {}
"""Live users per class name, oldest first."""


def host_environment(env):
    """A script's master or worker runner (create_master_runner,
    create_worker_runner): the events locusta fires, the messages it
    delivers and the users a worker's master asks for are `env`'s, as in a
    `locusta -f` run."""
    global environment
    environment = env
    for cls in env.user_classes:
        classes[cls.__name__] = cls
        users.setdefault(cls.__name__, [])

shapes = {}
"""The locustfiles' LoadTestShape instances by class name, in definition order."""

creating = {}
"""Per class name, the greenlets of users whose __init__ is still running (it
may block, as in Locust), oldest first: greenlet -> True."""

stopping = set()
"""Users told to stop gracefully that have not ended yet."""

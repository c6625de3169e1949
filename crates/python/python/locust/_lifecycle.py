"""The lives of Python users on the gevent hub: created (each in a greenlet
of its own, as its `__init__` may block), run, stopped gracefully or at
once, killed, and counted out when they end — what the mailbox's `spawn`,
`stop` and `kill_all` commands ask for (`locust.main` reads the mailbox).

Also what `sys.exit()` in user code means: the test ends and the process
exits with that code (`request_exit`, which `locust.main` uses for
listeners and greenlets too).

The users and the greenlets still creating them are `locust._run`'s state;
this module holds none of its own."""

import logging

import gevent
from gevent import GreenletExit

from locusta import _native

from locust import _run
from locust.event import format_user_traceback
from locust.exception import StopTest
from locust.task import STOPPING, WAITING


def _run_user(user, class_name):
    try:
        user.run()
    except GreenletExit:
        pass
    except StopTest:
        user._hosted.stop_test(f"StopTest raised by a {class_name} user")
    except SystemExit as exit_request:
        # sys.exit() in user code ends the test (with every report written).
        request_exit(exit_request, f"a user of class {class_name}")
    except KeyboardInterrupt:
        # As in Locust, where it reaches the main greenlet: the run ends, as
        # after Ctrl-C (every report written).
        logging.error("KeyboardInterrupt in a %s user: stopping the test", class_name)
        user._hosted.stop_test(f"KeyboardInterrupt raised by a {class_name} user")
    except Exception as error:  # noqa: BLE001 - the user ends; the test goes on
        user._task_error(user, error)
    finally:
        live = _run.users.get(class_name)
        if live is not None and user in live:
            live.remove(user)
        _run.stopping.discard(user)
        user._hosted.ended()


def request_exit(exit_request, where):
    """sys.exit(code) in user code: the test ends and the process exits with that code."""
    code = exit_request.code
    if isinstance(code, int):
        _native.set_exit_code(code)
    elif code is not None:
        logging.error("%s", code)
        _native.set_exit_code(1)
    _native.quit(f"sys.exit() called by {where}")


def spawn(class_name, count, hosted):
    cls = _run.classes[class_name]
    # The host may have changed since the start (the web form, a master).
    _run.environment.host = _native.environment_host() or _run.environment.host
    if _run.environment.host:
        # As Locust: --host is every class's host.
        cls.host = _run.environment.host
    creating = _run.creating.setdefault(class_name, {})
    for _ in range(count):
        creating[gevent.spawn(_create_and_run, cls, class_name, hosted)] = True


def _create_and_run(cls, class_name, hosted):
    """Creates a user in its own greenlet (its __init__ may block, e.g. to
    fetch test data), then runs it."""
    try:
        user = cls(_run.environment)
    except Exception as error:  # noqa: BLE001
        text = format_user_traceback(error)
        logging.error("Could not create a %s user: %s\n%s", class_name, error, text)
        _native.log_exception(repr(error), text)
        return
    finally:
        _run.creating[class_name].pop(gevent.getcurrent(), None)
    if not hasattr(user, "_state"):
        message = f"{class_name}.__init__ must call super().__init__(environment)"
        logging.error("%s", message)
        _native.log_exception(message, message)
        return
    user._hosted = hosted
    user._limited = hosted.limited
    user._user_id = hosted.started()
    user._greenlet = gevent.getcurrent()
    _run.users[class_name].append(user)
    _run_user(user, class_name)


def stop(class_name, count, graceful):
    # The newest users first: those still being created are not started yet.
    creating = _run.creating.get(class_name, {})
    for greenlet in list(creating)[::-1][:count]:
        del creating[greenlet]
        greenlet.kill(block=False)
        count -= 1
    if count <= 0:
        return
    live = _run.users.get(class_name, [])
    chosen = live[max(0, len(live) - count):] if count < len(live) else list(live)
    del live[len(live) - len(chosen):]
    if graceful is None:
        for user in chosen:
            user._greenlet.kill(block=False)
        return
    survivors = []
    for user in chosen:
        if user._state == WAITING or user._state is None:
            user._greenlet.kill(block=False)
        else:
            user._state = STOPPING
            survivors.append(user)
            _run.stopping.add(user)
    if survivors:
        gevent.spawn_later(graceful, _kill_survivors, survivors)


def _kill_survivors(users):
    for user in users:
        if not user._greenlet.dead:
            user._greenlet.kill(block=False)


def kill_all():
    for creating in _run.creating.values():
        for greenlet in list(creating):
            greenlet.kill(block=False)
        creating.clear()
    for live in _run.users.values():
        for user in list(live):
            user._greenlet.kill(block=False)
        live.clear()
    for user in list(_run.stopping):
        user._greenlet.kill(block=False)

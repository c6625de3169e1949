"""locust.input_events: keyboard control of a running test (Locust's w/W/s/S
keys that add or remove users), as a greenlet polling the terminal."""

import logging
import os
import select
import sys

import gevent


class InitError(Exception):
    """The terminal cannot give key presses (not a tty)."""


class UnixKeyPoller:
    """Reads single key presses from a tty in cbreak mode."""

    def __init__(self):
        import termios
        import tty

        if not sys.stdin.isatty():
            raise InitError("Terminal was not a tty. Keyboard input disabled")
        self.stdin = sys.stdin.fileno()
        self.saved = termios.tcgetattr(self.stdin)
        tty.setcbreak(self.stdin, termios.TCSANOW)

    def cleanup(self):
        """Restores the terminal's mode."""
        import termios

        termios.tcsetattr(self.stdin, termios.TCSANOW, self.saved)

    def poll(self):
        """The key pressed since the last poll, or None."""
        ready, _, _ = select.select([sys.stdin], [], [], 0)
        return sys.stdin.read(1) if ready else None


class WindowsKeyPoller:
    """Locust's Windows console poller; locusta runs on Unix-like systems."""

    def __init__(self):
        raise InitError("locusta reads keys from Unix terminals only. Keyboard input disabled")

    def cleanup(self):
        """Nothing to restore."""

    def poll(self):
        """No key."""
        return None


def get_poller():
    """The key poller for this system."""
    return WindowsKeyPoller() if os.name == "nt" else UnixKeyPoller()


def input_listener(key_to_func_map):
    """A function (to run in a greenlet) that calls `key_to_func_map[key]()`
    for each key pressed, until killed; it returns at once without a tty."""

    def input_listener_func():
        try:
            poller = get_poller()
        except InitError as error:
            logging.debug(error)
            return
        try:
            while True:
                key = poller.poll()
                if key:
                    handler = key_to_func_map.get(key)
                    if handler is not None:
                        handler()
                else:
                    gevent.sleep(0.2)
        except Exception as error:  # noqa: BLE001 - the poller must not end the test
            logging.warning(f"Exception in keyboard input poller: {error}")
        finally:
            poller.cleanup()

    return input_listener_func

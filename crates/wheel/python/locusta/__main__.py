"""The `locusta` command: `locusta -f locustfile.py …` or `python -m locusta …`."""

import signal
import sys


def main():
    """Runs locusta with this process's command line; ends the process with
    the run's exit code (it never returns)."""
    from locusta import _native

    # The engine handles Ctrl-C itself (a graceful stop that still writes
    # every report); Python's KeyboardInterrupt would land in the middle of
    # the locustfile's greenlets instead. `--python script.py` sets Python's
    # handler again for the script.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _native.main(["locusta", *sys.argv[1:]], sys.executable)


if __name__ == "__main__":
    main()

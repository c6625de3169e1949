"""locust.util.directory: finds the files of a directory tree."""

import os


def get_abspaths_in(path, extension=None):
    """Absolute paths of the files under `path` (recursively, hidden and
    `_`-prefixed files left out), only those ending in `extension` if given."""
    found = []
    for root, _dirs, files in os.walk(path):
        for name in files:
            if name.startswith((".", "_")):
                continue
            if extension is None or name.endswith(extension):
                found.append(os.path.abspath(os.path.join(root, name)))
    return sorted(found)

"""locust.user.inspectuser: the task ratios of user classes (what
--show-task-ratio prints), as text or JSON."""

import inspect
import json

from locust.task import TaskSet
from locust.users import User  # noqa: F401


def _distribution(user_classes, num_users):
    fixed = sum(cls.fixed_count for cls in user_classes if cls.fixed_count)
    weight = sum(cls.weight for cls in user_classes if not cls.fixed_count)
    num_users = num_users or (weight if not fixed else 1)
    weighted = max(0, num_users - fixed)
    return {
        cls.__name__: round(cls.fixed_count or (cls.weight / weight) * weighted if weight or cls.fixed_count else 0)
        for cls in user_classes
    }


def _task_ratios(tasks, total, parent_ratio):
    scale = parent_ratio if total else 1.0
    counts = {}
    for entry in tasks:
        counts[entry] = counts.get(entry, 0) + 1
    result = {}
    for entry, count in counts.items():
        share = count * scale / len(tasks)
        node = {"ratio": share}
        if inspect.isclass(entry) and issubclass(entry, TaskSet):
            node["tasks"] = _task_ratios(entry.tasks, total, share)
        result[entry.__name__] = node
    return result


def get_ratio(user_classes, user_spawned, total):
    """{class name: {"ratio": share of users, "tasks": {task: {"ratio": …}}}};
    task ratios are of the whole run when `total`, else of their parent."""
    users = sum(user_spawned.values()) or 1
    result = {}
    for cls in user_classes:
        share = user_spawned.get(cls.__name__, 0) / users
        result[cls.__name__] = {"ratio": share, "tasks": _task_ratios(cls.tasks, total, share)}
    return result


def _print(tree, level=0):
    pad = "  " * level
    for name, node in tree.items():
        print(" %-10s %-50s" % (pad + "%-6.1f" % (node.get("ratio", 1) * 100), pad + name))
        if "tasks" in node:
            _print(node["tasks"], level + 1)


def print_task_ratio(user_classes, num_users, total):
    """Prints the ratio tree for `num_users` users."""
    _print(get_ratio(user_classes, _distribution(user_classes, num_users), total))


def print_task_ratio_json(user_classes, num_users):
    """Prints {"per_class": …, "total": …} as indented JSON."""
    spawned = _distribution(user_classes, num_users)
    print(json.dumps({"per_class": get_ratio(user_classes, spawned, False), "total": get_ratio(user_classes, spawned, True)}, indent=4))

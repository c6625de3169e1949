"""Ramp plans of `locust.dispatch.UsersDispatcher`, as tables.

Run by crates/locusta/tests/python_dispatch.rs as `locusta --python
dispatch_cases.py check`: each case builds user classes and worker nodes,
plays its operations (`new_dispatch`, `next`, `add_worker`, `remove_worker`)
on a dispatcher that does not pause between steps, and compares every map it
yields with the table. The expected maps are the ones Locust 2.47's
dispatcher yields (`python dispatch_cases.py record` under real Locust prints
them). Prints `CASE <name> ok` or `CASE <name> FAIL …`; exits 1 on a failure.
"""

import json
import sys

from locust import User
from locust.dispatch import UsersDispatcher
from locust.runners import WorkerNode

# name: (classes as (name, weight, fixed_count), worker ids, operations)
# Operations: ("dispatch", target, rate[, class names]), ("next", n),
# ("add", worker id), ("remove", worker id), ("wait",) records the pause.
CASES = {
    "weights_3_to_1_over_2_workers": (
        [("A", 3, 0), ("B", 1, 0)],
        ["w1", "w2"],
        [("dispatch", 8, 2), ("next", 5)],
    ),
    "fixed_count_classes_come_first": (
        [("A", 1, 2), ("B", 1, 0), ("C", 2, 0)],
        ["w1"],
        [("dispatch", 7, 3), ("next", 4)],
    ),
    "workers_of_different_hosts_take_turns": (
        [("A", 1, 0)],
        ["hostA_1", "hostA_2", "hostB_1"],
        [("dispatch", 2, 2), ("next", 2)],
    ),
    "worker_added_mid_ramp_gets_users": (
        [("A", 1, 0), ("B", 1, 0)],
        ["w1", "w2"],
        [("dispatch", 6, 2), ("next", 1), ("add", "w3"), ("next", 4)],
    ),
    "worker_removed_mid_ramp_hands_its_users_over": (
        [("A", 1, 0), ("B", 2, 0)],
        ["w1", "w2", "w3"],
        [("dispatch", 9, 3), ("next", 2), ("remove", "w2"), ("next", 3)],
    ),
    "worker_added_mid_ramp_with_fixed_users": (
        [("A", 1, 1), ("B", 1, 0), ("C", 1, 0)],
        ["h1_w1", "h2_w1"],
        [("dispatch", 7, 3), ("next", 1), ("add", "h1_w2"), ("next", 4)],
    ),
    "user_class_filter_spawns_only_those": (
        [("A", 1, 0), ("B", 1, 0), ("C", 3, 0)],
        ["w1", "w2"],
        [("dispatch", 4, 4, ["A", "C"]), ("next", 2), ("dispatch", 6, 6, ["B"]), ("next", 2)],
    ),
    "ramp_down_removes_the_newest_first": (
        [("A", 1, 0), ("B", 1, 1)],
        ["w1", "w2"],
        [("dispatch", 5, 5), ("next", 2), ("dispatch", 2, 1), ("next", 4)],
    ),
    "same_target_yields_the_current_map_once": (
        [("A", 1, 0)],
        ["w1"],
        [("dispatch", 2, 2), ("next", 2), ("dispatch", 2, 2), ("next", 2)],
    ),
    "float_weights": (
        [("A", 0.5, 0), ("B", 1.5, 0)],
        ["w1"],
        [("dispatch", 4, 4), ("next", 2)],
    ),
    "spawn_rate_below_one_adds_one_user_a_step": (
        [("A", 1, 0)],
        ["w1"],
        [("dispatch", 2, 0.5), ("wait",), ("next", 3)],
    ),
    "spawn_rate_above_one_paces_whole_users": (
        [("A", 1, 0)],
        ["w1"],
        [("dispatch", 5, 2.5), ("wait",), ("next", 4)],
    ),
}


def play(classes, workers, operations):
    """The maps the operations yield ("end" when the ramp is over)."""
    user_classes = [type(name, (User,), {"weight": weight, "fixed_count": fixed}) for name, weight, fixed in classes]
    nodes = {worker: WorkerNode(worker) for worker in workers}
    dispatcher = UsersDispatcher(worker_nodes=list(nodes.values()), user_classes=user_classes)
    seen = []
    for operation in operations:
        kind = operation[0]
        if kind == "dispatch":
            chosen = None
            if len(operation) > 3:
                chosen = [cls for cls in user_classes if cls.__name__ in operation[3]]
            dispatcher.new_dispatch(operation[1], operation[2], user_classes=chosen)
            dispatcher._wait_between_dispatch = 0
        elif kind == "wait":
            dispatcher_rate = type(dispatcher)(worker_nodes=[WorkerNode("x")], user_classes=user_classes)
            dispatcher_rate.new_dispatch(1, operations[0][2])
            seen.append(round(dispatcher_rate._wait_between_dispatch, 6))
        elif kind == "next":
            for _ in range(operation[1]):
                try:
                    seen.append(next(dispatcher))
                except StopIteration:
                    seen.append("end")
        elif kind == "add":
            nodes[operation[1]] = WorkerNode(operation[1])
            dispatcher.add_worker(nodes[operation[1]])
        elif kind == "remove":
            dispatcher.remove_worker(nodes.pop(operation[1]))
    return seen


def rejects_bad_input():
    """A negative target and a spawn rate of 0 are ValueErrors."""
    dispatcher = UsersDispatcher(worker_nodes=[WorkerNode("w1")], user_classes=[type("A", (User,), {})])
    for target, rate in ((-1, 1), (1, 0)):
        try:
            dispatcher.new_dispatch(target, rate)
        except ValueError:
            continue
        return False
    return True


def main():
    if sys.argv[1:] == ["record"]:
        print(json.dumps({name: play(*case) for name, case in CASES.items()}, sort_keys=True))
        return 0
    failed = 0
    for name, case in CASES.items():
        got = play(*case)
        if got == EXPECTED[name]:
            print(f"CASE {name} ok")
        else:
            failed += 1
            print(f"CASE {name} FAIL: got {json.dumps(got)}, want {json.dumps(EXPECTED[name])}")
    if rejects_bad_input():
        print("CASE rejects_bad_input ok")
    else:
        failed += 1
        print("CASE rejects_bad_input FAIL: a negative target or a zero spawn rate was taken")
    return 1 if failed else 0


# Recorded from Locust 2.47's dispatcher (`record`, above).
EXPECTED = {
    "fixed_count_classes_come_first": [{"w1": {"A": 2, "B": 0, "C": 1}}, {"w1": {"A": 2, "B": 1, "C": 3}}, {"w1": {"A": 2, "B": 2, "C": 3}}, "end"],
    "float_weights": [{"w1": {"A": 1, "B": 3}}, "end"],
    "ramp_down_removes_the_newest_first": [{"w1": {"A": 2, "B": 1}, "w2": {"A": 2, "B": 0}}, "end", {"w1": {"A": 1, "B": 1}, "w2": {"A": 2, "B": 0}}, {"w1": {"A": 1, "B": 1}, "w2": {"A": 1, "B": 0}}, {"w1": {"A": 0, "B": 1}, "w2": {"A": 1, "B": 0}}, "end"],
    "same_target_yields_the_current_map_once": [{"w1": {"A": 2}}, "end", {"w1": {"A": 2}}, "end"],
    "spawn_rate_above_one_paces_whole_users": [0.8, {"w1": {"A": 2}}, {"w1": {"A": 4}}, {"w1": {"A": 5}}, "end"],
    "spawn_rate_below_one_adds_one_user_a_step": [2.0, {"w1": {"A": 1}}, {"w1": {"A": 2}}, "end"],
    "user_class_filter_spawns_only_those": [{"w1": {"A": 0, "B": 0, "C": 2}, "w2": {"A": 1, "B": 0, "C": 1}}, "end", {"w1": {"A": 0, "B": 1, "C": 2}, "w2": {"A": 1, "B": 1, "C": 1}}, "end"],
    "weights_3_to_1_over_2_workers": [{"w1": {"A": 1, "B": 0}, "w2": {"A": 0, "B": 1}}, {"w1": {"A": 2, "B": 0}, "w2": {"A": 1, "B": 1}}, {"w1": {"A": 3, "B": 0}, "w2": {"A": 1, "B": 2}}, {"w1": {"A": 4, "B": 0}, "w2": {"A": 2, "B": 2}}, "end"],
    "worker_added_mid_ramp_gets_users": [{"w1": {"A": 1, "B": 0}, "w2": {"A": 0, "B": 1}}, {"w1": {"A": 1, "B": 0}, "w2": {"A": 0, "B": 1}, "w3": {"A": 0, "B": 0}}, {"w1": {"A": 1, "B": 1}, "w2": {"A": 0, "B": 1}, "w3": {"A": 1, "B": 0}}, {"w1": {"A": 1, "B": 1}, "w2": {"A": 1, "B": 1}, "w3": {"A": 1, "B": 1}}, "end"],
    "worker_added_mid_ramp_with_fixed_users": [{"h1_w1": {"A": 1, "B": 0, "C": 1}, "h2_w1": {"A": 0, "B": 1, "C": 0}}, {"h1_w1": {"A": 1, "B": 0, "C": 0}, "h1_w2": {"A": 0, "B": 0, "C": 1}, "h2_w1": {"A": 0, "B": 1, "C": 0}}, {"h1_w1": {"A": 1, "B": 1, "C": 0}, "h1_w2": {"A": 0, "B": 1, "C": 1}, "h2_w1": {"A": 0, "B": 1, "C": 1}}, {"h1_w1": {"A": 1, "B": 1, "C": 1}, "h1_w2": {"A": 0, "B": 1, "C": 1}, "h2_w1": {"A": 0, "B": 1, "C": 1}}, "end"],
    "worker_removed_mid_ramp_hands_its_users_over": [{"w1": {"A": 0, "B": 1}, "w2": {"A": 1, "B": 0}, "w3": {"A": 0, "B": 1}}, {"w1": {"A": 0, "B": 2}, "w2": {"A": 2, "B": 0}, "w3": {"A": 0, "B": 2}}, {"w1": {"A": 1, "B": 2}, "w3": {"A": 1, "B": 2}}, {"w1": {"A": 1, "B": 4}, "w3": {"A": 2, "B": 2}}, "end"],
    "workers_of_different_hosts_take_turns": [{"hostA_1": {"A": 1}, "hostA_2": {"A": 0}, "hostB_1": {"A": 1}}, "end"],
}

if __name__ == "__main__":
    sys.exit(main())

//! `locust.dispatch.UsersDispatcher`, the Python ramp planner that library
//! scripts' runners use, against the plans Locust 2.47's dispatcher makes.
//!
//! The cases are tables in `locustfiles/dispatch_cases.py` (classes, workers,
//! operations, and the maps Locust yields for them); the script runs under
//! the real `locusta --python`, so `import locust` is locusta's package as a
//! library user gets it. Each case is one difference that was fixed: the
//! smooth weighted order, fixed_count users first, workers of different
//! hosts taking turns, workers added or removed mid-ramp (a rebalance map,
//! then the ramp goes on over the new workers), the user-class filter of
//! `new_dispatch`, ramp-down of the newest users, the pause of whole-user
//! steps (`_wait_between_dispatch`), and bad targets and rates refused.
#![cfg(feature = "python")]

mod common;

use common::programs::{locustfile, run_binary};

/// Every case name of the table, as the script prints it.
const CASES: [&str; 13] = [
    "weights_3_to_1_over_2_workers",
    "fixed_count_classes_come_first",
    "workers_of_different_hosts_take_turns",
    "worker_added_mid_ramp_gets_users",
    "worker_removed_mid_ramp_hands_its_users_over",
    "worker_added_mid_ramp_with_fixed_users",
    "user_class_filter_spawns_only_those",
    "ramp_down_removes_the_newest_first",
    "same_target_yields_the_current_map_once",
    "float_weights",
    "spawn_rate_below_one_adds_one_user_a_step",
    "spawn_rate_above_one_paces_whole_users",
    "rejects_bad_input",
];

#[test]
fn the_python_dispatcher_plans_ramps_as_locust_does() {
    let script = locustfile("dispatch_cases.py");
    let run = run_binary(&["--python", &script, "check"], &[]);
    let failures: Vec<&str> = run.stdout.lines().filter(|l| l.contains(" FAIL")).collect();
    assert!(
        failures.is_empty(),
        "cases differ from Locust's plans:\n{}\n{}",
        failures.join("\n"),
        run.stderr
    );
    for case in CASES {
        assert!(
            run.stdout.lines().any(|l| l == format!("CASE {case} ok")),
            "case {case} did not pass:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

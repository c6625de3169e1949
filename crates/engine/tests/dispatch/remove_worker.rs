//! Port of Locust's `TestRemoveWorker`: workers leaving during a ramp-up,
//! between two ramp-ups or during a ramp-down.
//!
//! Removing a worker marks a rebalance; the next step, which comes at once,
//! moves the missing worker's users onto the others (same users per class,
//! now spread over fewer workers) and clears the mark, and the ramp then goes
//! on. Removing the last worker leaves nothing to rebalance onto. Rows check
//! the users per class and on each remaining worker, as Locust does.

use crate::helpers::run;

/// Locust: `TestRemoveWorker.test_remove_worker_during_ramp_up`.
#[test]
fn remove_worker_during_ramp_up() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 3
        now   classes 1 1 1; workers 1=1 2=1 3=1
        wait  classes 2 2 2; workers 1=2 2=2 3=2
        rebalance no
        remove 2
        rebalance yes
        now   classes 2 2 2; workers 1=3 3=3
        rebalance no
        wait  classes 3 3 3; workers 1=5 3=4
        ");
}

/// Locust: `TestRemoveWorker.test_remove_two_workers_during_ramp_up`.
#[test]
fn remove_two_workers_during_ramp_up() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 3
        now   classes 1 1 1; workers 1=1 2=1 3=1
        wait  classes 2 2 2; workers 1=2 2=2 3=2
        rebalance no
        remove 2
        remove 3
        rebalance yes
        now   classes 2 2 2; workers 1=6
        rebalance no
        wait  classes 3 3 3; workers 1=9
        ");
}

/// Locust: `TestRemoveWorker.test_remove_worker_between_two_ramp_ups`.
#[test]
fn remove_worker_between_two_ramp_ups() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 3
        drain
        rebalance no
        remove 2
        rebalance yes
        dispatch 18 at 3
        rebalance yes
        now   classes 3 3 3; workers 1=5 3=4
        rebalance no
        now   classes 4 4 4; workers 1=6 3=6
        wait  classes 5 5 5; workers 1=8 3=7
        wait  classes 6 6 6; workers 1=9 3=9
        ");
}

/// Locust: `TestRemoveWorker.test_remove_two_workers_between_two_ramp_ups`.
#[test]
fn remove_two_workers_between_two_ramp_ups() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 3
        drain
        rebalance no
        remove 2
        remove 3
        rebalance yes
        dispatch 18 at 3
        rebalance yes
        now   classes 3 3 3; workers 1=9
        rebalance no
        now   classes 4 4 4; workers 1=12
        wait  classes 5 5 5; workers 1=15
        wait  classes 6 6 6; workers 1=18
        ");
}

/// Locust: `TestRemoveWorker.test_remove_worker_during_ramp_down`.
#[test]
fn remove_worker_during_ramp_down() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 18 at 3
        drain
        dispatch 9 at 3
        now   classes 5 5 5; workers 1=5 2=5 3=5
        wait  classes 4 4 4; workers 1=4 2=4 3=4
        rebalance no
        remove 2
        rebalance yes
        now   classes 4 4 4; workers 1=6 3=6
        rebalance no
        wait  classes 3 3 3; workers 1=5 3=4
        ");
}

/// Locust: `TestRemoveWorker.test_remove_two_workers_during_ramp_down`.
#[test]
fn remove_two_workers_during_ramp_down() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 18 at 3
        drain
        dispatch 9 at 3
        now   classes 5 5 5; workers 1=5 2=5 3=5
        wait  classes 4 4 4; workers 1=4 2=4 3=4
        rebalance no
        remove 2
        remove 3
        rebalance yes
        now   classes 4 4 4; workers 1=12
        rebalance no
        wait  classes 3 3 3; workers 1=9
        ");
}

/// Locust: `TestRemoveWorker.test_remove_last_worker`.
#[test]
fn remove_last_worker() {
    run("
        workers  1
        classes  User1 User2 User3
        dispatch 9 at 3
        -     classes 1 1 1; workers 1=3
        -     classes 2 2 2; workers 1=6
        rebalance no
        remove 1
        rebalance no
        ");
}

/// Locust: `TestRemoveWorker.test_remove_worker_during_ramp_up_with_fixed_user`.
#[test]
fn remove_worker_during_ramp_up_with_fixed_user() {
    run("
        workers  1 2 3
        classes  User1(fixed=2) User2 User3
        dispatch 9 at 3
        now   classes 2 1 0; workers 1=1 2=1 3=1
        wait  classes 2 2 2; workers 1=2 2=2 3=2
        rebalance no
        remove 2
        rebalance yes
        now   classes 2 2 2; workers 1=3 3=3
        rebalance no
        wait  classes 2 4 3; workers 1=5 3=4
        ");
}

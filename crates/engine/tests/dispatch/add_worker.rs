//! Port of Locust's `TestAddWorker`: workers joining during a ramp-up,
//! between two ramp-ups or during a ramp-down.
//!
//! Adding a worker marks a rebalance; the next step, which comes at once,
//! spreads the users already running over all workers, the new one included
//! (same users per class), and clears the mark, and the ramp then goes on.
//! Rows check the users per class and on each worker, as Locust does.

use crate::helpers::run;

/// Locust: `TestAddWorker.test_add_worker_during_ramp_up`.
#[test]
fn add_worker_during_ramp_up() {
    run("
        workers  hostname1_worker1 hostname2_worker1
        classes  User1 User2 User3
        dispatch 11 at 3
        now   classes 1 1 1; workers hostname1_worker1=2 hostname2_worker1=1
        wait  classes 2 2 2; workers hostname1_worker1=3 hostname2_worker1=3
        rebalance no
        add hostname1_worker2
        rebalance yes
        now   classes 2 2 2; workers hostname1_worker1=2 hostname1_worker2=2 hostname2_worker1=2
        rebalance no
        wait  classes 3 3 3; workers hostname1_worker1=3 hostname1_worker2=3 hostname2_worker1=3
        wait  classes 4 4 3; workers hostname1_worker1=4 hostname1_worker2=3 hostname2_worker1=4
        ");
}

/// Locust: `TestAddWorker.test_add_two_workers_during_ramp_up`.
#[test]
fn add_two_workers_during_ramp_up() {
    run("
        workers  1
        classes  User1 User2 User3
        dispatch 9 at 3
        now   classes 1 1 1; workers 1=3
        wait  classes 2 2 2; workers 1=6
        rebalance no
        add 2
        add 3
        rebalance yes
        now   classes 2 2 2; workers 1=2 2=2 3=2
        rebalance no
        wait  classes 3 3 3; workers 1=3 2=3 3=3
        ");
}

/// Locust: `TestAddWorker.test_add_worker_between_two_ramp_ups`.
#[test]
fn add_worker_between_two_ramp_ups() {
    run("
        workers  1 3
        classes  User1 User2 User3
        dispatch 9 at 3
        drain
        rebalance no
        add 2
        rebalance yes
        dispatch 18 at 3
        rebalance yes
        now   classes 3 3 3; workers 1=3 2=3 3=3
        rebalance no
        now   classes 4 4 4; workers 1=4 2=4 3=4
        wait  classes 5 5 5; workers 1=5 2=5 3=5
        wait  classes 6 6 6; workers 1=6 2=6 3=6
        ");
}

/// Locust: `TestAddWorker.test_add_two_workers_between_two_ramp_ups`.
#[test]
fn add_two_workers_between_two_ramp_ups() {
    run("
        workers  1
        classes  User1 User2 User3
        dispatch 9 at 3
        drain
        rebalance no
        add 2
        add 3
        rebalance yes
        dispatch 18 at 3
        rebalance yes
        now   classes 3 3 3; workers 1=3 2=3 3=3
        rebalance no
        now   classes 4 4 4; workers 1=4 2=4 3=4
        wait  classes 5 5 5; workers 1=5 2=5 3=5
        wait  classes 6 6 6; workers 1=6 2=6 3=6
        ");
}

/// Locust: `TestAddWorker.test_add_worker_during_ramp_down`.
#[test]
fn add_worker_during_ramp_down() {
    run("
        workers  1 3
        classes  User1 User2 User3
        dispatch 18 at 3
        drain
        dispatch 9 at 3
        now   classes 5 5 5; workers 1=8 3=7
        wait  classes 4 4 4; workers 1=6 3=6
        rebalance no
        add 2
        rebalance yes
        now   classes 4 4 4; workers 1=4 2=4 3=4
        rebalance no
        wait  classes 3 3 3; workers 1=3 2=3 3=3
        ");
}

/// Locust: `TestAddWorker.test_add_two_workers_during_ramp_down`.
#[test]
fn add_two_workers_during_ramp_down() {
    run("
        workers  1
        classes  User1 User2 User3
        dispatch 18 at 3
        drain
        dispatch 9 at 3
        now   classes 5 5 5; workers 1=15
        wait  classes 4 4 4; workers 1=12
        rebalance no
        add 2
        add 3
        rebalance yes
        now   classes 4 4 4; workers 1=4 2=4 3=4
        rebalance no
        wait  classes 3 3 3; workers 1=3 2=3 3=3
        ");
}

/// Locust: `TestAddWorker.test_add_worker_during_ramp_up_with_fixed_user`.
#[test]
fn add_worker_during_ramp_up_with_fixed_user() {
    run("
        workers  hostname1_worker1 hostname2_worker1
        classes  User1(fixed=2) User2 User3
        dispatch 11 at 3
        now   classes 2 1 0; workers hostname1_worker1=2 hostname2_worker1=1
        wait  classes 2 2 2; workers hostname1_worker1=3 hostname2_worker1=3
        rebalance no
        add hostname1_worker2
        rebalance yes
        now   classes 2 2 2; workers hostname1_worker1=2 hostname1_worker2=2 hostname2_worker1=2
        rebalance no
        wait  classes 2 4 3; workers hostname1_worker1=3 hostname1_worker2=3 hostname2_worker1=3
        wait  classes 2 5 4; workers hostname1_worker1=4 hostname1_worker2=3 hostname2_worker1=4
        ");
}

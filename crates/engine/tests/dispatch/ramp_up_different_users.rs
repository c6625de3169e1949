//! Port of Locust's `TestRampUpDifferentUsers`: a dispatch may name the only
//! classes to spawn (as a load-shape stage does), and the users already
//! running stay as they are.
//!
//! Users are added only to the named classes and removed only from them; a
//! named set stays in force until the next one. Workers leaving or joining
//! while the set is restricted rebalance as usual.

use crate::helpers::run;

/// Locust: `TestRampUpDifferentUsers.test_ramp_up_different_users_for_each_dispatch`.
#[test]
fn ramp_up_different_users_for_each_dispatch() {
    run("
        workers  1
        classes  User1 User2 User3
        dispatch 3 at 3
        -     1: 1 1 1
        dispatch 4 at 1 only User1
        -     1: 2 1 1
        dispatch 5 at 1 only User2
        -     1: 2 2 1
        dispatch 6 at 1 only User3
        -     1: 2 2 2
        ");
}

/// Locust: `TestRampUpDifferentUsers.test_ramp_up_only_one_kind_of_user`.
#[test]
fn ramp_up_only_one_kind_of_user() {
    run("
        workers  1
        classes  User1 User2 User3
        dispatch 10 at 10 only User2
        -     1: 0 10 0
        ");
}

/// Locust: `TestRampUpDifferentUsers.test_ramp_up_first_half_user1_second_half_user2`.
#[test]
fn ramp_up_first_half_user1_second_half_user2() {
    run("
        workers  1
        classes  User1 User2 User3
        dispatch 10 at 10 only User2
        -     1: 0 10 0
        dispatch 40 at 30 only User3
        -     1: 0 10 30
        ");
}

/// Locust: `TestRampUpDifferentUsers.test_ramp_up_first_one_user_then_all_classes`.
#[test]
fn ramp_up_first_one_user_then_all_classes() {
    run("
        workers  1
        classes  User1 User2 User3
        dispatch 10 at 10 only User2
        -     1: 0 10 0
        dispatch 40 at 30 only User1 User2 User3
        -     1: 10 20 10
        ");
}

/// Locust: `TestRampUpDifferentUsers.test_ramp_up_different_users_each_dispatch_multiple_worker`.
#[test]
fn ramp_up_different_users_each_dispatch_multiple_worker() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 9
        -     1: 3 0 0 | 2: 0 3 0 | 3: 0 0 3
        dispatch 12 at 3 only User3
        -     1: 3 0 1 | 2: 0 3 1 | 3: 0 0 4
        dispatch 15 at 3 only User2
        -     1: 3 1 1 | 2: 0 4 1 | 3: 0 1 4
        dispatch 18 at 3 only User1
        -     1: 4 1 1 | 2: 1 4 1 | 3: 1 1 4
        ");
}

/// Locust: `TestRampUpDifferentUsers.test_ramp_up_one_user_class_multiple_worker`.
#[test]
fn ramp_up_one_user_class_multiple_worker() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 60 at 60 only User2
        -     1: 0 20 0 | 2: 0 20 0 | 3: 0 20 0
        ");
}

/// Locust: `TestRampUpDifferentUsers.test_ramp_down_custom_user_classes_respect_weighting`.
#[test]
fn ramp_down_custom_user_classes_respect_weighting() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 20 at 20 only User3
        -     1: 0 0 7 | 2: 0 0 7 | 3: 0 0 6
        dispatch 9 at 20 only User3
        -     1: 0 0 3 | 2: 0 0 3 | 3: 0 0 3
        dispatch 3 at 20 only User1 User2 User3
        -     1: 0 0 1 | 2: 0 0 1 | 3: 0 0 1
        dispatch 21 at 21 only User1 User2 User3
        -     1: 0 6 1 | 2: 0 0 7 | 3: 6 0 1
        dispatch 9 at 20 only User1 User2 User3
        -     1: 0 2 1 | 2: 0 0 3 | 3: 2 0 1
        ");
}

/// Locust: `TestRampUpDifferentUsers.test_remove_worker_during_ramp_up_custom_classes`.
#[test]
fn remove_worker_during_ramp_up_custom_classes() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 3 only User2
        now   1: 0 1 0 | 2: 0 1 0 | 3: 0 1 0; classes 0 3 0; workers 1=1 2=1 3=1
        wait  classes 0 6 0; workers 1=2 2=2 3=2
        rebalance no
        remove 2
        rebalance yes
        now   1: 0 3 0 | 3: 0 3 0; classes 0 6 0; workers 1=3 3=3
        rebalance no
        wait  classes 0 9 0; workers 1=5 3=4
        dispatch 16 at 7 only User3
        -     1: 0 5 3 | 3: 0 4 4; classes 0 9 7; workers 1=8 3=8
        ");
}

/// Locust: `TestRampUpDifferentUsers.test_add_worker_during_ramp_up_custom_classes`.
#[test]
fn add_worker_during_ramp_up_custom_classes() {
    run("
        workers  1 3
        classes  User1 User2 User3
        dispatch 11 at 3 only User1
        now   classes 3 0 0; workers 1=2 3=1
        wait  classes 6 0 0; workers 1=3 3=3
        rebalance no
        add 2
        rebalance yes
        now   classes 6 0 0; workers 1=2 2=2 3=2
        rebalance no
        wait  classes  9 0 0; workers 1=3 2=3 3=3
        wait  classes 11 0 0; workers 1=4 2=4 3=3
        dispatch 18 at 7 only User3
        -     classes 11 0 7; workers 1=6 2=6 3=6
        ");
}

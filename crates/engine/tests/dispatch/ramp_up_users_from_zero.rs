//! Port of Locust's `TestRampUpUsersFromZero`: ramping from no users to a
//! target, step by step, with the whole map expected at every step.
//!
//! Nine users of three equally weighted classes go to three (or four) workers
//! at spawn rates from 0.5 to 9 users/s: a step adds `max(1, floor(rate))`
//! users, the first step comes at once and each later one after a pause, and
//! users of a class fill the workers in turn. The last three tests check that
//! workers on different hosts are served alternately and that integer and
//! float weights split the users in their exact ratio.

use crate::helpers::run;

/// Locust: `TestRampUpUsersFromZero.test_ramp_up_users_to_3_workers_with_spawn_rate_of_0_5`.
#[test]
fn ramp_up_users_to_3_workers_with_spawn_rate_of_0_5() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 0.5
        now   1: 1 0 0 | 2: 0 0 0 | 3: 0 0 0
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 0
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 3
        now   end
        ");
}

/// Locust: `TestRampUpUsersFromZero.test_ramp_up_users_to_3_workers_with_spawn_rate_of_1`.
#[test]
fn ramp_up_users_to_3_workers_with_spawn_rate_of_1() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 1
        now   1: 1 0 0 | 2: 0 0 0 | 3: 0 0 0
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 0
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 3
        now   end
        ");
}

/// Locust: `TestRampUpUsersFromZero.test_ramp_up_users_to_4_workers_with_spawn_rate_of_1`.
#[test]
fn ramp_up_users_to_4_workers_with_spawn_rate_of_1() {
    run("
        workers  1 2 3 4
        classes  User1 User2 User3
        dispatch 9 at 1
        now   1: 1 0 0 | 2: 0 0 0 | 3: 0 0 0 | 4: 0 0 0
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 0 | 4: 0 0 0
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1 | 4: 0 0 0
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1 | 4: 1 0 0
        wait  1: 1 1 0 | 2: 0 1 0 | 3: 0 0 1 | 4: 1 0 0
        wait  1: 1 1 0 | 2: 0 1 1 | 3: 0 0 1 | 4: 1 0 0
        wait  1: 1 1 0 | 2: 0 1 1 | 3: 1 0 1 | 4: 1 0 0
        wait  1: 1 1 0 | 2: 0 1 1 | 3: 1 0 1 | 4: 1 1 0
        wait  1: 1 1 1 | 2: 0 1 1 | 3: 1 0 1 | 4: 1 1 0
        now   end
        ");
}

/// Locust: `TestRampUpUsersFromZero.test_ramp_up_users_to_3_workers_with_spawn_rate_of_2`.
#[test]
fn ramp_up_users_to_3_workers_with_spawn_rate_of_2() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 2
        now   1: 1 0 0 | 2: 0 1 0 | 3: 0 0 0
        wait  1: 2 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 3
        now   end
        ");
}

/// Locust: `TestRampUpUsersFromZero.test_ramp_up_users_to_3_workers_with_spawn_rate_of_2_4`.
#[test]
fn ramp_up_users_to_3_workers_with_spawn_rate_of_2_4() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 2.4
        now   1: 1 0 0 | 2: 0 1 0 | 3: 0 0 0
        wait  1: 2 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 3
        now   end
        ");
}

/// Locust: `TestRampUpUsersFromZero.test_ramp_up_users_to_3_workers_with_spawn_rate_of_3`.
#[test]
fn ramp_up_users_to_3_workers_with_spawn_rate_of_3() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 3
        now   1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 3
        now   end
        ");
}

/// Locust: `TestRampUpUsersFromZero.test_ramp_up_users_to_3_workers_with_spawn_rate_of_4`.
#[test]
fn ramp_up_users_to_3_workers_with_spawn_rate_of_4() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 4
        now   1: 2 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 3 0 | 3: 0 0 3
        now   end
        ");
}

/// Locust: `TestRampUpUsersFromZero.test_ramp_up_users_to_3_workers_with_spawn_rate_of_9`.
#[test]
fn ramp_up_users_to_3_workers_with_spawn_rate_of_9() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 9
        now   1: 3 0 0 | 2: 0 3 0 | 3: 0 0 3
        now   end
        ");
}

/// Locust: `TestRampUpUsersFromZero.test_users_are_distributed_evenly_across_hosts`.
#[test]
fn users_are_distributed_evenly_across_hosts() {
    run(
        "
        workers  hostname1_worker1 hostname1_worker2 hostname2_worker1 hostname2_worker2
        classes  User1 User2 User3
        dispatch 6 at 2
        now   hostname1_worker1: 1 0 0 | hostname1_worker2: 0 0 0 | hostname2_worker1: 0 1 0 | hostname2_worker2: 0 0 0
        wait  hostname1_worker1: 1 0 0 | hostname1_worker2: 0 0 1 | hostname2_worker1: 0 1 0 | hostname2_worker2: 1 0 0
        -     hostname1_worker1: 1 1 0 | hostname1_worker2: 0 0 1 | hostname2_worker1: 0 1 1 | hostname2_worker2: 1 0 0
        now   end
        ",
    );
}

/// Locust: `TestRampUpUsersFromZero.test_implementation_of_dispatch_distribution_with_gcd`.
#[test]
fn implementation_of_dispatch_distribution_with_gcd() {
    run("
        workers  1
        classes  User1(weight=4) User2(weight=5)
        dispatch 9 at 9
        now   1: 4 5
        now   end
        ");
}

/// Locust: `TestRampUpUsersFromZero.test_implementation_of_dispatch_distribution_with_gcd_float_weight`.
#[test]
fn implementation_of_dispatch_distribution_with_gcd_float_weight() {
    run("
        workers  1
        classes  User1(weight=0.8) User2
        dispatch 18 at 18
        now   1: 8 10
        now   end
        ");
}

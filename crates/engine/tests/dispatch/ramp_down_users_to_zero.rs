//! Port of Locust's `TestRampDownUsersToZero`: from nine users on three (or
//! four) workers down to none, step by step, with the whole map expected at
//! every step.
//!
//! Each test first dispatches the nine users in one step, then ramps to zero
//! at a spawn rate from 0.5 to 9 users/s. Users leave in the reverse order of
//! their arrival (the last one spawned stops first), so the maps retrace the
//! ramp-up of `TestRampUpUsersFromZero` backwards; workers and classes stay
//! in the maps with count 0.

use crate::helpers::run;

/// Locust: `TestRampDownUsersToZero.test_ramp_down_users_to_3_workers_with_spawn_rate_of_0_5`.
#[test]
fn ramp_down_users_to_3_workers_with_spawn_rate_of_0_5() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 9
        drain
        dispatch 0 at 0.5
        now   1: 3 0 0 | 2: 0 3 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 0
        wait  1: 1 0 0 | 2: 0 0 0 | 3: 0 0 0
        wait  1: 0 0 0 | 2: 0 0 0 | 3: 0 0 0
        now   end
        ");
}

/// Locust: `TestRampDownUsersToZero.test_ramp_down_users_to_3_workers_with_spawn_rate_of_1`.
#[test]
fn ramp_down_users_to_3_workers_with_spawn_rate_of_1() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 9
        drain
        dispatch 0 at 1
        now   1: 3 0 0 | 2: 0 3 0 | 3: 0 0 2
        wait  1: 3 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 1
        wait  1: 2 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 0
        wait  1: 1 0 0 | 2: 0 0 0 | 3: 0 0 0
        wait  1: 0 0 0 | 2: 0 0 0 | 3: 0 0 0
        now   end
        ");
}

/// Locust: `TestRampDownUsersToZero.test_ramp_down_users_to_4_workers_with_spawn_rate_of_1`.
#[test]
fn ramp_down_users_to_4_workers_with_spawn_rate_of_1() {
    run("
        workers  1 2 3 4
        classes  User1 User2 User3
        dispatch 9 at 9
        drain
        dispatch 0 at 1
        now   1: 1 1 0 | 2: 0 1 1 | 3: 1 0 1 | 4: 1 1 0
        wait  1: 1 1 0 | 2: 0 1 1 | 3: 1 0 1 | 4: 1 0 0
        wait  1: 1 1 0 | 2: 0 1 1 | 3: 0 0 1 | 4: 1 0 0
        wait  1: 1 1 0 | 2: 0 1 0 | 3: 0 0 1 | 4: 1 0 0
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1 | 4: 1 0 0
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1 | 4: 0 0 0
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 0 | 4: 0 0 0
        wait  1: 1 0 0 | 2: 0 0 0 | 3: 0 0 0 | 4: 0 0 0
        wait  1: 0 0 0 | 2: 0 0 0 | 3: 0 0 0 | 4: 0 0 0
        now   end
        ");
}

/// Locust: `TestRampDownUsersToZero.test_ramp_down_users_to_3_workers_with_spawn_rate_of_2`.
#[test]
fn ramp_down_users_to_3_workers_with_spawn_rate_of_2() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 9
        drain
        dispatch 0 at 2
        now   1: 3 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 1
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 1 0 0 | 2: 0 0 0 | 3: 0 0 0
        wait  1: 0 0 0 | 2: 0 0 0 | 3: 0 0 0
        now   end
        ");
}

/// Locust: `TestRampDownUsersToZero.test_ramp_down_users_to_3_workers_with_spawn_rate_of_2_4`.
#[test]
fn ramp_down_users_to_3_workers_with_spawn_rate_of_2_4() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 9
        drain
        dispatch 0 at 2.4
        now   1: 3 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 2 0 0 | 2: 0 2 0 | 3: 0 0 1
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 1 0 0 | 2: 0 0 0 | 3: 0 0 0
        wait  1: 0 0 0 | 2: 0 0 0 | 3: 0 0 0
        now   end
        ");
}

/// Locust: `TestRampDownUsersToZero.test_ramp_down_users_to_3_workers_with_spawn_rate_of_3`.
#[test]
fn ramp_down_users_to_3_workers_with_spawn_rate_of_3() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 9
        drain
        dispatch 0 at 3
        now   1: 2 0 0 | 2: 0 2 0 | 3: 0 0 2
        wait  1: 1 0 0 | 2: 0 1 0 | 3: 0 0 1
        wait  1: 0 0 0 | 2: 0 0 0 | 3: 0 0 0
        now   end
        ");
}

/// Locust: `TestRampDownUsersToZero.test_ramp_down_users_to_3_workers_with_spawn_rate_of_4`.
#[test]
fn ramp_down_users_to_3_workers_with_spawn_rate_of_4() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 9
        drain
        dispatch 0 at 4
        now   1: 2 0 0 | 2: 0 2 0 | 3: 0 0 1
        wait  1: 1 0 0 | 2: 0 0 0 | 3: 0 0 0
        wait  1: 0 0 0 | 2: 0 0 0 | 3: 0 0 0
        now   end
        ");
}

/// Locust: `TestRampDownUsersToZero.test_ramp_down_users_to_3_workers_with_spawn_rate_of_9`.
#[test]
fn ramp_down_users_to_3_workers_with_spawn_rate_of_9() {
    run("
        workers  1 2 3
        classes  User1 User2 User3
        dispatch 9 at 9
        drain
        dispatch 0 at 9
        now   1: 0 0 0 | 2: 0 0 0 | 3: 0 0 0
        now   end
        ");
}

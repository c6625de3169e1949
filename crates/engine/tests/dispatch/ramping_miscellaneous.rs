//! Port of Locust's `TestRampingMiscellaneous`: a spawn rate above the number
//! of users to add or remove makes the whole change in one step.

use crate::helpers::run;

/// Locust: `TestRampingMiscellaneous.test_spawn_rate_greater_than_target_user_count`.
#[test]
fn spawn_rate_greater_than_target_user_count() {
    run("
        workers  1
        classes  User1
        dispatch 1 at 100
        -     1: 1
        dispatch 11 at 100
        -     1: 11
        dispatch 10 at 100
        -     1: 10
        dispatch 0 at 100
        -     1: 0
        ");
}

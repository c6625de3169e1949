//! Port of Locust's `TestDispatchUsersToWorkersHavingTheSameUsersAsTheTarget`:
//! a dispatch to the count the workers already run is one step, at once, that
//! repeats the current map, whatever the spawn rate.

use crate::helpers::run;

/// Locust: `TestDispatchUsersToWorkersHavingTheSameUsersAsTheTarget.test_dispatch_users_to_3_workers`.
#[test]
fn dispatch_users_to_3_workers_having_the_same_users_as_the_target() {
    for spawn_rate in [0.15, 0.5, 1.0, 2.0, 2.4, 3.0, 4.0, 9.0] {
        run(&format!(
            "
            workers  1 2 3
            classes  User1 User2 User3
            dispatch 9 at 9
            drain
            dispatch 9 at {spawn_rate}
            now   1: 3 0 0 | 2: 0 3 0 | 3: 0 0 3
            now   end
            "
        ));
    }
}

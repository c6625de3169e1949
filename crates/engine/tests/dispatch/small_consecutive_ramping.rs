//! Port of Locust's `TestSmallConsecutiveRamping`: one user more, or one
//! fewer, per dispatch on two workers, from 0 to 4 users and back to 0.
//!
//! Each dispatch is one step; a row checks the users per class and on each
//! worker, as Locust does.

use crate::helpers::run;

/// Locust: `TestSmallConsecutiveRamping.test_consecutive_ramp_up_and_ramp_down`.
#[test]
fn consecutive_ramp_up_and_ramp_down() {
    run("
        workers  1 2
        classes  User1 User2
        dispatch 1 at 1
        -     classes 1 0; workers 1=1 2=0
        dispatch 2 at 1
        -     classes 1 1; workers 1=1 2=1
        dispatch 3 at 1
        -     classes 2 1; workers 1=2 2=1
        dispatch 4 at 1
        -     classes 2 2; workers 1=2 2=2
        dispatch 3 at 1
        -     classes 2 1; workers 1=2 2=1
        dispatch 2 at 1
        -     classes 1 1; workers 1=1 2=1
        dispatch 1 at 1
        -     classes 1 0; workers 1=1 2=0
        dispatch 0 at 1
        -     classes 0 0; workers 1=0 2=0
        ");
}

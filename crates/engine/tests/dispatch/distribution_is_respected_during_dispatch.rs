//! Port of Locust's `TestDistributionIsRespectedDuringDispatch`: while 75
//! users of weights 1 and 2 ramp up on four workers at 5 users/s, every step
//! keeps both the 1:2 ratio of the classes (as closely as whole users allow)
//! and the balance of the workers.
//!
//! Each row of the table checks the users per class over all workers, then
//! the whole map.

use crate::helpers::run;

/// Locust: `TestDistributionIsRespectedDuringDispatch.test_dispatch_75_users_to_4_workers_with_spawn_rate_of_5`.
#[test]
fn dispatch_75_users_to_4_workers_with_spawn_rate_of_5() {
    run("
        workers  1 2 3 4
        classes  User1 User2(weight=2)
        dispatch 75 at 5
        -     classes  2  3; 1: 1  1 | 2: 1  0 | 3: 0  1 | 4: 0  1
        -     classes  3  7; 1: 1  2 | 2: 1  2 | 3: 0  2 | 4: 1  1
        -     classes  5 10; 1: 1  3 | 2: 2  2 | 3: 1  3 | 4: 1  2
        -     classes  7 13; 1: 2  3 | 2: 2  3 | 3: 1  4 | 4: 2  3
        -     classes  8 17; 1: 2  5 | 2: 2  4 | 3: 2  4 | 4: 2  4
        -     classes 10 20; 1: 3  5 | 2: 3  5 | 3: 2  5 | 4: 2  5
        -     classes 12 23; 1: 3  6 | 2: 3  6 | 3: 3  6 | 4: 3  5
        -     classes 13 27; 1: 3  7 | 2: 4  6 | 3: 3  7 | 4: 3  7
        -     classes 15 30; 1: 4  8 | 2: 4  7 | 3: 3  8 | 4: 4  7
        -     classes 17 33; 1: 4  9 | 2: 5  8 | 3: 4  8 | 4: 4  8
        -     classes 18 37; 1: 5  9 | 2: 5  9 | 3: 4 10 | 4: 4  9
        -     classes 20 40; 1: 5 10 | 2: 5 10 | 3: 5 10 | 4: 5 10
        -     classes 22 43; 1: 6 11 | 2: 6 10 | 3: 5 11 | 4: 5 11
        -     classes 23 47; 1: 6 12 | 2: 6 12 | 3: 5 12 | 4: 6 11
        -     classes 25 50; 1: 6 13 | 2: 7 12 | 3: 6 13 | 4: 6 12
        -     end
        ");
}

//! Port of Locust's `TestWaitBetweenDispatch`: the pause between two steps.
//!
//! A step adds `max(1, floor(rate))` users, so the pause between steps is that
//! count divided by the spawn rate: 2 s at 0.5 users/s, 1 s at any integer
//! rate, 2/2.4 s at 2.4 users/s. The cases are a table of (rate, pause).

use std::time::Duration;

use locusta_engine::dispatch::UsersDispatcher;

use crate::helpers::{cls, ids};

/// Locust: `TestWaitBetweenDispatch.test_wait_between_dispatch`.
#[test]
fn wait_between_dispatch() {
    for (spawn_rate, expected) in [
        (0.5, 1.0 / 0.5),
        (1.0, 1.0),
        (2.0, 1.0),
        (2.4, 2.0 / 2.4),
        (4.0, 1.0),
        (9.0, 1.0),
    ] {
        let mut d = UsersDispatcher::new(&ids(&["1"]), vec![cls("User1", 1.0, 0)]);
        d.new_dispatch(0, spawn_rate, None);
        assert_eq!(
            d.step_delay(),
            Duration::from_secs_f64(expected),
            "spawn rate {spawn_rate}"
        );
    }
}

//! Port of Locust's `TestFloatWeithts` (sic): weights only matter as ratios,
//! so multiplying every weight by any factor, integer or not, yields the very
//! same steps.

use locusta_engine::dispatch::UsersDispatcher;

use crate::helpers::{cls, drain, ids};

/// Locust: `TestFloatWeithts.test_float_weights`: scaling all weights by
/// any factor yields the same steps.
#[test]
fn float_weights() {
    let run = |ratio: f64| {
        let classes = vec![
            cls("User1", ratio, 0),
            cls("User2", 2.0 * ratio, 0),
            cls("User3", 3.0 * ratio, 0),
        ];
        let mut d = UsersDispatcher::new(&ids(&["1", "2", "3"]), classes);
        d.new_dispatch(9, 0.5, None);
        drain(&mut d)
    };
    let reference = run(1.0);
    assert_eq!(reference.len(), 9);
    for ratio in [
        10.0,
        2.5,
        0.3,
        1.0 / 23.0,
        std::f64::consts::E,
        std::f64::consts::PI,
    ] {
        assert_eq!(run(ratio), reference, "ratio {ratio}");
    }
}

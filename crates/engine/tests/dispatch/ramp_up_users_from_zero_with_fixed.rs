//! Port of Locust's `TestRampUpUsersFromZeroWithFixed`: classes with a
//! `fixed_count` get exactly that many users, before any weighted class gets
//! one, and keep them through later ramps.
//!
//! Locust's `case_handler` becomes [`ramp_up_with_fixed`], called once per
//! case of its tables; the ramps down and up again are scenario tables or,
//! for Locust's large matrix, loops over the class counts seen after each
//! ramp.

use locusta_engine::class_descriptor::ClassDescriptor;
use locusta_engine::dispatch::UsersDispatcher;

use crate::helpers::{cls, counts, drain, ids, run};

/// One case of Locust's `TestRampUpUsersFromZeroWithFixed.case_handler`: the
/// first classes get the fixed counts, the others the weights; one worker
/// ramps at 0.5 users/s to `target`, and the final map must be `expected`.
fn ramp_up_with_fixed(fixed_counts: &[u64], weights: &[f64], target: u64, expected: &str) {
    let classes: Vec<ClassDescriptor> = fixed_counts
        .iter()
        .map(|&f| (1.0, f))
        .chain(weights.iter().map(|&w| (w, 0)))
        .enumerate()
        .map(|(i, (w, f))| cls(&format!("User{}", i + 1), w, f))
        .collect();
    let mut d = UsersDispatcher::new(&ids(&["1"]), classes);
    d.new_dispatch(target, 0.5, None);
    let steps = drain(&mut d);
    assert_eq!(
        steps.last().unwrap()["1"],
        counts(expected),
        "fixed {fixed_counts:?} weights {weights:?} target {target}"
    );
}

/// Locust: `TestRampUpUsersFromZeroWithFixed.test_ramp_up_2_weigted_user_with_1_fixed_user`.
#[test]
fn ramp_up_2_weighted_user_with_1_fixed_user() {
    let w = [1.0, 1.0];
    ramp_up_with_fixed(&[1], &w, 3, "User1=1 User2=1 User3=1");
    ramp_up_with_fixed(&[1], &w, 9, "User1=1 User2=4 User3=4");
    ramp_up_with_fixed(&[8], &w, 10, "User1=8 User2=1 User3=1");
    ramp_up_with_fixed(&[2], &w, 1000, "User1=2 User2=499 User3=499");
    ramp_up_with_fixed(&[100], &w, 1000, "User1=100 User2=450 User3=450");
    ramp_up_with_fixed(&[960], &w, 1000, "User1=960 User2=20 User3=20");
    ramp_up_with_fixed(&[9990], &w, 10000, "User1=9990 User2=5 User3=5");
    ramp_up_with_fixed(&[100], &w, 100, "User1=100 User2=0 User3=0");
}

/// Locust: `TestRampUpUsersFromZeroWithFixed.test_ramp_up_various_count_weigted_and_fixed_users`.
#[test]
fn ramp_up_various_count_weighted_and_fixed_users() {
    ramp_up_with_fixed(&[], &[1.0; 5], 5, "User1=1 User2=1 User3=1 User4=1 User5=1");
    ramp_up_with_fixed(
        &[1, 1],
        &[1.0; 3],
        5,
        "User1=1 User2=1 User3=1 User4=1 User5=1",
    );
    ramp_up_with_fixed(
        &[5, 2],
        &[1.0; 3],
        10,
        "User1=5 User2=2 User3=1 User4=1 User5=1",
    );
    ramp_up_with_fixed(
        &[9, 1],
        &[5.0, 3.0, 2.0],
        20,
        "User1=9 User2=1 User3=5 User4=3 User5=2",
    );
    ramp_up_with_fixed(
        &[996],
        &[1.0; 4],
        1000,
        "User1=996 User2=1 User3=1 User4=1 User5=1",
    );
    ramp_up_with_fixed(
        &[500],
        &[2.0, 1.0, 1.0, 1.0],
        1000,
        "User1=500 User2=200 User3=100 User4=100 User5=100",
    );
    ramp_up_with_fixed(
        &[250, 250],
        &[3.0, 1.0, 1.0],
        1000,
        "User1=250 User2=250 User3=300 User4=100 User5=100",
    );
    ramp_up_with_fixed(
        &[1, 1, 1, 1],
        &[100.0],
        1000,
        "User1=1 User2=1 User3=1 User4=1 User5=996",
    );
}

/// Locust: `TestRampUpUsersFromZeroWithFixed.test_ramp_up_only_fixed_users`.
#[test]
fn ramp_up_only_fixed_users() {
    ramp_up_with_fixed(
        &[1, 1, 1, 1, 1],
        &[],
        5,
        "User1=1 User2=1 User3=1 User4=1 User5=1",
    );
    ramp_up_with_fixed(
        &[13, 26, 39, 52, 1],
        &[],
        131,
        "User1=13 User2=26 User3=39 User4=52 User5=1",
    );
    ramp_up_with_fixed(
        &[10; 5],
        &[],
        100,
        "User1=10 User2=10 User3=10 User4=10 User5=10",
    );
    ramp_up_with_fixed(
        &[10; 5],
        &[],
        50,
        "User1=10 User2=10 User3=10 User4=10 User5=10",
    );
}

/// Locust: `TestRampUpUsersFromZeroWithFixed.test_ramp_up_partially_ramp_down_and_rump_up_to_target`.
#[test]
fn ramp_up_partially_ramp_down_and_rump_up_to_target() {
    run("
        workers  1
        classes  User1(fixed=50) User2(fixed=50)
        dispatch 30 at 0.5
        drain    1: 15 15
        dispatch 20 at 0.5
        drain    1: 10 10
        dispatch 100 at 0.5
        drain    1: 50 50
        ");
}

/// Locust: `TestRampUpUsersFromZeroWithFixed.test_ramp_up_ramp_down_and_ramp_up_again_single_fixed_class`.
#[test]
fn ramp_up_ramp_down_and_ramp_up_again_single_fixed_class() {
    run("
        workers  1
        classes  User1(fixed=2) User3(weight=3) User2
        dispatch 5 at 1
        drain    1: 2 1 2
        dispatch 2 at 1
        drain    1: 2 0 0
        dispatch 7 at 1
        drain    1: 2 1 4
        ");
}

/// Locust: `TestRampUpUsersFromZeroWithFixed.test_ramp_up_ramp_down_and_ramp_up_again`.
#[test]
fn ramp_up_ramp_down_and_ramp_up_again_with_fixed() {
    for fixed_counts in [
        [100, 100, 50, 50, 200],
        [100, 150, 50, 50, 0],
        [200, 100, 50, 0, 0],
        [200, 100, 0, 0, 0],
        [200, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
    ] {
        let classes: Vec<ClassDescriptor> = fixed_counts
            .iter()
            .enumerate()
            .map(|(i, &f)| cls(&format!("User{}", i + 1), 1.0, f))
            .collect();
        let sum: u64 = fixed_counts.iter().sum();
        let target_user_counts = [sum, sum + 100];
        let down_counts = [0, fixed_counts.iter().min().unwrap().saturating_sub(1)];
        for worker_count in [3, 5, 9] {
            let workers: Vec<String> = (1..=worker_count).map(|i| i.to_string()).collect();
            let mut d = UsersDispatcher::new(&workers, classes.clone());
            let fixed = || classes.iter().filter(|c| c.fixed_count > 0);
            for down_to_count in down_counts {
                for target in target_user_counts {
                    d.new_dispatch(target, 1.0, None);
                    drain(&mut d);
                    for class in fixed() {
                        assert_eq!(
                            d.class_user_count(&class.name),
                            class.fixed_count,
                            "{} at {target}",
                            class.name
                        );
                    }
                    d.new_dispatch(down_to_count, 1.0, None);
                    drain(&mut d);
                    for class in fixed() {
                        assert_ne!(d.class_user_count(&class.name), class.fixed_count);
                    }
                    d.new_dispatch(target, 1.0, None);
                    drain(&mut d);
                    for class in fixed() {
                        assert_eq!(d.class_user_count(&class.name), class.fixed_count);
                    }
                }
            }
        }
    }
}

//! Port of Locust's `TestLargeScale`: 50 classes, up to 10,000 workers and
//! 1,000,000 users, as sets of weighted, fixed-count and mixed classes.
//!
//! No step is written out here: the checks are properties of every step.
//! The workers stay balanced (at most one user apart) and each weighted class
//! stays within a tolerance of its share (15 % while ramping, 0.5 % at the
//! end of a ramp-up), and a ramp at 5000 users/s takes 20 steps.

use locusta_engine::class_descriptor::ClassDescriptor;
use locusta_engine::dispatch::{Dispatch, UsersDispatcher};

use crate::helpers::{aggregate, cls, drain, user_count};

/// Class sets of Locust's `TestLargeScale`.
fn large_scale_classes() -> [Vec<ClassDescriptor>; 4] {
    #[rustfmt::skip]
    let weights = [
        5, 55, 37, 2, 97, 41, 33, 19, 19, 34, 78, 76, 28, 62, 69, 5, 55, 37, 2, 97, 41, 33, 19, 19, 34,
        78, 76, 28, 62, 69, 41, 33, 19, 19, 34, 78, 76, 28, 62, 69, 41, 33, 19, 19, 34, 78, 76, 28, 62, 69,
    ];
    let weighted: Vec<ClassDescriptor> = weights
        .iter()
        .enumerate()
        .map(|(i, &w)| cls(&format!("User{i}"), f64::from(w), 0))
        .collect();
    let fixed_10k: Vec<ClassDescriptor> = (0..50)
        .map(|i| cls(&format!("FixedUser10k{i}"), 1.0, 2000))
        .collect();
    let fixed_1m: Vec<ClassDescriptor> = (0..50)
        .map(|i| cls(&format!("FixedUser1M{i}"), 1.0, 20000))
        .collect();
    let mixed: Vec<ClassDescriptor> = weighted[..25]
        .iter()
        .chain(&fixed_10k[25..])
        .cloned()
        .collect();
    [weighted, fixed_1m, fixed_10k, mixed]
}

/// Every worker holds the same number of users, give or take one.
fn assert_balanced(d: &Dispatch) {
    let per_worker: Vec<u64> = d.values().map(|c| c.values().sum()).collect();
    let spread = per_worker.iter().max().unwrap() - per_worker.iter().min().unwrap();
    assert!(spread <= 1, "workers unbalanced at {} users", user_count(d));
}

/// Each weighted class is at most `tol` percent over its target share.
fn assert_weights_respected(d: &Dispatch, classes: &[ClassDescriptor], tol: f64) {
    let weighted: Vec<&ClassDescriptor> = classes.iter().filter(|c| c.fixed_count == 0).collect();
    let total_weight: f64 = weighted.iter().map(|c| c.weight).sum();
    let aggregated = aggregate(d);
    let users = user_count(d);
    for class in weighted {
        let target = class.weight / total_weight;
        let relative = aggregated[&class.name] as f64 / users as f64;
        let error_percent = 100.0 * (relative - target) / target;
        assert!(
            error_percent <= tol,
            "{} off by {error_percent}% at {users} users",
            class.name
        );
    }
}

/// Locust: `TestLargeScale.test_distribute_users` (the from-scratch
/// distribution a rebalance performs, here reached through `add_worker`).
#[test]
fn large_scale_distribute_users() {
    let [weighted, fixed_1m, _, mixed] = large_scale_classes();
    for classes in [weighted, fixed_1m, mixed] {
        let workers: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
        let mut d = UsersDispatcher::new(&workers[1..], classes);
        d.new_dispatch(1_000_000, 1_000_000.0, None);
        assert_eq!(user_count(&drain(&mut d).pop().unwrap()), 1_000_000);
        d.add_worker(&workers[0]);
        d.new_dispatch(1_000_000, 1_000_000.0, None);
        let rebalanced = d.next_step().unwrap();
        assert_eq!(rebalanced.len(), 10_000);
        assert_eq!(user_count(&rebalanced), 1_000_000);
        assert_balanced(&rebalanced);
        assert_eq!(d.next_step(), None);
    }
}

/// Locust: `TestLargeScale.test_ramp_up_from_0_to_100_000_users_with_50_user_classes_and_1000_workers_and_5000_spawn_rate`.
#[test]
fn large_scale_ramp_up_from_0_to_100_000_users() {
    for classes in large_scale_classes() {
        let workers: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
        let mut d = UsersDispatcher::new(&workers, classes.clone());
        d.new_dispatch(100_000, 5000.0, None);
        let steps = drain(&mut d);
        assert_eq!(steps.len(), 20);
        assert_eq!(user_count(steps.last().unwrap()), 100_000);
        for (i, step) in steps.iter().enumerate() {
            assert_balanced(step);
            let tol = if i == steps.len() - 1 { 0.5 } else { 15.0 };
            assert_weights_respected(step, &classes, tol);
        }
    }
}

/// Locust: `TestLargeScale.test_ramp_down_from_100_000_to_0_users_with_50_user_classes_and_1000_workers_and_5000_spawn_rate`.
#[test]
fn large_scale_ramp_down_from_100_000_to_0_users() {
    for classes in large_scale_classes() {
        let workers: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
        let mut d = UsersDispatcher::new(&workers, classes.clone());
        d.new_dispatch(100_000, 100_000.0, None);
        drain(&mut d);
        d.new_dispatch(0, 5000.0, None);
        let steps = drain(&mut d);
        assert_eq!(steps.len(), 20);
        assert_eq!(user_count(steps.last().unwrap()), 0);
        for step in &steps[..steps.len() - 1] {
            assert_balanced(step);
            assert_weights_respected(step, &classes, 15.0);
        }
    }
}

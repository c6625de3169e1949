//! Behaviour of the dispatcher that Locust's test file leaves implicit but
//! Locust has, and that locusta relies on: the order of the classes in a
//! ramp (Locust's KL-divergence sequence, fixed classes first, names sorted),
//! the order in which workers are filled (hosts alternate), how users are
//! paced and removed, and how restricted classes, rebalances and the last
//! worker behave.

use std::collections::BTreeMap;
use std::time::Duration;

use locusta_engine::class_descriptor::ClassDescriptor;
use locusta_engine::dispatch::UsersDispatcher;

use crate::helpers::{
    assert_no_wait, assert_step_wait, cls, dmap, drain, ids, on_worker, run, user_count,
};

/// Classes of the users added one at a time on a single worker.
fn class_sequence(classes: Vec<ClassDescriptor>, n: u64) -> String {
    let mut d = UsersDispatcher::new(&ids(&["local"]), classes);
    d.new_dispatch(n, 1.0, None);
    let mut previous = BTreeMap::new();
    let mut sequence = String::new();
    for step in drain(&mut d) {
        let now = step["local"].clone();
        let added = now
            .iter()
            .find(|(class, n)| previous.get(*class).copied().unwrap_or(0) < **n)
            .unwrap();
        sequence.push_str(added.0);
        previous = now;
    }
    sequence
}

/// Locust's docstring claims `AAABAAAAABAA`, but its generator (and so
/// Locust itself) yields `AABAAAAABAAA`.
#[test]
fn kl_sequence_for_weights_5_and_1() {
    let classes = vec![
        ClassDescriptor::weighted("A", 5.0),
        ClassDescriptor::weighted("B", 1.0),
    ];
    let sequence = class_sequence(classes, 12);
    assert_eq!(sequence, "AABAAAAABAAA");
}

#[test]
fn fixed_users_come_first_then_weighted_sequence() {
    let classes = vec![
        cls("A", 5.0, 0),
        cls("B", 1.0, 0),
        ClassDescriptor::fixed("F", 2),
    ];
    let sequence = class_sequence(classes, 8);
    assert_eq!(sequence, "FFAABAAA");
}

#[test]
fn classes_are_sorted_by_name() {
    let sequence = class_sequence(
        vec![cls("C", 1.0, 0), cls("A", 1.0, 0), cls("B", 1.0, 0)],
        6,
    );
    assert_eq!(sequence, "ABCABC");
}

#[test]
fn zero_weight_class_is_never_spawned() {
    let sequence = class_sequence(vec![cls("A", 1.0, 0), cls("B", 0.0, 0)], 3);
    assert_eq!(sequence, "AAA");
}

#[test]
fn workers_alternate_hosts() {
    let workers = ids(&["b_2", "a_2", "b_1", "a_1", "c"]);
    let mut d = UsersDispatcher::new(&workers, vec![cls("U", 1.0, 0)]);
    let mut order = Vec::new();
    for n in 1..=5 {
        d.new_dispatch(n, 1.0, None);
        let step = drain(&mut d).pop().unwrap();
        let grown = step
            .iter()
            .find(|(id, _)| !order.contains(*id) && on_worker(&step, id) == 1)
            .unwrap();
        order.push(grown.0.clone());
    }
    assert_eq!(order, ids(&["a_1", "b_1", "c", "a_2", "b_2"]));
}

#[test]
fn pacing_bursts_users_per_step() {
    let mut d = UsersDispatcher::new(&ids(&["local"]), vec![cls("U", 1.0, 0)]);
    d.new_dispatch(5, 2.5, None);
    assert_eq!(d.step_delay(), Duration::from_secs_f64(2.0 / 2.5));
    assert_no_wait(&d);
    let totals: Vec<u64> = std::iter::from_fn(|| d.next_step())
        .map(|s| user_count(&s))
        .collect();
    assert_eq!(totals, [2, 4, 5]);
}

#[test]
fn dispatch_in_progress_spans_the_cycle() {
    let mut d = UsersDispatcher::new(&ids(&["local"]), vec![cls("U", 1.0, 0)]);
    assert!(!d.dispatch_in_progress());
    d.new_dispatch(2, 1.0, None);
    assert!(!d.dispatch_in_progress());
    d.next_step().unwrap();
    assert!(d.dispatch_in_progress());
    assert_step_wait(&d);
    d.next_step().unwrap();
    assert!(d.dispatch_in_progress());
    assert_no_wait(&d);
    assert_eq!(d.next_step(), None);
    assert!(!d.dispatch_in_progress());
    assert_eq!(d.next_step(), None);
}

#[test]
fn ramp_down_is_lifo_and_yields_zero_entries() {
    let mut d = UsersDispatcher::new(&ids(&["1", "2"]), vec![cls("A", 1.0, 0), cls("B", 1.0, 0)]);
    d.new_dispatch(4, 4.0, None);
    assert_eq!(
        drain(&mut d).pop().unwrap(),
        dmap("1: A=2 B=0 | 2: A=0 B=2")
    );
    d.new_dispatch(0, 1.0, None);
    let steps = drain(&mut d);
    assert_eq!(
        steps,
        [
            dmap("1: A=2 B=0 | 2: A=0 B=1"),
            dmap("1: A=1 B=0 | 2: A=0 B=1"),
            dmap("1: A=1 B=0 | 2: A=0 B=0"),
            dmap("1: A=0 B=0 | 2: A=0 B=0"),
        ]
    );
}

#[test]
fn fixed_counts_above_target_share_slots_by_missing_counts() {
    run("
        workers  local
        classes  A(fixed=30) B(fixed=10) C
        dispatch 8 at 8
        drain    local: 6 2 0
        ");
}

#[test]
fn all_fixed_classes_stop_at_the_sum_of_fixed_counts() {
    let mut d = UsersDispatcher::new(&ids(&["local"]), vec![cls("A", 1.0, 2), cls("B", 1.0, 1)]);
    d.new_dispatch(10, 1.0, None);
    let steps = drain(&mut d);
    assert_eq!(steps.len(), 4);
    assert_eq!(steps[2], dmap("local: A=2 B=1"));
    assert_eq!(steps[3], dmap("local: A=2 B=1"));
    assert!(!d.dispatch_in_progress());
}

#[test]
fn rebalance_between_cycles_is_yielded_first() {
    run("
        workers  1
        classes  U
        dispatch 4 at 4
        drain
        add 2
        rebalance yes
        dispatch 4 at 4
        now   1: 2 | 2: 2
        rebalance no
        -     end
        ");
}

#[test]
fn removing_the_last_worker_keeps_the_current_map() {
    let mut d = UsersDispatcher::new(&ids(&["1"]), vec![cls("U", 1.0, 0)]);
    d.new_dispatch(2, 2.0, None);
    drain(&mut d);
    d.remove_worker("1");
    assert!(!d.rebalance_pending());
    assert_eq!(d.current_user_count(), 2);
}

#[test]
fn restricted_classes_persist_until_changed_and_unknown_names_are_ignored() {
    run("
        workers  1
        classes  A B
        dispatch 2 at 2 only B Nope
        drain    1: 0 2
        dispatch 4 at 2
        drain    1: 0 4
        dispatch 6 at 2 only A B
        drain    1: 1 5
        ");
}

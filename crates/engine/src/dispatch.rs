//! User dispatch: which worker runs how many users of which class.
//!
//! A deterministic port of Locust's `UsersDispatcher` (`locust/dispatch.py`).
//! A dispatch cycle ramps the user count from its current value to a target,
//! in steps of `max(1, floor(spawn_rate))` users; every step is the full,
//! absolute map `{worker id: {class name: count}}`. The dispatcher never
//! sleeps: the caller waits [`UsersDispatcher::delay_before_next`] (minus its
//! own compute time) before asking for the next step. Classes are the
//! engine's [`ClassDescriptor`]s; the dispatcher reads their name, weight
//! and fixed count.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::Duration;

use crate::class_descriptor::ClassDescriptor;

/// {worker id: {class name: count}} — BTreeMap so iteration order is stable.
pub type Dispatch = BTreeMap<String, BTreeMap<String, u64>>;

/// One class in the KL-divergence heap; classes are referred to by their
/// index in the name-sorted class list, so index order is name order.
#[derive(Clone, Debug)]
struct KlEntry {
    /// How much picking the class again changes the divergence: `w·log2(x/(x+1))`.
    key: f64,
    /// Initial weight plus the number of picks so far, plus one.
    next_x: f64,
    weight: f64,
    class: usize,
}

impl KlEntry {
    /// Python-style tuple comparison on (key, next_x, weight, name).
    fn tuple_cmp(&self, other: &Self) -> Ordering {
        let float = |a: f64, b: f64| a.partial_cmp(&b).unwrap_or(Ordering::Equal);
        float(self.key, other.key)
            .then_with(|| float(self.next_x, other.next_x))
            .then_with(|| float(self.weight, other.weight))
            .then_with(|| self.class.cmp(&other.class))
    }
}

impl PartialEq for KlEntry {
    fn eq(&self, other: &Self) -> bool {
        self.tuple_cmp(other) == Ordering::Equal
    }
}

impl Eq for KlEntry {}

impl PartialOrd for KlEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for KlEntry {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the smallest tuple.
    fn cmp(&self, other: &Self) -> Ordering {
        other.tuple_cmp(self)
    }
}

/// Smooth weighted sequence based on Kullback-Leibler divergence: weights
/// A=5, B=1 give `AABAAAAABAAA…`. Entries with a non-positive weight are
/// dropped; with nothing left it yields `None` forever.
#[derive(Clone, Debug, Default)]
struct KlGenerator {
    heap: BinaryHeap<KlEntry>,
}

impl KlGenerator {
    fn new(items: impl IntoIterator<Item = (usize, f64)>) -> Self {
        let heap = items
            .into_iter()
            .filter(|&(_, w)| w > 0.0)
            .map(|(class, w)| KlEntry {
                key: w * (w / (w + 1.0)).log2(),
                next_x: w + 1.0,
                weight: w,
                class,
            })
            .collect();
        Self { heap }
    }

    fn next_class(&mut self) -> Option<usize> {
        let mut top = self.heap.peek_mut()?;
        let x = top.next_x;
        top.key = top.weight * (x / (x + 1.0)).log2();
        top.next_x = x + 1.0;
        Some(top.class)
    }
}

/// Locust's `_user_gen`: missing fixed-count users first (when asked to
/// look for them), then the weighted sequence.
#[derive(Clone, Debug)]
struct UserGenerator {
    weighted: KlGenerator,
    fixed: KlGenerator,
    /// Fixed users still to be produced from `fixed`.
    fixed_left: u64,
}

impl UserGenerator {
    /// A generator over the `active` classes (indices into `classes`).
    fn new(classes: &[ClassDescriptor], active: &[usize]) -> Self {
        let weighted = active
            .iter()
            .filter(|&&c| classes[c].fixed_count == 0)
            .map(|&c| (c, classes[c].weight));
        Self {
            weighted: KlGenerator::new(weighted),
            fixed: KlGenerator::default(),
            fixed_left: 0,
        }
    }

    /// The next class to spawn, or `None` when there is nothing to spawn.
    /// `try_fixed` is cleared once the missing fixed users have been counted
    /// against `placement`.
    fn next_user(
        &mut self,
        try_fixed: &mut bool,
        classes: &[ClassDescriptor],
        active: &[usize],
        placement: &Placement,
    ) -> Option<usize> {
        if self.fixed_left == 0 && *try_fixed {
            *try_fixed = false;
            let missing: Vec<(usize, u64)> = active
                .iter()
                .filter(|&&c| classes[c].fixed_count > 0)
                .filter_map(|&c| {
                    let miss = classes[c]
                        .fixed_count
                        .saturating_sub(placement.class_count(c));
                    (miss > 0).then_some((c, miss))
                })
                .collect();
            self.fixed_left = missing.iter().map(|&(_, m)| m).sum();
            self.fixed = KlGenerator::new(missing.into_iter().map(|(c, m)| (c, m as f64)));
        }
        if self.fixed_left > 0 {
            self.fixed_left -= 1;
            return self.fixed.next_class();
        }
        self.weighted.next_class()
    }
}

/// Users per worker and class (Locust's `users_on_workers`). Its workers,
/// in dispatch order, are also the round-robin cycle users are placed on.
#[derive(Clone, Debug)]
struct Placement {
    workers: Vec<String>,
    /// `counts[worker][class]`, classes indexed as in the full class list.
    counts: Vec<Vec<u64>>,
}

impl Placement {
    fn empty(workers: &[String], class_count: usize) -> Self {
        Self {
            workers: workers.to_vec(),
            counts: vec![vec![0; class_count]; workers.len()],
        }
    }

    fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    fn class_count(&self, class: usize) -> u64 {
        self.counts.iter().map(|c| c[class]).sum()
    }

    /// The public map, with a zero entry for every class of every worker.
    fn to_dispatch(&self, classes: &[ClassDescriptor]) -> Dispatch {
        self.workers
            .iter()
            .zip(&self.counts)
            .map(|(id, counts)| {
                let per_class = classes
                    .iter()
                    .zip(counts)
                    .map(|(c, &n)| (c.name.clone(), n));
                (id.clone(), per_class.collect())
            })
            .collect()
    }
}

/// Where the dispatch cycle (Locust's `_dispatcher` generator) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// `new_dispatch` was called; no step produced yet.
    Start,
    /// The pending rebalance map was yielded before any ramp step.
    AfterStartRebalance,
    /// Target equalled the current count and the current map was yielded.
    AfterUnchanged,
    /// Head of the ramp-up loop (never a resting phase).
    RampUp,
    /// A ramp-up step was yielded.
    AfterAdd,
    /// Just past a ramp-up step and its optional rebalance map.
    AfterAddRebalance,
    /// Head of the ramp-down loop (never a resting phase).
    RampDown,
    /// A ramp-down step was yielded.
    AfterRemove,
    /// Just past a ramp-down step and its optional rebalance map.
    AfterRemoveRebalance,
    /// The cycle is over (or none was started).
    Done,
}

/// Dispatches users to workers, one ramp step at a time (Locust's `UsersDispatcher`).
#[derive(Clone, Debug)]
pub struct UsersDispatcher {
    /// Connected workers, in dispatch order.
    workers: Vec<String>,
    /// All classes, sorted by name; indices into it identify classes.
    classes: Vec<ClassDescriptor>,
    /// Classes dispatched in the current stage (all unless a shape restricts them).
    active_classes: Vec<usize>,
    target_user_count: u64,
    users_per_step: u64,
    wait_between_steps: f64,
    initial_placement: Placement,
    placement: Placement,
    current_user_count: u64,
    user_gen: UserGenerator,
    /// Round-robin position in `placement.workers`.
    next_worker: usize,
    /// Placement stack of (worker, class): ramp-down pops the most recent user first.
    active_users: Vec<(usize, usize)>,
    dispatch_in_progress: bool,
    rebalance: bool,
    try_dispatch_fixed: bool,
    no_user_to_spawn: bool,
    phase: Phase,
}

impl UsersDispatcher {
    /// A dispatcher over `worker_ids` (local mode uses a single `"local"`)
    /// and `classes` (sorted by name here; names are expected to be unique).
    pub fn new(worker_ids: &[String], mut classes: Vec<ClassDescriptor>) -> Self {
        classes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut ids = worker_ids.to_vec();
        ids.sort();
        ids.dedup();
        let workers = sort_workers(ids);
        let active_classes: Vec<usize> = (0..classes.len()).collect();
        let placement = Placement::empty(&workers, classes.len());
        Self {
            user_gen: UserGenerator::new(&classes, &active_classes),
            initial_placement: placement.clone(),
            placement,
            workers,
            classes,
            active_classes,
            target_user_count: 0,
            users_per_step: 0,
            wait_between_steps: 0.0,
            current_user_count: 0,
            next_worker: 0,
            active_users: Vec::new(),
            dispatch_in_progress: false,
            rebalance: false,
            try_dispatch_fixed: true,
            no_user_to_spawn: false,
            phase: Phase::Done,
        }
    }

    /// Starts a dispatch cycle towards `target_user_count` at `spawn_rate`
    /// users/s. `classes` restricts spawning to these class names (a load
    /// shape stage); a different set regenerates the class sequence. Unknown
    /// names are ignored; `None` keeps the current set.
    pub fn new_dispatch(
        &mut self,
        target_user_count: u64,
        spawn_rate: f64,
        classes: Option<&[String]>,
    ) {
        if let Some(names) = classes {
            let selected: Vec<usize> = (0..self.classes.len())
                .filter(|&c| names.contains(&self.classes[c].name))
                .collect();
            if selected != self.active_classes {
                self.active_classes = selected;
                self.user_gen = UserGenerator::new(&self.classes, &self.active_classes);
            }
        }
        self.target_user_count = target_user_count;
        // Saturating float-to-int cast: a huge rate ramps in one step.
        self.users_per_step = (spawn_rate.floor() as u64).max(1);
        self.wait_between_steps = self.users_per_step as f64 / spawn_rate;
        self.initial_placement = self.placement.clone();
        self.current_user_count = self.placement.total();
        self.phase = Phase::Start;
    }

    /// The next absolute map of the ramp; `None` when the cycle is over.
    pub fn next_step(&mut self) -> Option<Dispatch> {
        loop {
            match self.phase {
                Phase::Start => {
                    self.dispatch_in_progress = true;
                    if self.rebalance {
                        self.rebalance = false;
                        self.phase = Phase::AfterStartRebalance;
                        return Some(self.current_map());
                    }
                    if self.current_user_count == self.target_user_count {
                        self.phase = Phase::AfterUnchanged;
                        return Some(self.initial_placement.to_dispatch(&self.classes));
                    }
                    self.phase = Phase::RampUp;
                }
                Phase::AfterStartRebalance => {
                    if self.current_user_count == self.target_user_count {
                        // Locust leaves `dispatch_in_progress` set on this path.
                        self.phase = Phase::Done;
                        return None;
                    }
                    self.phase = Phase::RampUp;
                }
                Phase::AfterUnchanged => {
                    self.dispatch_in_progress = false;
                    self.phase = Phase::Done;
                }
                Phase::RampUp => {
                    if self.current_user_count < self.target_user_count {
                        self.add_users();
                        self.phase = Phase::AfterAdd;
                        return Some(self.current_map());
                    }
                    self.phase = Phase::RampDown;
                }
                Phase::AfterAdd => {
                    self.phase = Phase::AfterAddRebalance;
                    if self.rebalance {
                        self.rebalance = false;
                        return Some(self.current_map());
                    }
                }
                Phase::AfterAddRebalance => {
                    if self.no_user_to_spawn {
                        self.no_user_to_spawn = false;
                        self.phase = Phase::RampDown;
                    } else {
                        self.phase = Phase::RampUp;
                    }
                }
                Phase::RampDown => {
                    if self.current_user_count > self.target_user_count {
                        self.remove_users();
                        self.phase = Phase::AfterRemove;
                        return Some(self.current_map());
                    }
                    self.dispatch_in_progress = false;
                    self.phase = Phase::Done;
                }
                Phase::AfterRemove => {
                    self.phase = Phase::AfterRemoveRebalance;
                    if self.rebalance {
                        self.rebalance = false;
                        return Some(self.current_map());
                    }
                }
                Phase::AfterRemoveRebalance => self.phase = Phase::RampDown,
                Phase::Done => return None,
            }
        }
    }

    /// Nominal pause between two ramp steps: `users_per_step / spawn_rate`.
    pub fn step_delay(&self) -> Duration {
        seconds(self.wait_between_steps)
    }

    /// How long Locust pauses before producing the next step: [`step_delay`]
    /// after a ramp step (or a rebalance following one) unless the target is
    /// reached; zero before the first step, before a pending rebalance map
    /// and after the last step. The caller subtracts its own compute time.
    ///
    /// [`step_delay`]: Self::step_delay
    pub fn delay_before_next(&self) -> Duration {
        let pauses = match self.phase {
            Phase::AfterAdd | Phase::AfterRemove => !self.rebalance,
            Phase::AfterAddRebalance | Phase::AfterRemoveRebalance => true,
            _ => false,
        };
        if pauses && self.current_user_count != self.target_user_count {
            self.step_delay()
        } else {
            Duration::ZERO
        }
    }

    /// A worker connected: users are redistributed over the new worker set
    /// and the next step yields that map.
    pub fn add_worker(&mut self, id: &str) {
        if !self.workers.iter().any(|w| w == id) {
            self.workers.push(id.to_owned());
            self.workers = sort_workers(std::mem::take(&mut self.workers));
        }
        self.prepare_rebalance();
    }

    /// A worker left: users are redistributed over the remaining workers
    /// (unless none remain) and the next step yields that map.
    pub fn remove_worker(&mut self, id: &str) {
        self.workers.retain(|w| w != id);
        if self.workers.is_empty() {
            return;
        }
        self.prepare_rebalance();
    }

    /// True from the first step of a cycle until the cycle is exhausted.
    pub fn dispatch_in_progress(&self) -> bool {
        self.dispatch_in_progress
    }

    /// True when a worker change is waiting to be yielded as a rebalance map.
    pub fn rebalance_pending(&self) -> bool {
        self.rebalance
    }

    /// Number of users the dispatcher currently places (as of the last step).
    pub fn current_user_count(&self) -> u64 {
        self.current_user_count
    }

    /// Number of users of class `name` over all workers (as of the last step).
    pub fn class_user_count(&self, name: &str) -> u64 {
        self.classes
            .iter()
            .position(|c| c.name == name)
            .map_or(0, |c| self.placement.class_count(c))
    }

    fn current_map(&self) -> Dispatch {
        self.placement.to_dispatch(&self.classes)
    }

    /// Recomputes the placement from scratch, as an instantaneous ramp from 0
    /// to the current count over the current workers.
    fn prepare_rebalance(&mut self) {
        // Cleared first: the missing fixed users are counted against it.
        self.placement = Placement::empty(&self.workers, self.classes.len());
        self.try_dispatch_fixed = true;

        let mut user_gen = UserGenerator::new(&self.classes, &self.active_classes);
        let mut placement = self.placement.clone();
        let mut active_users = Vec::new();
        let workers = self.workers.len();
        while (active_users.len() as u64) < self.current_user_count {
            let next = user_gen.next_user(
                &mut self.try_dispatch_fixed,
                &self.classes,
                &self.active_classes,
                &self.placement,
            );
            let Some(class) = next else { break };
            let worker = active_users.len() % workers;
            placement.counts[worker][class] += 1;
            active_users.push((worker, class));
        }

        self.next_worker = active_users.len() % workers;
        self.placement = placement;
        self.active_users = active_users;
        self.user_gen = user_gen;
        self.rebalance = true;
    }

    /// One ramp-up step: place users until the step's count (or the target) is reached.
    fn add_users(&mut self) {
        let step_target = self
            .current_user_count
            .saturating_add(self.users_per_step)
            .min(self.target_user_count);
        let workers = self.placement.workers.len();
        loop {
            let next = self.user_gen.next_user(
                &mut self.try_dispatch_fixed,
                &self.classes,
                &self.active_classes,
                &self.placement,
            );
            let (Some(class), true) = (next, workers > 0) else {
                self.no_user_to_spawn = true;
                break;
            };
            let worker = self.next_worker;
            self.next_worker = (worker + 1) % workers;
            self.placement.counts[worker][class] += 1;
            self.current_user_count += 1;
            self.active_users.push((worker, class));
            if self.current_user_count >= step_target {
                break;
            }
        }
    }

    /// One ramp-down step: pop the most recently placed users.
    fn remove_users(&mut self) {
        let step_target = self
            .current_user_count
            .saturating_sub(self.users_per_step)
            .max(self.target_user_count);
        while let Some((worker, class)) = self.active_users.pop() {
            self.placement.counts[worker][class] -= 1;
            self.current_user_count -= 1;
            self.try_dispatch_fixed = true;
            if self.current_user_count == 0 || self.current_user_count <= step_target {
                break;
            }
        }
    }
}

/// Orders workers so that consecutive users land on different hosts first:
/// by id, then stably by (index among the workers of the same host, id),
/// the host being the part of the id before the first `_`.
fn sort_workers(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    let mut per_host: BTreeMap<&str, usize> = BTreeMap::new();
    let mut keyed: Vec<(usize, &String)> = ids
        .iter()
        .map(|id| {
            let host = id.split('_').next().unwrap_or_default();
            let seen = per_host.entry(host).or_default();
            let index = *seen;
            *seen += 1;
            (index, id)
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, id)| id.clone()).collect()
}

/// Seconds as a `Duration`: negative or NaN → zero, too large → `Duration::MAX`.
fn seconds(secs: f64) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        Duration::ZERO
    } else {
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
    }
}

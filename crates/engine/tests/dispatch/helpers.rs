//! What the dispatch tests share: small builders and measures of a
//! [`Dispatch`], and [`run`], which plays a scenario written as a table.
//!
//! Locust's tests call `next(users_dispatcher)` over and over and compare each
//! step with a literal `{worker: {class: count}}` dict, timing the call to
//! check whether the dispatcher paused first. Written out in Rust that is
//! hundreds of near-identical lines; here a scenario is text, one command a
//! line, and [`run`] executes it against a [`UsersDispatcher`]:
//!
//! ```text
//! workers  1 2 3                        the worker ids
//! classes  User1 User2(weight=2)        the classes; also (fixed=N) or (weight=W,fixed=N)
//! dispatch 9 at 0.5                     new_dispatch(9, 0.5, None)
//! dispatch 4 at 1 only User1            new_dispatch(4, 1.0, Some(["User1"]))
//! now   1: 1 0 | 2: 0 0 | 3: 0 0        no pause, then the step is exactly this map
//! wait  1: 1 0 | 2: 0 1 | 3: 0 0        one step_delay() pause, then this map
//! -     classes 2 3; workers 1=3 3=2    the step (pause not checked): users per class
//!                                         over all workers, and on the named workers
//! now   end                             no pause, and the cycle is over
//! drain                                 runs the cycle to its end
//! drain    1: 15 15                     … and its last step is exactly this map
//! add 4 / remove 2                      add_worker / remove_worker
//! rebalance yes / rebalance no          rebalance_pending() is true / false
//! ```
//!
//! The first two lines are `workers` and `classes`; blank lines are skipped.
//! A step row starts with its pause check (`now`, `wait` or `-`) and holds
//! one or more expectations separated by `;`: a whole map, `classes …`,
//! `workers …`, or `end`. Counts in a map and after `classes` are per class
//! in class-name order, the order of the dispatch's own maps (`1: 1 0` is
//! worker 1 with one `User1` and no `User2`). A failed check names its line.

use std::collections::BTreeMap;
use std::time::Duration;

use locusta_engine::class_descriptor::ClassDescriptor;
use locusta_engine::dispatch::{Dispatch, UsersDispatcher};

/// Owned worker ids (or class names) from string literals.
pub fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// A class as Locust's tests declare it: a weight and an optional fixed count.
pub fn cls(name: &str, weight: f64, fixed_count: u64) -> ClassDescriptor {
    ClassDescriptor {
        fixed_count,
        ..ClassDescriptor::weighted(name, weight)
    }
}

/// Parses `"User1=1 User2=0"`.
pub fn counts(s: &str) -> BTreeMap<String, u64> {
    s.split_whitespace()
        .map(|pair| {
            let (class, n) = pair.split_once('=').expect("class=count");
            (class.to_owned(), n.parse().expect("count"))
        })
        .collect()
}

/// Parses `"1: User1=1 User2=0 | 2: User1=0 User2=1"`.
pub fn dmap(s: &str) -> Dispatch {
    s.split('|')
        .map(|worker| {
            let (id, classes) = worker.split_once(':').expect("worker: counts");
            (id.trim().to_owned(), counts(classes))
        })
        .collect()
}

/// Users per class over all workers (Locust's `_aggregate_dispatched_users`).
pub fn aggregate(d: &Dispatch) -> BTreeMap<String, u64> {
    let mut total: BTreeMap<String, u64> = BTreeMap::new();
    for classes in d.values() {
        for (class, n) in classes {
            *total.entry(class.clone()).or_default() += n;
        }
    }
    total
}

/// Users on one worker (Locust's `_user_count_on_worker`).
pub fn on_worker(d: &Dispatch, id: &str) -> u64 {
    d[id].values().sum()
}

/// Total users (Locust's `_user_count`).
pub fn user_count(d: &Dispatch) -> u64 {
    d.values().flat_map(|c| c.values()).sum()
}

/// Runs the cycle to its end (Locust's `list(users_dispatcher)`).
pub fn drain(d: &mut UsersDispatcher) -> Vec<Dispatch> {
    std::iter::from_fn(|| d.next_step()).collect()
}

/// The next step comes at once (Locust: `next()` took no time).
pub fn assert_no_wait(d: &UsersDispatcher) {
    assert_eq!(d.delay_before_next(), Duration::ZERO);
}

/// The next step comes after one pause (Locust: `next()` slept about
/// `wait_between_dispatch`).
pub fn assert_step_wait(d: &UsersDispatcher) {
    assert!(d.step_delay() > Duration::ZERO);
    assert_eq!(d.delay_before_next(), d.step_delay());
}

/// Plays a scenario table (see the module docs); panics at the first line
/// whose expectation does not hold.
pub fn run(script: &str) {
    let mut lines = script
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty());
    let mut header = |word: &str| {
        let (n, line) = lines.next().expect("a scenario header");
        let (first, rest) = split_word(line);
        assert_eq!(first, word, "line {n}: `{line}` should start with `{word}`");
        rest.to_owned()
    };
    let workers = ids(&header("workers").split_whitespace().collect::<Vec<_>>());
    let classes: Vec<ClassDescriptor> = header("classes")
        .split_whitespace()
        .map(parse_class)
        .collect();
    let mut names: Vec<String> = classes.iter().map(|c| c.name.clone()).collect();
    names.sort();
    let mut scenario = Scenario {
        dispatcher: UsersDispatcher::new(&workers, classes),
        names,
    };
    for (n, line) in lines {
        scenario.line(line, &format!("line {n}: `{line}`"));
    }
}

/// A running scenario: the dispatcher and its class names in name order (the
/// order of the counts in the table).
struct Scenario {
    dispatcher: UsersDispatcher,
    names: Vec<String>,
}

impl Scenario {
    /// Executes one line; `at` names it in failure messages.
    fn line(&mut self, line: &str, at: &str) {
        let d = &mut self.dispatcher;
        let (word, rest) = split_word(line);
        match word {
            "dispatch" => {
                let words: Vec<&str> = rest.split_whitespace().collect();
                let (target, rate, only) = match words.as_slice() {
                    [target, "at", rate] => (target, rate, None),
                    [target, "at", rate, "only", classes @ ..] => {
                        (target, rate, Some(ids(classes)))
                    }
                    _ => panic!("{at}: expected `dispatch N at RATE [only CLASS…]`"),
                };
                let target = target.parse().unwrap_or_else(|_| panic!("{at}: count"));
                let rate = rate.parse().unwrap_or_else(|_| panic!("{at}: rate"));
                d.new_dispatch(target, rate, only.as_deref());
            }
            "drain" => {
                let last = drain(d).pop();
                if !rest.is_empty() {
                    assert_eq!(last, Some(self.map(rest, at)), "{at}");
                }
            }
            "add" => d.add_worker(rest),
            "remove" => d.remove_worker(rest),
            "rebalance" => {
                let pending = match rest {
                    "yes" => true,
                    "no" => false,
                    _ => panic!("{at}: expected `rebalance yes` or `rebalance no`"),
                };
                assert_eq!(d.rebalance_pending(), pending, "{at}: rebalance pending");
            }
            "now" | "wait" | "-" => {
                if word == "now" {
                    assert_eq!(d.delay_before_next(), Duration::ZERO, "{at}: a pause");
                } else if word == "wait" {
                    assert!(d.step_delay() > Duration::ZERO, "{at}: no step delay");
                    assert_eq!(d.delay_before_next(), d.step_delay(), "{at}: no pause");
                }
                if rest == "end" {
                    assert_eq!(d.next_step(), None, "{at}: the cycle goes on");
                    return;
                }
                let step = d
                    .next_step()
                    .unwrap_or_else(|| panic!("{at}: the cycle is over"));
                for expectation in rest.split(';').map(str::trim) {
                    self.check(&step, expectation, at);
                }
            }
            _ => panic!("{at}: unknown command `{word}`"),
        }
    }

    /// Checks one expectation of a step row against the step.
    fn check(&self, step: &Dispatch, expectation: &str, at: &str) {
        match split_word(expectation) {
            ("classes", counts) => {
                assert_eq!(aggregate(step), self.counts(counts, at), "{at}: per class");
            }
            ("workers", pairs) => {
                for pair in pairs.split_whitespace() {
                    let (id, n) = pair
                        .split_once('=')
                        .unwrap_or_else(|| panic!("{at}: expected `worker=count`"));
                    let n: u64 = n.parse().unwrap_or_else(|_| panic!("{at}: count"));
                    assert_eq!(on_worker(step, id), n, "{at}: users on worker {id}");
                }
            }
            _ => assert_eq!(*step, self.map(expectation, at), "{at}"),
        }
    }

    /// Parses `1: 1 0 0 | 2: 0 1 0` (counts in class-name order).
    fn map(&self, text: &str, at: &str) -> Dispatch {
        text.split('|')
            .map(|worker| {
                let (id, counts) = worker
                    .split_once(':')
                    .unwrap_or_else(|| panic!("{at}: expected `worker: counts`"));
                (id.trim().to_owned(), self.counts(counts, at))
            })
            .collect()
    }

    /// Parses `1 0 0`: one count per class, in class-name order.
    fn counts(&self, text: &str, at: &str) -> BTreeMap<String, u64> {
        let counts: Vec<u64> = text
            .split_whitespace()
            .map(|n| n.parse().unwrap_or_else(|_| panic!("{at}: count `{n}`")))
            .collect();
        assert_eq!(counts.len(), self.names.len(), "{at}: one count per class");
        self.names.iter().cloned().zip(counts).collect()
    }
}

/// `User1`, `User1(weight=0.8)`, `User1(fixed=2)` or `User1(weight=3,fixed=2)`.
fn parse_class(spec: &str) -> ClassDescriptor {
    let (name, options) = match spec.split_once('(') {
        Some((name, options)) => (name, options.strip_suffix(')').expect("`)`")),
        None => (spec, ""),
    };
    let mut class = cls(name, 1.0, 0);
    for option in options.split(',').filter(|o| !o.is_empty()) {
        match option.split_once('=') {
            Some(("weight", w)) => class.weight = w.parse().expect("weight"),
            Some(("fixed", n)) => class.fixed_count = n.parse().expect("fixed count"),
            _ => panic!("class `{spec}`: unknown option `{option}`"),
        }
    }
    class
}

/// The first word of `line` and the rest, trimmed.
fn split_word(line: &str) -> (&str, &str) {
    match line.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (line, ""),
    }
}

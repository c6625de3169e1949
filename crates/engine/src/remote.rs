//! Users on other processes: the seam between the runner and distributed
//! mode. A master's [`Runner`](crate::runner::Runner) paces the ramp with the
//! same dispatcher as a local run, over the connected workers, and hands each
//! step to a [`Workers`] implementation (the cluster crate's master) instead
//! of starting users itself.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::class_settings::UserClassSettings;
use crate::dispatch::Dispatch;

/// One worker as the master sees it (a row of the web UI's Workers tab; the
/// field names are those of Locust's `/stats/requests` `workers` list).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerInfo {
    /// The worker's node id (`<hostname>_<hex>`).
    pub id: String,
    /// `ready`, `spawning`, `running`, `stopped` or `missing`.
    pub state: String,
    /// Users the worker reported.
    pub user_count: u64,
    /// CPU use the worker reported, percent of one core.
    pub cpu_usage: f64,
    /// Resident memory the worker reported, bytes.
    pub memory_usage: u64,
}

/// The workers a master drives. Every call must return quickly (queue the
/// messages): the runner calls them from its ramp.
pub trait Workers: Send + Sync {
    /// Ids of the workers that can take users now (ready, spawning or running).
    fn active_ids(&self) -> Vec<String>;
    /// Sends each worker its absolute per-class user counts for one ramp step.
    fn dispatch(&self, step: &Dispatch);
    /// Tells the workers the ramp is complete, with the total user count.
    fn spawning_complete(&self, user_count: u64);
    /// Asks every worker to stop its users.
    fn stop(&self);
    /// Users the workers report, in total.
    fn user_count(&self) -> u64;
    /// Users the workers report, per class.
    fn user_classes_count(&self) -> BTreeMap<String, u64>;
    /// Every known worker, ordered by id.
    fn workers(&self) -> Vec<WorkerInfo>;
    /// Each worker's recent log lines (Locust's `logs` messages), by worker id.
    fn worker_logs(&self) -> BTreeMap<String, Vec<String>>;
    /// Passes new settings of a user class on to every worker (the web UI's
    /// `POST /user` on a master; Locust's `update_user_class` message).
    fn update_user_class(&self, settings: &UserClassSettings);
    /// Each worker's share of `--iterations` for the test that starts; sent
    /// with every dispatch step until the test stops.
    fn set_iteration_shares(&self, shares: BTreeMap<String, u64>);
    /// Whether every active worker has spent its share of `--iterations`
    /// and stopped its users.
    fn iterations_done(&self) -> bool;
    /// Whether these are no workers but one stand-in for users run elsewhere
    /// in this process (a script's own runner behind the web UI): the runner
    /// then shows as a local one (not distributed, no workers).
    fn is_stand_in(&self) -> bool {
        false
    }
}

/// How custom messages leave this process in a distributed test (the
/// cluster crate's master and worker; see [`Environment::send_message`](crate::Environment::send_message)).
pub trait Messenger: Send + Sync {
    /// Sends `kind` with `data`: from a worker, to its master (`to` is
    /// ignored); from a master, to worker `to`, or to every worker.
    fn send(
        &self,
        kind: &str,
        data: serde_json::Value,
        to: Option<&str>,
    ) -> Result<(), MessageError>;
}

/// A custom message that cannot be sent ([`Messenger::send`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// From a master that has stopped.
    #[error("the master has stopped")]
    MasterStopped,
    /// To a worker that is not connected (its id).
    #[error("no worker {0} is connected")]
    NoSuchWorker(String),
    /// From a worker whose connection to its master is closed.
    #[error("the connection to the master is closed")]
    MasterConnectionClosed,
}

/// `total` iterations shared over the workers of `placement` (the users each
/// worker will have once the ramp is done) in proportion to their users, the
/// largest remainders rounded up, so the shares add up to `total`. Without
/// users, the workers share evenly.
pub fn iteration_shares(total: u64, placement: &Dispatch) -> BTreeMap<String, u64> {
    let users: Vec<(&String, u64)> = placement
        .iter()
        .map(|(id, counts)| (id, counts.values().sum()))
        .collect();
    let all: u64 = users.iter().map(|(_, n)| n).sum();
    let (weights, weight_sum): (Vec<u128>, u128) = if all == 0 {
        (vec![1; users.len()], users.len() as u128)
    } else {
        (
            users.iter().map(|(_, n)| u128::from(*n)).collect(),
            u128::from(all),
        )
    };
    if weight_sum == 0 {
        return BTreeMap::new();
    }
    let exact: Vec<(u64, u128)> = weights
        .iter()
        .map(|w| {
            let scaled = u128::from(total) * w;
            ((scaled / weight_sum) as u64, scaled % weight_sum)
        })
        .collect();
    let mut left = total - exact.iter().map(|(floor, _)| floor).sum::<u64>();
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    let mut shares: Vec<u64> = exact.iter().map(|(floor, _)| *floor).collect();
    for i in order {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    users
        .into_iter()
        .zip(shares)
        .map(|((id, _), share)| (id.clone(), share))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(users: &[(&str, u64)]) -> Dispatch {
        users
            .iter()
            .map(|(id, n)| (id.to_string(), BTreeMap::from([("A".to_string(), *n)])))
            .collect()
    }

    #[test]
    fn iterations_are_shared_by_users_and_add_up() {
        let shares = iteration_shares(10, &placement(&[("a", 2), ("b", 1), ("c", 0)]));
        assert_eq!(shares.values().sum::<u64>(), 10);
        assert_eq!(shares["a"], 7);
        assert_eq!(shares["b"], 3);
        assert_eq!(shares["c"], 0);
        let even = iteration_shares(5, &placement(&[("a", 0), ("b", 0)]));
        assert_eq!((even["a"], even["b"]), (3, 2));
        let huge = iteration_shares(u64::MAX, &placement(&[("a", 3), ("b", 1)]));
        assert_eq!(huge["a"].checked_add(huge["b"]), Some(u64::MAX));
        assert!(iteration_shares(7, &Dispatch::new()).is_empty());
    }
}

//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use locusta_engine::prelude::*;
use locusta_engine::runner::Runner;
use parking_lot::Mutex;

/// A shared log of what users did, in order.
#[derive(Clone, Default)]
pub struct Trace(pub Arc<Mutex<Vec<String>>>);

impl Trace {
    pub fn push(&self, what: impl Into<String>) {
        self.0.lock().push(what.into());
    }
    pub fn items(&self) -> Vec<String> {
        self.0.lock().clone()
    }
    pub fn count(&self, what: &str) -> usize {
        self.0.lock().iter().filter(|s| *s == what).count()
    }
}

/// Waits (bounded) until `condition` holds.
pub async fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while !condition() {
        if started.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

/// A runner on one load thread for these classes.
pub fn runner(env: Environment, classes: Vec<Arc<dyn UserDefinition>>) -> Arc<Runner> {
    Runner::new(Arc::new(env), classes, 1).expect("runner starts")
}

//! Load shapes: a function of time that gives the user count and spawn rate
//! (Locust's `LoadTestShape`).
//!
//! The runner polls a shape about once per second
//! ([`Runner::run_shape`](crate::runner::Runner::run_shape)) and starts a new
//! ramp whenever the tick changes; `None` ends the test. [`Stages`] is the
//! usual staged shape; anything implementing [`LoadShape`] works.
//!
//! ```
//! use std::time::Duration;
//! use locusta_engine::prelude::*;
//!
//! // 10 users for a minute, then 50 until the third minute, then stop.
//! let mut stages = Stages::new(&[(60, 10, 5.0), (180, 50, 10.0)]);
//! let at = |secs| ShapeContext { run_time: Duration::from_secs(secs), user_count: 0 };
//! assert_eq!(stages.tick(&at(90)).map(|t| t.users), Some(50));
//! assert_eq!(stages.tick(&at(200)), None);
//! ```

use std::time::Duration;

/// What a shape asks for at one tick.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeTick {
    /// Target number of users.
    pub users: u64,
    /// Users started (or stopped) per second.
    pub spawn_rate: f64,
    /// Restrict this stage to these user classes (by name); `None` = all.
    pub user_classes: Option<Vec<String>>,
}

impl ShapeTick {
    /// A tick for all user classes.
    pub fn new(users: u64, spawn_rate: f64) -> Self {
        ShapeTick {
            users,
            spawn_rate,
            user_classes: None,
        }
    }
}

/// What a shape can see when it ticks.
#[derive(Debug, Clone, Copy)]
pub struct ShapeContext {
    /// Time since the shape started (Locust's `get_run_time()`).
    pub run_time: Duration,
    /// Users running now (Locust's `get_current_user_count()`).
    pub user_count: u64,
}

/// A load shape, polled about once per second; `None` ends the test.
pub trait LoadShape: Send {
    /// The wanted load now, or `None` to stop.
    fn tick(&mut self, context: &ShapeContext) -> Option<ShapeTick>;
}

/// A load shape with the name it is picked by (in the web UI's class picker).
pub struct NamedShape {
    /// The shape's name (a Python shape's class name).
    pub name: String,
    /// The shape.
    pub shape: Box<dyn LoadShape>,
}

impl NamedShape {
    /// A shape named after its type (`MyShape` for `my_test::MyShape`).
    pub fn of<T: LoadShape + 'static>(shape: T) -> Self {
        let full = std::any::type_name::<T>();
        let name = full.split('<').next().unwrap_or(full);
        NamedShape {
            name: name.rsplit("::").next().unwrap_or(name).to_string(),
            shape: Box::new(shape),
        }
    }
}

/// One stage of [`Stages`]: until `end` (since the start), run `users` users
/// reached at `spawn_rate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// When this stage ends, measured from the start of the test.
    pub end: Duration,
    /// Users during this stage.
    pub users: u64,
    /// Spawn rate toward them.
    pub spawn_rate: f64,
    /// Restrict this stage to these user classes.
    pub user_classes: Option<Vec<String>>,
}

/// The classic staged shape: a list of stages, then stop.
#[derive(Debug, Clone)]
pub struct Stages(pub Vec<Stage>);

impl Stages {
    /// Stages from `(end_seconds, users, spawn_rate)` triples.
    pub fn new(stages: &[(u64, u64, f64)]) -> Self {
        Stages(
            stages
                .iter()
                .map(|&(end, users, spawn_rate)| Stage {
                    end: Duration::from_secs(end),
                    users,
                    spawn_rate,
                    user_classes: None,
                })
                .collect(),
        )
    }
}

impl LoadShape for Stages {
    fn tick(&mut self, context: &ShapeContext) -> Option<ShapeTick> {
        self.0
            .iter()
            .find(|stage| context.run_time < stage.end)
            .map(|stage| ShapeTick {
                users: stage.users,
                spawn_rate: stage.spawn_rate,
                user_classes: stage.user_classes.clone(),
            })
    }
}

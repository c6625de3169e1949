//! The engine's side of the Python thread: how Rust threads reach the
//! Python users, shapes and event listeners.
//!
//! The engine drives Python classes through the same seams as Rust ones:
//! [`PythonRuntime`] is their [`ClassRuntime`] (spawn, stop, update a class) and
//! [`PythonShape`] a [`LoadShape`]; [`attach`] makes the engine's events
//! reach the Python listeners. Each turns into a [`Message`] in the
//! mailbox, which the hub drains ([`crate::native`]). Fire-and-forget
//! messages are only pushed; those that need Python's answer go through
//! [`call`], which waits for it without ever taking the GIL.

use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use locusta_engine::class_descriptor::ClassDescriptor;
use locusta_engine::class_settings::UserClassSettings;
use locusta_engine::hosting::{ClassRuntime, HostedUsers};
use locusta_engine::runner::Runner;
use locusta_engine::shape::{LoadShape, ShapeContext, ShapeTick};
use locusta_engine::task::TagFilter;
use locusta_engine::Environment;

use crate::described::DescribedClass;
use crate::mailbox::{Answered, Call, Mailbox, Message, Reply};
use crate::native::state::SHARED;
use crate::{options, stall};

/// Connects the Python side to the runner: statistics, the runner's state and
/// controls, and the engine's events (fired to the Python listeners, on the
/// Python thread, before the Rust caller goes on).
pub fn attach(runner: &Arc<Runner>) {
    let Some(shared) = SHARED.get() else { return };
    let env: &Arc<Environment> = runner.environment();
    let _ = shared.recorder.set(env.stats.recorder());
    let _ = shared.runner.set(runner.clone());
    let events = &env.events;
    events.init.add_listener(|_| fire("init", Vec::new()));
    events.test_start.add_listener(|env| {
        // The web UI's form may have changed custom options since the last test.
        let values = options::attributes(&env.parsed_options.read());
        call(Call::Options(serde_json::Value::Object(values).to_string()));
        fire("test_start", Vec::new());
    });
    events
        .test_stopping
        .add_listener(|_| fire("test_stopping", Vec::new()));
    events
        .test_stop
        .add_listener(|_| fire("test_stop", Vec::new()));
    events
        .spawning_complete
        .add_listener(|count| fire("spawning_complete", vec![("user_count", *count as f64)]));
    events
        .quitting
        .add_listener(|_| fire("quitting", Vec::new()));
    events
        .quit
        .add_listener(|code| fire("quit", vec![("exit_code", *code as f64)]));
    events.usage_monitor.add_listener(|usage| {
        fire(
            "usage_monitor",
            vec![
                ("cpu_usage", usage.cpu_percent),
                ("memory_usage", usage.memory_bytes as f64),
            ],
        )
    });
    events
        .cpu_warning
        .add_listener(|usage| fire("cpu_warning", vec![("cpu_usage", usage.cpu_percent)]));
    events
        .reset_stats
        .add_listener(|_| fire("reset_stats", Vec::new()));
    // Custom messages are handed over without waiting: the listener may
    // itself send messages, which go out through the caller's thread.
    events.custom_message.add_listener(|message| {
        if let Some(shared) = SHARED.get() {
            shared.mailbox.push(Message::Custom {
                kind: message.kind.clone(),
                data: message.data.to_string(),
                node_id: message.node_id.clone(),
            });
        }
    });
    // A master's worker reports, as custom messages are.
    events.worker_report.add_listener(|report| {
        if let Some(shared) = SHARED.get() {
            shared.mailbox.push(Message::WorkerReport {
                client_id: report.client_id.clone(),
                data: report.data.to_string(),
            });
        }
    });
}

/// Runs `call` on the Python thread and waits for its answer: for as long
/// as the hub is alive, but past the run's deadline
/// ([`stall::stop_waiting_at`]) not for a hub held by code that does not
/// yield (said once, with the code that holds it).
pub(crate) fn call(call: Call) -> Reply {
    let shared = SHARED.get()?;
    let (reply, answer) = sync_channel(1);
    let what = call.describe();
    shared.mailbox.push(Message::Call { call, reply });
    loop {
        match answer.recv_timeout(Duration::from_millis(200)) {
            Ok(answered) => return answered,
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => {
                // A live hub drains even an empty mailbox when woken.
                shared.mailbox.wake();
                let idle = shared.mailbox.idle_for();
                if stall::past_deadline() && idle >= stall::HELD {
                    static SAID: std::sync::Once = std::sync::Once::new();
                    SAID.call_once(|| {
                        log::error!(
                            "The Python thread has been held for {:.1} s by {}: the run ends without waiting for it ({what} not delivered)",
                            idle.as_secs_f64(),
                            stall::holder()
                        );
                    });
                    return None;
                }
            }
        }
    }
}

/// Fires the Python listeners of the event `name` and waits for them.
fn fire(name: &'static str, arguments: Vec<(&'static str, f64)>) {
    call(Call::Event { name, arguments });
}

/// Runs the Python classes' users as greenlets on the Python thread.
pub(crate) struct PythonRuntime {
    pub(crate) mailbox: Arc<Mailbox>,
}

impl ClassRuntime for PythonRuntime {
    fn spawn(&self, class: &str, count: u64, users: &HostedUsers) {
        self.mailbox.push(Message::Spawn {
            class: class.to_string(),
            count,
            users: users.clone(),
        });
    }
    fn stop(&self, class: &str, count: u64, graceful: Option<Duration>) {
        self.mailbox.push(Message::Stop {
            class: class.to_string(),
            count,
            graceful,
        });
    }
    fn kill_all(&self) {
        self.mailbox.push(Message::KillAll);
    }
    fn update_class(&self, settings: &UserClassSettings) -> Result<ClassDescriptor, String> {
        let json = serde_json::to_string(settings).map_err(|e| e.to_string())?;
        match call(Call::UpdateClass(json)) {
            Some(Answered::Text(Ok(described))) => {
                DescribedClass::parse(&described).map(|described| described.class)
            }
            Some(Answered::Text(Err(message))) => Err(message),
            _ => Err("the Python thread did not answer".into()),
        }
    }
    fn stop_waiting_at(&self, deadline: std::time::Instant) {
        stall::stop_waiting_at(deadline);
    }
    fn hub(&self) -> Option<Arc<dyn locusta_engine::health::HubProbe>> {
        Some(Arc::new(crate::hub_health::PythonHub::new(
            self.mailbox.clone(),
        )))
    }
    fn filter_tasks(&self, class: &str, filter: &TagFilter) {
        let json = serde_json::json!({
            "class": class,
            "tags": filter.tags,
            "exclude_tags": filter.exclude_tags,
        });
        call(Call::FilterTasks(json.to_string()));
    }
}

/// One of the locustfile's `LoadTestShape`s, ticked on the Python thread.
pub(crate) struct PythonShape {
    pub(crate) name: String,
}

impl LoadShape for PythonShape {
    fn tick(&mut self, context: &ShapeContext) -> Option<ShapeTick> {
        let Some(Answered::Tick(users, spawn_rate, user_classes)) = call(Call::ShapeTick {
            shape: self.name.clone(),
            run_time: context.run_time.as_secs_f64(),
            user_count: context.user_count,
        }) else {
            return None;
        };
        Some(ShapeTick {
            users,
            spawn_rate,
            user_classes,
        })
    }
}

//! The mailbox drain: the loop the Python thread runs, seen from Rust.
//!
//! Rust threads never take the GIL: the I/O thread, the runner and the web
//! UI push [`Message`]s into the [`crate::mailbox::Mailbox`] and bump its
//! eventfd. The gevent hub watches that fd ([`mailbox_fd`]); when it fires,
//! the `locust` package calls [`drain`] once and gets everything queued
//! since the last time, split in two lists:
//!
//! - completions, `(request id, object)`: a [`Response`] for a request, a
//!   [`ReadDone`] for a read of a streamed body; the package wakes the
//!   greenlet that waits for that id;
//! - commands, tuples whose first item names them (`"spawn"`, `"stop"`,
//!   `"event"`, `"shape"`, `"wsgi"`…); a command that Rust waits on carries
//!   an [`Answer`] that Python calls once done.
//!
//! Greenlets queue requests without waking the I/O thread for each;
//! [`flush`] hands a batch over.

use std::sync::mpsc::SyncSender;

use locusta_engine::hosting::HostedUsers;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use super::response::Response;
use super::state::shared;
use crate::mailbox::{Answered, Call, Message, Reply};
use crate::streaming::ReadDone;

/// Hands the requests queued since the last flush to the I/O thread.
#[pyfunction]
fn flush() -> PyResult<()> {
    shared()?.io.flush();
    Ok(())
}

/// The eventfd the hub watches.
#[pyfunction]
fn mailbox_fd() -> PyResult<i32> {
    Ok(shared()?.mailbox.fd())
}

/// Every queued message: `(completions, commands)`, completions as
/// `(request id, Response)` pairs, commands as tuples.
#[pyfunction]
fn drain(py: Python<'_>) -> PyResult<(Bound<'_, PyList>, Bound<'_, PyList>)> {
    let messages = shared()?.mailbox.drain();
    let completed = PyList::empty(py);
    let commands = PyList::empty(py);
    for message in messages {
        match message {
            Message::Completed { request, outcome } => {
                let response = Bound::new(py, Response::new(outcome))?;
                completed.append((request, response))?;
            }
            Message::Read {
                request,
                stream,
                result,
            } => {
                let done = Bound::new(py, ReadDone::new(stream, result))?;
                completed.append((request, done))?;
            }
            Message::Spawn {
                class,
                count,
                users,
            } => commands.append(("spawn", class, count, Hosted { users }))?,
            Message::Stop {
                class,
                count,
                graceful,
            } => commands.append(("stop", class, count, graceful.map(|d| d.as_secs_f64())))?,
            Message::KillAll => commands.append(("kill_all",))?,
            Message::Custom {
                kind,
                data,
                node_id,
            } => commands.append(("message", kind, data, node_id))?,
            Message::WorkerReport { client_id, data } => {
                commands.append(("worker_report", data, client_id))?
            }
            Message::Call { call, reply } => {
                let reply = Answer { reply: Some(reply) };
                match call {
                    Call::Event { name, arguments } => {
                        let kwargs = PyDict::new(py);
                        for (key, value) in arguments {
                            kwargs.set_item(key, value)?;
                        }
                        commands.append(("event", name, kwargs, reply))?;
                    }
                    Call::ShapeTick {
                        shape,
                        run_time,
                        user_count,
                    } => commands.append(("shape", shape, (run_time, user_count), reply))?,
                    Call::Options(json) => commands.append(("options", json, 0, reply))?,
                    Call::UpdateClass(json) => commands.append(("update_class", json, 0, reply))?,
                    Call::FilterTasks(json) => commands.append(("filter_tasks", json, 0, reply))?,
                    Call::Wsgi(request) => {
                        commands.append(("wsgi", crate::wsgi::environ(py, &request)?, 0, reply))?
                    }
                    Call::AfterRequest(request, response) => {
                        let environ = crate::wsgi::environ(py, &request)?;
                        let answer = (
                            response.status,
                            response.headers,
                            PyBytes::new(py, &response.body),
                        );
                        commands.append(("after_request", environ, answer, reply))?
                    }
                }
            }
        }
    }
    Ok((completed, commands))
}

/// The answer to a call from Rust (an event fired, a shape tick).
#[pyclass(module = "locusta")]
struct Answer {
    reply: Option<SyncSender<Reply>>,
}

#[pymethods]
impl Answer {
    /// Answers; `tick` is a shape's `(users, rate[, classes])` or None.
    #[pyo3(signature = (tick=None))]
    fn send(&mut self, tick: Option<(u64, f64, Option<Vec<String>>)>) {
        if let Some(reply) = self.reply.take() {
            let _ =
                reply.send(tick.map(|(users, rate, classes)| Answered::Tick(users, rate, classes)));
        }
    }

    /// Answers a web UI request: status, headers, body.
    fn send_http(&mut self, status: u16, headers: Vec<(String, String)>, body: &[u8]) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(Some(Answered::Http(locusta_web::ExtensionResponse {
                status,
                headers,
                body: body.to_vec(),
            })));
        }
    }

    /// Answers with a text (`ok`) or an error message.
    fn send_result(&mut self, ok: bool, text: String) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(Some(Answered::Text(if ok { Ok(text) } else { Err(text) })));
        }
    }
}

/// The runner's side of one Python class: live counts, iterations, StopTest.
#[pyclass(module = "locusta")]
struct Hosted {
    users: HostedUsers,
}

#[pymethods]
impl Hosted {
    /// Counts a started user; its id.
    fn started(&self) -> u64 {
        self.users.started()
    }
    /// Counts an ended user.
    fn ended(&self) {
        self.users.ended()
    }
    /// Counts a task start against `--iterations`; False once spent.
    fn take_iteration(&self) -> bool {
        self.users.take_iteration()
    }
    /// Whether `--iterations` limits the tasks (else take_iteration() is always True).
    #[getter]
    fn limited(&self) -> bool {
        self.users.iterations_limited()
    }
    /// Ends the test.
    fn stop_test(&self, reason: String) {
        self.users.request_stop_test(reason)
    }
}

/// Registers this module's functions and classes in `locusta._native`.
pub(super) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Hosted>()?;
    module.add_class::<Answer>()?;
    module.add_function(wrap_pyfunction!(mailbox_fd, module)?)?;
    module.add_function(wrap_pyfunction!(flush, module)?)?;
    module.add_function(wrap_pyfunction!(drain, module)?)?;
    Ok(())
}

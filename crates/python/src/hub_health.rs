//! The Python thread as the generator's self-check sees it
//! ([`locusta_engine::health`]): its CPU, and how long its gevent hub takes
//! to answer a wake-up.
//!
//! Each sample pings the hub through its mailbox (an empty wake-up, as
//! `runtime::call` does while waiting, whose time the mailbox notes) and, at
//! the next sample, reads how long the first drain after it took. A hub busy with many greenlets answers late; a
//! hub held by user code that does not yield does not answer at all, and
//! the wait since the ping keeps growing until it does — then
//! [`stall::holder`] names the class and task.

use std::sync::Arc;
use std::time::Duration;

use locusta_engine::health::HubProbe;

use crate::mailbox::Mailbox;
use crate::stall;

/// The probe on the Python thread's hub.
pub(crate) struct PythonHub {
    mailbox: Arc<Mailbox>,
}

impl PythonHub {
    pub(crate) fn new(mailbox: Arc<Mailbox>) -> PythonHub {
        PythonHub { mailbox }
    }
}

impl HubProbe for PythonHub {
    fn thread_id(&self) -> Option<i32> {
        stall::python_thread_id()
    }

    fn ping(&self) {
        self.mailbox.ping();
    }

    fn lag(&self) -> Duration {
        self.mailbox.ping_lag()
    }

    fn holder(&self) -> String {
        stall::holder()
    }
}

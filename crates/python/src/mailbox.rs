//! The Python thread's mailbox: one queue and one eventfd that the gevent hub
//! watches. Rust threads push completed requests and commands without ever
//! taking the GIL; the hub wakes once per batch and drains everything at once.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use locusta_engine::hosting::HostedUsers;
use locusta_http::{BodyStream, Bytes, HttpError, Response};
use locusta_web::{ExtensionRequest, ExtensionResponse};
use parking_lot::Mutex;

/// What a finished request hands back to the waiting greenlet.
pub(crate) struct Outcome {
    /// The response. Its own report goes to a recorder nobody reads: locusta
    /// reports Python users' requests itself, by Locust's rules.
    pub response: Response,
    /// The failure by the client's success rule (`None`: a success).
    pub default_failure: Option<String>,
    /// `catch_response=True`: reported when the with-block ends, as Python
    /// decided; otherwise already reported on the I/O thread.
    pub caught: bool,
    /// A FastHttpSession's request.
    pub fast: bool,
}

/// Something the Python side must run and answer (an event, a shape tick).
#[derive(Debug, Clone)]
pub(crate) enum Call {
    /// Fire a Python event hook by name, with a few scalar keyword arguments.
    Event {
        name: &'static str,
        arguments: Vec<(&'static str, f64)>,
    },
    /// Tick one of the locustfile's shapes.
    ShapeTick {
        shape: String,
        run_time: f64,
        user_count: u64,
    },
    /// New values of custom options for `environment.parsed_options` (JSON).
    Options(String),
    /// New settings of a user class (JSON of `UserClassSettings`).
    UpdateClass(String),
    /// Keep the tasks of a class that pass tags (JSON: class, tags, exclude_tags).
    FilterTasks(String),
    /// A request for the locustfile's Flask app (`web_ui.app`).
    Wsgi(ExtensionRequest),
    /// A built-in route's answer, through the Flask app's `after_request`.
    AfterRequest(ExtensionRequest, ExtensionResponse),
}

impl Call {
    /// What the call is, for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Call::Event { name, .. } => format!("the {name} event"),
            Call::ShapeTick { shape, .. } => format!("{shape}.tick()"),
            Call::Options(_) => "the custom options".into(),
            Call::UpdateClass(_) => "the user class settings".into(),
            Call::FilterTasks(_) => "the task filter".into(),
            Call::Wsgi(request) | Call::AfterRequest(request, _) => {
                format!("the web UI request {} {}", request.method, request.path)
            }
        }
    }
}

/// What a [`Call`] answered, if anything.
#[derive(Debug)]
pub(crate) enum Answered {
    /// A shape's tick: `(users, spawn rate, classes)`.
    Tick(u64, f64, Option<Vec<String>>),
    /// A text, or an error message (a class as it is after new settings).
    Text(Result<String, String>),
    /// The Flask app's answer to a web UI request.
    Http(ExtensionResponse),
}

/// The answer of a [`Call`].
pub(crate) type Reply = Option<Answered>;

/// One message for the Python thread.
// Nearly every message is a completion: boxing it would add an allocation per
// request to save space in the few command messages.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Message {
    /// A request finished.
    Completed { request: u64, outcome: Outcome },
    /// A read from a streamed body finished: the stream comes back with it.
    Read {
        request: u64,
        stream: Box<BodyStream>,
        result: Result<Bytes, HttpError>,
    },
    /// Start users of a class.
    Spawn {
        class: String,
        count: u64,
        users: HostedUsers,
    },
    /// Stop the newest users of a class.
    Stop {
        class: String,
        count: u64,
        graceful: Option<Duration>,
    },
    /// Kill every user.
    KillAll,
    /// A custom message arrived from another process (data as JSON).
    Custom {
        kind: String,
        data: String,
        node_id: String,
    },
    /// A worker's statistics report reached this master (data as JSON).
    WorkerReport { client_id: String, data: String },
    /// Run something on the Python thread and answer.
    Call {
        call: Call,
        reply: SyncSender<Reply>,
    },
}

/// A queue plus the eventfd that tells the hub it is not empty.
pub(crate) struct Mailbox {
    queue: Mutex<Vec<Message>>,
    fd: OwnedFd,
    /// When the hub last drained, in milliseconds since `epoch`: a hub that
    /// does not drain while woken is held by code that does not yield.
    last_drain: AtomicU64,
    /// When the unanswered [`Mailbox::ping`] was sent, in microseconds
    /// since `epoch` plus one (0: none pending).
    pinged: AtomicU64,
    /// How long the last answered ping waited for a drain, microseconds.
    answered_in: AtomicU64,
    epoch: Instant,
}

impl Mailbox {
    /// A mailbox with a fresh non-blocking eventfd.
    pub(crate) fn new() -> std::io::Result<Mailbox> {
        // SAFETY: eventfd returns a new descriptor we own, or -1.
        let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if raw < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Mailbox {
            queue: Mutex::new(Vec::new()),
            // SAFETY: `raw` is a valid descriptor nobody else owns.
            fd: unsafe { OwnedFd::from_raw_fd(raw) },
            last_drain: AtomicU64::new(0),
            pinged: AtomicU64::new(0),
            answered_in: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    /// The descriptor the hub watches for reading.
    pub(crate) fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Queues a message; wakes the hub only when the queue was empty, so a
    /// burst of completions costs one wake-up.
    pub(crate) fn push(&self, message: Message) {
        let was_empty = {
            let mut queue = self.queue.lock();
            let was_empty = queue.is_empty();
            queue.push(message);
            was_empty
        };
        if was_empty {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a live u64 to our eventfd. A full
            // counter (EAGAIN) still leaves the fd readable, which is all we need.
            unsafe { libc::write(self.fd(), (&one as *const u64).cast(), 8) };
        }
    }

    /// Takes every queued message (resetting the eventfd first, so a message
    /// pushed meanwhile wakes the hub again).
    pub(crate) fn drain(&self) -> Vec<Message> {
        let mut counter: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64; EAGAIN when already reset.
        unsafe { libc::read(self.fd(), (&mut counter as *mut u64).cast(), 8) };
        self.last_drain
            .store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
        let pinged = self.pinged.swap(0, Ordering::Relaxed);
        if pinged != 0 {
            let now = self.epoch.elapsed().as_micros() as u64 + 1;
            self.answered_in
                .store(now.saturating_sub(pinged), Ordering::Relaxed);
        }
        std::mem::take(&mut *self.queue.lock())
    }

    /// Wakes the hub without a message (it drains nothing, but shows it is
    /// alive: see [`Mailbox::idle_for`]).
    pub(crate) fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: as in push.
        unsafe { libc::write(self.fd(), (&one as *const u64).cast(), 8) };
    }

    /// Wakes the hub and notes when, unless an earlier ping is still
    /// unanswered (the generator's self-check, `hub_health`).
    pub(crate) fn ping(&self) {
        let now = self.epoch.elapsed().as_micros() as u64 + 1;
        let _ = self
            .pinged
            .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
        self.wake();
    }

    /// How long the pending ping has waited, or else how long the last one
    /// waited for the hub to drain.
    pub(crate) fn ping_lag(&self) -> Duration {
        let pinged = self.pinged.load(Ordering::Relaxed);
        let micros = if pinged != 0 {
            (self.epoch.elapsed().as_micros() as u64 + 1).saturating_sub(pinged)
        } else {
            self.answered_in.load(Ordering::Relaxed)
        };
        Duration::from_micros(micros)
    }

    /// How long since the hub last drained.
    pub(crate) fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_drain.load(Ordering::Relaxed));
        self.epoch.elapsed().saturating_sub(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readable(fd: RawFd) -> bool {
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, no wait.
        unsafe { libc::poll(&mut poll, 1, 0) == 1 }
    }

    #[test]
    fn a_burst_wakes_the_hub_once_and_drains_in_one_batch() {
        let mailbox = Mailbox::new().expect("eventfd");
        assert!(!readable(mailbox.fd()));
        mailbox.push(Message::KillAll);
        assert!(readable(mailbox.fd()));
        mailbox.push(Message::KillAll);
        mailbox.push(Message::KillAll);
        let batch = mailbox.drain();
        assert_eq!(batch.len(), 3);
        // Drained: no wake-up is pending, and the next message wakes again.
        assert!(!readable(mailbox.fd()));
        assert!(mailbox.drain().is_empty());
        mailbox.push(Message::KillAll);
        assert!(readable(mailbox.fd()));
    }

    #[test]
    fn messages_from_other_threads_all_arrive() {
        let mailbox = std::sync::Arc::new(Mailbox::new().expect("eventfd"));
        let senders: Vec<_> = (0..4)
            .map(|_| {
                let mailbox = mailbox.clone();
                std::thread::spawn(move || (0..250).for_each(|_| mailbox.push(Message::KillAll)))
            })
            .collect();
        senders.into_iter().for_each(|s| s.join().expect("sender"));
        assert_eq!(mailbox.drain().len(), 1000);
    }
}

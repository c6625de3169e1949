//! The I/O thread: every Python user's HTTP requests run here, on one tokio
//! runtime, with locusta's Rust client. A greenlet queues a request and yields
//! to the hub; the finished response goes back through the [`Mailbox`]. Reads
//! of streamed bodies (`stream=True`) go the same way.

use std::sync::Arc;
use std::time::Duration;

use locusta_http::cookie_store::CookieStore;
use locusta_http::{
    Amount, BodyStream, Bytes, ClientConfig, HttpClient, HttpError, Method, Multipart, Response,
};
use locusta_stats::{Recorder, RequestRecord};
use parking_lot::Mutex;
use tokio::sync::mpsc;

use crate::mailbox::{Mailbox, Message, Outcome};

/// A request body, as the Python side described it.
pub(crate) enum Body {
    None,
    /// Raw bytes, with a Content-Type when one is implied (JSON).
    Raw(Bytes, Option<&'static str>),
    /// `application/x-www-form-urlencoded` pairs.
    Form(Vec<(String, String)>),
    /// `multipart/form-data`.
    Multipart(Multipart),
}

/// One request, fully described (owned: it crosses to the I/O thread).
pub(crate) struct PreparedRequest {
    pub method: Method,
    pub url: String,
    pub name: Option<String>,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub body: Body,
    pub basic_auth: Option<(String, String)>,
    pub timeout: Option<Duration>,
    pub allow_redirects: Option<bool>,
    pub catch: bool,
    /// FastHttpUser's success rule instead of HttpUser's.
    pub fast: bool,
    /// Return at the head, leaving the body to be read (`stream=True`).
    pub stream: bool,
}

/// One Python user's HTTP clients: the main one (its cookie jar and
/// keep-alive connections), and spares for requests the user runs
/// concurrently (from greenlets it spawned) while the main one is busy. A
/// spare starts each request with a copy of the main jar (cookies a spare's
/// response sets stay in that spare).
pub(crate) struct UserClients {
    main: Mutex<Option<HttpClient>>,
    spares: Mutex<Vec<HttpClient>>,
    /// The main jar as of its last change (a response that set cookies, or
    /// Python setting them): what a spare client starts each request with.
    jar: Mutex<Option<CookieStore>>,
    host: Option<String>,
    config: Arc<ClientConfig>,
    /// Where requests are reported (the test's statistics), by locusta's
    /// rules: the clients send without reporting.
    recorder: Recorder,
}

impl UserClients {
    /// The clients of a new user; fails on an invalid host. Requests are
    /// reported to `recorder` by locusta's rules (Locust's, per client kind).
    pub(crate) fn new(
        host: Option<String>,
        config: Arc<ClientConfig>,
        recorder: Recorder,
    ) -> Result<UserClients, HttpError> {
        let main = HttpClient::new(host.as_deref(), config.clone(), recorder.clone())?;
        Ok(UserClients {
            main: Mutex::new(Some(main)),
            spares: Mutex::new(Vec::new()),
            jar: Mutex::new(None),
            host,
            config,
            recorder,
        })
    }

    /// Runs `f` with the main client when it is idle (cookie access from Python).
    pub(crate) fn with_main<T>(&self, f: impl FnOnce(&mut HttpClient) -> T) -> Option<T> {
        self.main.lock().as_mut().map(f)
    }

    /// Runs `f`, which changes the main client's cookies, and keeps the jar
    /// for spare clients.
    pub(crate) fn change_cookies<T>(&self, f: impl FnOnce(&mut HttpClient) -> T) -> Option<T> {
        let mut main = self.main.lock();
        let client = main.as_mut()?;
        let result = f(client);
        *self.jar.lock() = Some(client.cookies().clone());
        Some(result)
    }

    fn take(&self) -> (HttpClient, bool) {
        if let Some(client) = self.main.lock().take() {
            return (client, true);
        }
        let spare = self.spares.lock().pop();
        let mut spare = spare.unwrap_or_else(|| {
            HttpClient::new(
                self.host.as_deref(),
                self.config.clone(),
                self.recorder.clone(),
            )
            .or_else(|_| HttpClient::new(None, self.config.clone(), self.recorder.clone()))
            .expect("a client without a host can always be built")
        });
        if let Some(jar) = self.jar.lock().as_ref() {
            *spare.cookies_mut() = jar.clone();
        }
        (spare, false)
    }

    fn give_back(&self, client: HttpClient, main: bool, set_cookies: bool) {
        if main {
            if set_cookies {
                *self.jar.lock() = Some(client.cookies().clone());
            }
            *self.main.lock() = Some(client);
        } else {
            self.spares.lock().push(client);
        }
    }
}

// Nearly every job is a request: boxing it would add an allocation per
// request to save space in the few reads.
#[allow(clippy::large_enum_variant)]
enum Job {
    Request {
        clients: Arc<UserClients>,
        request: PreparedRequest,
        id: u64,
    },
    /// A read from a streamed body.
    Read {
        stream: Box<BodyStream>,
        amount: Amount,
        decode: bool,
        id: u64,
    },
}

impl Job {
    /// Runs the job; its completion goes to `mailbox`.
    async fn run(self, mailbox: &Mailbox) {
        match self {
            Job::Request {
                clients,
                request,
                id,
            } => {
                let outcome = execute(&clients, request).await;
                mailbox.push(Message::Completed {
                    request: id,
                    outcome,
                });
            }
            Job::Read {
                mut stream,
                amount,
                decode,
                id,
            } => {
                let result = stream.read(amount, decode).await;
                mailbox.push(Message::Read {
                    request: id,
                    stream,
                    result,
                });
            }
        }
    }
}

/// Queued requests handed over at once without waiting for the flush: the
/// first requests of a wave of users woken together leave while the rest of
/// the wave is still being run (measured: 32 beats 4, 16, 64 and 128 at 1000
/// users × 50 ms, and costs the 50-user fast path about 3 %).
const FLUSH_AT: usize = 32;

/// Gives the CPU to the I/O thread that was just handed requests, when both
/// share one core: otherwise it sends them only once the Python thread has
/// run the whole wave, the responses come back as one wave again, and users
/// stay in step, each waiting for the whole wave (measured: 18.8k against
/// 19.0k requests/s at 1000 users × 50 ms on one core). A no-op when the I/O
/// thread has a core of its own.
fn let_the_io_thread_run() {
    // SAFETY: sched_yield takes no arguments and cannot fail on Linux.
    unsafe { libc::sched_yield() };
}

/// The handle the Python thread queues requests with. Requests are handed
/// over in batches ([`IoThread::flush`], once per pass of the gevent hub):
/// one wake-up of the I/O thread for many requests.
pub(crate) struct IoThread {
    jobs: mpsc::UnboundedSender<Vec<Job>>,
    queued: Mutex<Vec<Job>>,
}

impl IoThread {
    /// Starts the I/O thread; completions go to `mailbox`.
    pub(crate) fn start(mailbox: Arc<Mailbox>) -> std::io::Result<IoThread> {
        let (jobs, mut inbox) = mpsc::unbounded_channel::<Vec<Job>>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("locusta-python-io".into())
            .spawn(move || {
                let local = tokio::task::LocalSet::new();
                local.block_on(&runtime, async move {
                    while let Some(batch) = inbox.recv().await {
                        for job in batch {
                            let mailbox = mailbox.clone();
                            tokio::task::spawn_local(async move { job.run(&mailbox).await });
                        }
                    }
                });
            })?;
        Ok(IoThread {
            jobs,
            queued: Mutex::new(Vec::new()),
        })
    }

    /// Queues a request until the next [`flush`](Self::flush); its completion
    /// arrives in the mailbox with `id`. True for the first request of a batch
    /// (the caller then arranges a flush).
    pub(crate) fn submit(
        &self,
        clients: Arc<UserClients>,
        request: PreparedRequest,
        id: u64,
    ) -> bool {
        self.queue(Job::Request {
            clients,
            request,
            id,
        })
    }

    /// Queues a read of `amount` from a streamed body, as [`submit`](Self::submit)
    /// queues a request; the stream comes back with the bytes read.
    pub(crate) fn submit_read(
        &self,
        stream: Box<BodyStream>,
        amount: Amount,
        decode: bool,
        id: u64,
    ) -> bool {
        self.queue(Job::Read {
            stream,
            amount,
            decode,
            id,
        })
    }

    fn queue(&self, job: Job) -> bool {
        let mut queued = self.queued.lock();
        queued.push(job);
        if queued.len() >= FLUSH_AT {
            // A wave of users woken together: its first requests go out now.
            let _ = self.jobs.send(std::mem::take(&mut *queued));
            drop(queued);
            let_the_io_thread_run();
            return false;
        }
        queued.len() == 1
    }

    /// Hands the queued requests to the I/O thread.
    pub(crate) fn flush(&self) {
        let batch = std::mem::take(&mut *self.queued.lock());
        if !batch.is_empty() {
            let _ = self.jobs.send(batch);
            let_the_io_thread_run();
        }
    }
}

async fn execute(clients: &UserClients, request: PreparedRequest) -> Outcome {
    let fast = request.fast;
    let (mut client, main) = clients.take();
    let outcome = {
        let mut builder = client.request(request.method, &request.url);
        if let Some(name) = &request.name {
            builder = builder.name(name);
        }
        if !request.query.is_empty() {
            let pairs: Vec<(&str, &str)> = request
                .query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            builder = builder.query(&pairs);
        }
        match request.body {
            Body::None => {}
            Body::Raw(bytes, content_type) => {
                builder = builder.body(bytes);
                if let Some(content_type) = content_type {
                    builder = builder.header("content-type", content_type);
                }
            }
            Body::Form(pairs) => {
                let pairs: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                builder = builder.form(&pairs);
            }
            Body::Multipart(form) => builder = builder.multipart(form),
        }
        if let Some((user, pass)) = &request.basic_auth {
            builder = builder.basic_auth(user, pass);
        }
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(timeout) = request.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(follow) = request.allow_redirects {
            builder = builder.allow_redirects(follow);
        }
        builder = builder.stream(request.stream);
        let response = builder.send_unreported().await;
        let default_failure = if request.fast {
            fast_failure(&response)
        } else {
            response.failure_message()
        };
        if !request.catch {
            report(
                &clients.recorder,
                &response,
                response.name(),
                default_failure.as_deref(),
            );
        }
        Outcome {
            response,
            default_failure,
            caught: request.catch,
            fast,
        }
    };
    let set_cookies = outcome
        .response
        .headers()
        .contains_key(http::header::SET_COOKIE);
    clients.give_back(client, main, set_cookies);
    outcome
}

/// Reports a request into the statistics.
pub(crate) fn report(recorder: &Recorder, response: &Response, name: &str, error: Option<&str>) {
    recorder.record(&RequestRecord {
        request_type: response.method().as_str(),
        name,
        response_time: Some(response.elapsed()),
        response_length: response.content_length(),
        error,
        start_time: response.start_time(),
        url: response.url(),
        status: response.status(),
    });
}

/// FastHttpUser's rule: a success is a 2xx of 200–208 or 226, or a redirect
/// status (301–304, 307, 308); anything else, and no response, is a failure,
/// named as Locust's FastHttpSession names it (`LocustBadStatusCode(code=404)`).
fn fast_failure(response: &Response) -> Option<String> {
    if let Some(error) = response.error() {
        return Some(error.to_string());
    }
    let status = response.status();
    if matches!(status, 200..=208 | 226 | 301..=304 | 307 | 308) {
        return None;
    }
    Some(format!("LocustBadStatusCode(code={status})"))
}

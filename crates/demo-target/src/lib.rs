//! A small shop-like HTTP/1.1 API to load-test: the target of locusta's
//! quickstart, examples, tests and benchmarks.
//!
//! Endpoints:
//!
//! | request | answer |
//! |---|---|
//! | `GET /` | 200, a static 100-byte text body (the benchmark fast path) |
//! | `POST /login` | JSON or form `username` + `password` → `{"token": …}` and a `session` cookie |
//! | `GET /products`, `GET /products/{id}` | the catalogue of 20 products, or one (404 if unknown) |
//! | `GET /cart`, `POST /cart` | the session's cart; add `{"product_id": n, "quantity": k}` (401 without session) |
//! | `POST /checkout` | 200 with an order id, 400 if the cart is empty, 401 without session |
//! | `GET /sleep?ms=N` | waits N ms (at most 60 s), then 200 |
//! | `/status/{code}` | answers with that status |
//! | `GET /redirect?to=/path` | 302 to a local path |
//! | `/headers` | echoes the request headers as a JSON object |
//! | `GET /stats` | `{"requests": n}`: requests served, not counting `/stats` itself |
//!
//! The shop endpoints (`/`, `/login`, `/products…`, `/cart`, `/checkout`) honour
//! [`TargetConfig::latency`] and [`TargetConfig::error_rate`]; the helpers do not.
//!
//! ```no_run
//! let target = locusta_demo_target::spawn(locusta_demo_target::TargetConfig::default());
//! println!("load-test me at {}", target.url());
//! ```

mod handler;
mod shop;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How the demo target behaves.
#[derive(Debug, Clone)]
pub struct TargetConfig {
    /// Delay added to every shop endpoint before it answers.
    pub latency: Duration,
    /// Fraction (0.0–1.0) of shop requests answered with a 500.
    pub error_rate: f64,
    /// Most sessions kept; the oldest are forgotten beyond it.
    pub max_sessions: usize,
}

impl Default for TargetConfig {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            error_rate: 0.0,
            max_sessions: 100_000,
        }
    }
}

/// A demo target: its state (sessions, counters) shared by all connections.
#[derive(Clone)]
pub struct Target {
    state: Arc<handler::State>,
}

impl Target {
    /// Creates a target with empty sessions and a zero request count.
    pub fn new(config: TargetConfig) -> Self {
        Self {
            state: Arc::new(handler::State::new(config)),
        }
    }

    /// Requests served so far, not counting `/stats` queries.
    pub fn requests_served(&self) -> u64 {
        self.state.served.load(Ordering::Relaxed)
    }

    /// Accepts and serves connections from `listener` forever.
    ///
    /// Accept errors (such as running out of file descriptors) are retried
    /// after a short pause.
    pub async fn serve(self, listener: TcpListener) {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            // Latency matters more than packet count for a load-test target.
            let _ = stream.set_nodelay(true);
            let state = self.state.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| handler::handle(state.clone(), req));
                // A client closing or resetting its connection is not our error.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }
}

/// Serves the demo target on `listener` forever.
pub async fn serve(listener: TcpListener, config: TargetConfig) {
    Target::new(config).serve(listener).await
}

/// A demo target running on its own thread; stops when dropped.
pub struct RunningTarget {
    addr: SocketAddr,
    target: Target,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RunningTarget {
    /// The address it listens on (127.0.0.1 and a free port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests served so far, not counting `/stats` queries.
    pub fn requests_served(&self) -> u64 {
        self.target.requests_served()
    }
}

impl Drop for RunningTarget {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a demo target on 127.0.0.1 and a free port, on its own thread
/// with a single-threaded runtime.
///
/// # Panics
///
/// If no port can be bound or the thread or runtime cannot be created.
pub fn spawn(config: TargetConfig) -> RunningTarget {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").expect("demo target: bind 127.0.0.1:0");
    listener
        .set_nonblocking(true)
        .expect("demo target: set_nonblocking");
    let addr = listener.local_addr().expect("demo target: local_addr");
    let target = Target::new(config);
    let (stop, stopped) = oneshot::channel::<()>();
    let runner = target.clone();
    let thread = std::thread::Builder::new()
        .name(format!("demo-target-{}", addr.port()))
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("demo target: tokio runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("demo target: listener");
                tokio::select! {
                    _ = runner.serve(listener) => {}
                    _ = stopped => {}
                }
            });
        })
        .expect("demo target: spawn thread");
    RunningTarget {
        addr,
        target,
        stop: Some(stop),
        thread: Some(thread),
    }
}

//! Client throughput against a minimal server, for measuring CPU per request.
//!
//! ```text
//! cargo run --release -p locusta-http --example throughput -- serve 8099 &
//! cargo run --release -p locusta-http --example throughput -- load http://127.0.0.1:8099 50 10
//! ```
//! `serve PORT`: a single-threaded hyper server answering 100 bytes.
//! `load URL USERS SECONDS`: USERS clients on one thread (LocalSet), no wait.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use locusta_http::{ClientConfig, HttpClient};
use locusta_stats::SharedStats;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match args.first().map(String::as_str) {
        Some("serve") => runtime.block_on(serve(args[1].parse().expect("port"))),
        Some("load") => {
            let users = args[2].parse().expect("users");
            let secs = args[3].parse().expect("seconds");
            let local = tokio::task::LocalSet::new();
            local.block_on(&runtime, load(&args[1], users, Duration::from_secs(secs)));
        }
        _ => eprintln!("usage: throughput serve PORT | load URL USERS SECONDS"),
    }
}

async fn serve(port: u16) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    let body = Bytes::from(vec![b'x'; 100]);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |_req| {
                let body = body.clone();
                async move { Ok::<_, hyper::Error>(hyper::Response::new(Full::new(body))) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .await;
        });
    }
}

async fn load(url: &str, users: usize, duration: Duration) {
    let stats = SharedStats::new();
    let recorder = stats.recorder();
    let config = Arc::new(ClientConfig::default());
    let done = Rc::new(Cell::new(0u64));
    let failed = Rc::new(Cell::new(0u64));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..users {
        let mut client =
            HttpClient::new(Some(url), config.clone(), recorder.clone()).expect("client");
        let (done, failed) = (done.clone(), failed.clone());
        tasks.push(tokio::task::spawn_local(async move {
            while start.elapsed() < duration {
                let response = client.get("/").send().await;
                done.set(done.get() + 1);
                if !response.ok() {
                    failed.set(failed.get() + 1);
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("user task");
    }
    let secs = start.elapsed().as_secs_f64();
    let collected = stats.collect();
    println!(
        "{} requests ({} failed) in {secs:.2} s: {:.0} req/s; recorded {}, p50 {:.2} ms",
        done.get(),
        failed.get(),
        done.get() as f64 / secs,
        collected.num_requests(),
        collected.total.median_response_time(),
    );
}

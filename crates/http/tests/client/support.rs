//! Test servers on 127.0.0.1 (hyper, or raw TCP for misbehaving peers) and a
//! recorder that captures what the client reports.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Response};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use locusta_http::{ClientConfig, HttpClient};
use locusta_stats::SharedStats;
use tokio::net::{TcpListener, TcpStream};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A hyper HTTP/1.1 server answering with `handler`, counting connections.
pub struct Server {
    pub addr: SocketAddr,
    pub accepted: Arc<AtomicUsize>,
    pub requests: Arc<Mutex<Vec<Captured>>>,
}

impl Server {
    pub async fn start(
        handler: impl Fn(&Captured) -> Response<Full<Bytes>> + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let (acc, reqs) = (accepted.clone(), requests.clone());
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                acc.fetch_add(1, Ordering::SeqCst);
                let (handler, reqs) = (handler.clone(), reqs.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let (handler, reqs) = (handler.clone(), reqs.clone());
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body.collect().await?.to_bytes();
                            let captured = Captured {
                                method: parts.method.to_string(),
                                uri: parts.uri.to_string(),
                                headers: parts.headers,
                                body,
                            };
                            let response = handler(&captured);
                            reqs.lock().unwrap().push(captured);
                            Ok::<_, hyper::Error>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
        Server {
            addr,
            accepted,
            requests,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    pub fn last(&self) -> Captured {
        self.requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request")
    }
}

/// A raw TCP server running `handle` on each accepted connection.
pub async fn raw_server<F, Fut>(handle: F) -> (SocketAddr, Arc<AtomicUsize>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let acc = accepted.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            acc.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handle(tcp));
        }
    });
    (addr, accepted)
}

/// Reads one request head (up to the blank line) from a raw connection.
pub async fn read_head(tcp: &mut TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if tcp.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// What the client reported for one request.
#[derive(Debug, Clone)]
pub struct Record {
    pub method: String,
    pub name: String,
    pub error: Option<String>,
    pub status: u16,
    pub length: u64,
    pub url: String,
    pub response_time: Option<Duration>,
}

pub type Records = Arc<Mutex<Vec<Record>>>;

/// A client for `host` whose reports land in the returned list.
pub fn client(host: Option<&str>, config: ClientConfig) -> (HttpClient, Records) {
    let stats = SharedStats::new();
    let records: Records = Arc::new(Mutex::new(Vec::new()));
    let sink = records.clone();
    stats.add_request_listener(Arc::new(move |r| {
        sink.lock().unwrap().push(Record {
            method: r.request_type.to_owned(),
            name: r.name.to_owned(),
            error: r.error.map(str::to_owned),
            status: r.status,
            length: r.response_length,
            url: r.url.to_owned(),
            response_time: r.response_time,
        })
    }));
    let client = HttpClient::new(host, Arc::new(config), stats.recorder()).unwrap();
    (client, records)
}

pub fn ok(body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    Response::new(Full::new(body.into()))
}

pub fn status(code: u16) -> Response<Full<Bytes>> {
    let mut r = ok(Bytes::new());
    *r.status_mut() = http::StatusCode::from_u16(code).unwrap();
    r
}

pub fn redirect(code: u16, location: &str) -> Response<Full<Bytes>> {
    let mut r = status(code);
    r.headers_mut()
        .insert("location", location.parse().unwrap());
    r
}

pub fn last(records: &Records) -> Record {
    records.lock().unwrap().last().cloned().expect("a record")
}

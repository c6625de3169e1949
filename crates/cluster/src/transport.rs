//! The sockets: the master listens with a ZeroMQ ROUTER, each worker
//! connects a DEALER whose identity is its node id. Frames carry
//! [`Message`]s. Both speak ZMTP 3 over TCP through [`crate::zmtp`], which
//! bounds every length a peer sends before anything is allocated for it.
//!
//! * A connection that breaks the protocol (a frame or command claiming more
//!   than the limits, a bad greeting, a handshake that does not finish in
//!   [`HANDSHAKE_TIMEOUT`]) is dropped with a warning naming the peer; the
//!   other connections and the run go on. A frame that is not a msgpack
//!   message is logged and skipped, and the connection goes on.
//! * The ROUTER hands a worker's identity over to its newest connection (a
//!   worker that reconnects replaces its old connection). A message for an
//!   identity without a connection is an error for the caller to log.
//! * The DEALER reconnects by itself when its connection breaks, as
//!   libzmq's does; messages sent meanwhile wait in its queue.
//! * Each connection has a queue of [`QUEUE_LEN`] messages; a send waits at
//!   most [`SEND_TIMEOUT`] for room, so a peer that stopped reading cannot
//!   block the caller.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::message::Message;
use crate::zmtp::{self, Assembler, Command, Event, SocketType};

/// How long one send may wait for room in the peer's queue.
const SEND_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a new connection has to finish the ZMTP handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Messages queued per connection.
pub const QUEUE_LEN: usize = 1000;

/// How long a DEALER waits between reconnection attempts.
const RECONNECT_INTERVAL: Duration = Duration::from_millis(200);

/// Workers cannot be listened for ([`MasterSocket::bind`]).
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for workers on {host}:{port}: {error}")]
pub struct BindError {
    /// The host, as bound (`0.0.0.0` for `*` or an empty host).
    pub host: String,
    /// The port.
    pub port: u16,
    /// Why binding failed.
    pub error: std::io::Error,
}

/// A message that cannot be queued ([`MasterSocket::send`], [`WorkerSocket::send`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The master has no connection from a worker of that identity.
    #[error("no connection with that identity")]
    NoConnection,
    /// The master's connection to that worker has closed.
    #[error("the connection closed")]
    ConnectionClosed,
    /// The worker's socket has stopped.
    #[error("the socket is closed")]
    SocketClosed,
    /// The queue stayed full for [`SEND_TIMEOUT`].
    #[error("timed out")]
    TimedOut,
}

/// A worker that cannot reach its master ([`WorkerSocket::connect`]).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// A node id that is empty or longer than 255 bytes.
    #[error("bad node id: 1 to 255 bytes")]
    BadNodeId,
    /// The master's host name does not resolve.
    #[error("cannot connect to {endpoint}: {error}")]
    Resolve {
        /// `tcp://host:port`.
        endpoint: String,
        /// The resolver's error.
        error: std::io::Error,
    },
    /// The master's host name did not resolve within the timeout.
    #[error("cannot connect to {endpoint}: its name did not resolve in {seconds} s")]
    ResolveTimedOut {
        /// `tcp://host:port`.
        endpoint: String,
        /// The timeout.
        seconds: u64,
    },
    /// The last attempt to connect and shake hands failed, with no time
    /// left for another.
    #[error("cannot connect to {endpoint}: {error}")]
    Dial {
        /// `tcp://host:port`.
        endpoint: String,
        /// What went wrong: the TCP error, or what the peer did wrong.
        error: LinkError,
    },
    /// No connection within the timeout.
    #[error("cannot connect to {endpoint}: no answer in {seconds} s")]
    NoAnswer {
        /// `tcp://host:port`.
        endpoint: String,
        /// The timeout.
        seconds: u64,
    },
}

/// An established connection: the stream, the peer's identity, and bytes
/// that arrived after the handshake.
struct Connection {
    stream: TcpStream,
    identity: Bytes,
    buffered: BytesMut,
}

/// Why a connection could not be made or ended: what the peer did wrong,
/// that it closed the connection, or an I/O error.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The TCP connection cannot be made.
    #[error("{0}")]
    Tcp(std::io::Error),
    /// The peer closed (or reset) the connection.
    #[error("the connection closed")]
    Closed,
    /// The peer broke the framing (see [`zmtp`]).
    #[error(transparent)]
    Zmtp(#[from] zmtp::ZmtpError),
    /// Reading failed.
    #[error("reading failed: {0}")]
    Read(std::io::Error),
    /// Writing failed.
    #[error("writing failed: {0}")]
    Write(std::io::Error),
    /// Our greeting cannot be written.
    #[error("writing the greeting failed: {0}")]
    WriteGreeting(std::io::Error),
    /// The peer's greeting cannot be read.
    #[error("reading the greeting failed: {0}")]
    ReadGreeting(std::io::Error),
    /// Our READY cannot be written.
    #[error("writing READY failed: {0}")]
    WriteReady(std::io::Error),
    /// The peer's socket type is not one ours talks to.
    #[error("a {peer} socket cannot talk to a {ours}")]
    Mismatch {
        /// The peer's socket type (at most 32 bytes of it).
        peer: String,
        /// Ours.
        ours: &'static str,
    },
    /// A PING where READY was due.
    #[error("expected READY, got PING")]
    PingBeforeReady,
    /// Another command where READY was due (its name, at most 32 bytes).
    #[error("expected READY, got the command {0:?}")]
    CommandBeforeReady(String),
    /// A message (of this many frames) where READY was due.
    #[error("expected READY, got a message of {0} frames")]
    MessageBeforeReady(usize),
    /// No handshake within [`HANDSHAKE_TIMEOUT`].
    #[error("no ZMTP handshake within {} s", HANDSHAKE_TIMEOUT.as_secs())]
    HandshakeTimeout,
    /// A second READY after the handshake.
    #[error("a second READY")]
    SecondReady,
}

/// Reads until `assembler` has the next event; an error names what the
/// peer did wrong, or that it closed the connection.
async fn read_event(
    reader: &mut (impl AsyncReadExt + Unpin),
    buffer: &mut BytesMut,
    assembler: &mut Assembler,
) -> Result<Event, LinkError> {
    loop {
        if let Some(event) = assembler.next(buffer)? {
            return Ok(event);
        }
        buffer.reserve(assembler.wanted(buffer));
        match reader.read_buf(buffer).await {
            Ok(0) => return Err(LinkError::Closed),
            Ok(_) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                return Err(LinkError::Closed)
            }
            Err(error) => return Err(LinkError::Read(error)),
        }
    }
}

/// The ZMTP handshake on a new stream: greetings, then READY both ways.
async fn handshake(
    mut stream: TcpStream,
    kind: SocketType,
    identity: &[u8],
) -> Result<Connection, LinkError> {
    let _ = stream.set_nodelay(true);
    stream
        .write_all(&zmtp::greeting())
        .await
        .map_err(LinkError::WriteGreeting)?;
    let mut greeting = [0u8; zmtp::GREETING_LEN];
    stream
        .read_exact(&mut greeting)
        .await
        .map_err(LinkError::ReadGreeting)?;
    zmtp::parse_greeting(&greeting)?;
    stream
        .write_all(&zmtp::ready(kind, identity))
        .await
        .map_err(LinkError::WriteReady)?;
    let mut buffered = BytesMut::new();
    let mut assembler = Assembler::new(zmtp::MAX_COMMAND_BYTES);
    match read_event(&mut stream, &mut buffered, &mut assembler).await? {
        Event::Command(Command::Ready {
            socket_type,
            identity,
        }) => {
            if !kind.accepts(&socket_type) {
                return Err(LinkError::Mismatch {
                    peer: String::from_utf8_lossy(&socket_type[..socket_type.len().min(32)])
                        .into_owned(),
                    ours: kind.name(),
                });
            }
            Ok(Connection {
                stream,
                identity,
                buffered,
            })
        }
        Event::Command(Command::Ping(_)) => Err(LinkError::PingBeforeReady),
        Event::Command(Command::Other(name)) => Err(LinkError::CommandBeforeReady(
            String::from_utf8_lossy(&name[..name.len().min(32)]).into_owned(),
        )),
        Event::Message(parts) => Err(LinkError::MessageBeforeReady(parts.len())),
    }
}

/// The handshake within [`HANDSHAKE_TIMEOUT`].
async fn handshake_in_time(
    stream: TcpStream,
    kind: SocketType,
    identity: &[u8],
) -> Result<Connection, LinkError> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(stream, kind, identity)).await {
        Ok(result) => result,
        Err(_) => Err(LinkError::HandshakeTimeout),
    }
}

/// Writes queued bytes (messages, and PONGs from `pongs`) until the queue
/// closes (`Ok`) or writing fails.
async fn write_queue(
    mut writer: impl AsyncWriteExt + Unpin,
    queue: &mut mpsc::Receiver<Vec<u8>>,
    pongs: &mut mpsc::Receiver<Vec<u8>>,
) -> Result<(), LinkError> {
    loop {
        let bytes = tokio::select! {
            bytes = queue.recv() => match bytes {
                Some(bytes) => bytes,
                None => return Ok(()),
            },
            Some(pong) = pongs.recv() => pong,
        };
        writer.write_all(&bytes).await.map_err(LinkError::Write)?;
    }
}

/// A worker's connection as the master keeps it.
struct Peer {
    generation: u64,
    queue: mpsc::Sender<Vec<u8>>,
}

type Peers = Arc<Mutex<HashMap<Bytes, Peer>>>;

/// The master's ROUTER socket.
pub struct MasterSocket {
    peers: Peers,
    port: u16,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for MasterSocket {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl MasterSocket {
    /// Binds `tcp://host:port` (`*` or an empty host: every interface; port 0:
    /// any free port) and returns the socket and the channel of received
    /// messages (the sender's identity and the message).
    pub async fn bind(
        host: &str,
        port: u16,
    ) -> Result<(MasterSocket, mpsc::UnboundedReceiver<(String, Message)>), BindError> {
        let host = match host.trim_start_matches('[').trim_end_matches(']') {
            "" | "*" => "0.0.0.0",
            host => host,
        };
        let listener = TcpListener::bind((host, port))
            .await
            .map_err(|error| BindError {
                host: host.to_string(),
                port,
                error,
            })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
        let peers: Peers = Arc::default();
        let (inbox, messages) = mpsc::unbounded_channel();
        let accept = {
            let peers = peers.clone();
            tokio::spawn(async move {
                let generations = AtomicU64::new(0);
                loop {
                    match listener.accept().await {
                        Ok((stream, address)) => {
                            let generation = generations.fetch_add(1, Ordering::Relaxed);
                            tokio::spawn(serve_worker(
                                stream,
                                address,
                                generation,
                                peers.clone(),
                                inbox.clone(),
                            ));
                        }
                        Err(error) => {
                            // Out of file descriptors, for instance: wait, go on.
                            log::warn!("accepting a worker's connection failed: {error}");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            })
        };
        Ok((
            MasterSocket {
                peers,
                port,
                accept,
            },
            messages,
        ))
    }

    /// The port the socket listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Sends `message` to the worker whose identity is `to`.
    pub async fn send(&self, to: &str, message: &Message) -> Result<(), SendError> {
        let queue = match self.peers.lock().get(to.as_bytes()) {
            Some(peer) => peer.queue.clone(),
            None => return Err(SendError::NoConnection),
        };
        let bytes = zmtp::encode_message(&[&message.encode()]);
        match tokio::time::timeout(SEND_TIMEOUT, queue.send(bytes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(SendError::ConnectionClosed),
            Err(_) => Err(SendError::TimedOut),
        }
    }
}

/// One worker's connection to the master: handshake, then messages to
/// `inbox` until it closes or breaks the protocol.
async fn serve_worker(
    stream: TcpStream,
    address: SocketAddr,
    generation: u64,
    peers: Peers,
    inbox: mpsc::UnboundedSender<(String, Message)>,
) {
    let connection = match handshake_in_time(stream, SocketType::Router, b"").await {
        Ok(connection) => connection,
        Err(error) => {
            log::warn!("dropped the connection from {address}: {error}");
            return;
        }
    };
    let identity = if connection.identity.is_empty() {
        // libzmq's way: a zero byte, then four of its own.
        let mut id = vec![0u8];
        id.extend_from_slice(&rand::random::<u32>().to_be_bytes());
        Bytes::from(id)
    } else {
        connection.identity.clone()
    };
    let name = String::from_utf8_lossy(&identity).into_owned();
    let (queue, mut queued) = mpsc::channel(QUEUE_LEN);
    let (pong, mut pongs) = mpsc::channel(4);
    peers
        .lock()
        .insert(identity.clone(), Peer { generation, queue });
    let (mut reader, writer) = connection.stream.into_split();
    let mut writing =
        tokio::spawn(async move { write_queue(writer, &mut queued, &mut pongs).await });
    let mut buffer = connection.buffered;
    let reading = read_messages(
        &mut reader,
        &mut buffer,
        |parts| {
            let [payload] = parts.as_slice() else {
                log::warn!(
                    "ignoring a message of {} frames from worker {name}",
                    parts.len()
                );
                return true;
            };
            match Message::decode(payload) {
                Ok(message) => inbox.send((name.clone(), message)).is_ok(),
                Err(error) => {
                    log::error!("corrupt message from worker {name}: {error}");
                    true
                }
            }
        },
        &pong,
    );
    let outcome = tokio::select! {
        outcome = reading => outcome,
        written = &mut writing => match written {
            Ok(Err(error)) => Err(error),
            _ => Ok(()),
        },
    };
    writing.abort();
    {
        let mut peers = peers.lock();
        if peers.get(&identity).map(|p| p.generation) == Some(generation) {
            peers.remove(&identity);
        }
    }
    match outcome {
        Err(error) if !matches!(error, LinkError::Closed) => log::warn!(
            "dropped the connection of worker {} from {address}: {error}",
            String::from_utf8_lossy(&identity)
        ),
        _ => log::debug!("worker {} disconnected", String::from_utf8_lossy(&identity)),
    }
}

/// Reads messages and commands until the connection ends; each message's
/// frames go to `deliver`, which returns false to stop. PINGs are answered
/// through `pong`.
async fn read_messages(
    reader: &mut OwnedReadHalf,
    buffer: &mut BytesMut,
    mut deliver: impl FnMut(Vec<Bytes>) -> bool,
    pong: &mpsc::Sender<Vec<u8>>,
) -> Result<(), LinkError> {
    let mut assembler = Assembler::new(zmtp::max_message_bytes());
    loop {
        match read_event(reader, buffer, &mut assembler).await? {
            Event::Message(parts) => {
                if !deliver(parts) {
                    return Ok(());
                }
            }
            Event::Command(Command::Ping(context)) => {
                let _ = pong.try_send(zmtp::pong(&context));
            }
            Event::Command(Command::Ready { .. }) => {
                return Err(LinkError::SecondReady);
            }
            Event::Command(Command::Other(name)) => {
                log::debug!("ignoring command {}", String::from_utf8_lossy(&name));
            }
        }
    }
}

/// A worker's DEALER socket.
pub struct WorkerSocket {
    queue: mpsc::Sender<Vec<u8>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WorkerSocket {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Connects and shakes hands with the master once.
async fn dial(host: &str, port: u16, identity: &[u8]) -> Result<Connection, LinkError> {
    let stream = TcpStream::connect((host, port))
        .await
        .map_err(LinkError::Tcp)?;
    handshake_in_time(stream, SocketType::Dealer, identity).await
}

impl WorkerSocket {
    /// Connects to `tcp://host:port` with the identity `node_id`, trying for
    /// at most `timeout`; returns the socket and the channel of received
    /// messages.
    pub async fn connect(
        host: &str,
        port: u16,
        node_id: &str,
        timeout: Duration,
    ) -> Result<(WorkerSocket, mpsc::UnboundedReceiver<Message>), ConnectError> {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let endpoint = format!("tcp://{host}:{port}");
        if node_id.is_empty() || node_id.len() > 255 {
            return Err(ConnectError::BadNodeId);
        }
        let identity = node_id.as_bytes().to_vec();
        let deadline = tokio::time::Instant::now() + timeout;
        // A name that does not resolve is not worth waiting for.
        match tokio::time::timeout_at(deadline, tokio::net::lookup_host((host.as_str(), port)))
            .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return Err(ConnectError::Resolve { endpoint, error }),
            Err(_) => {
                return Err(ConnectError::ResolveTimedOut {
                    endpoint,
                    seconds: timeout.as_secs(),
                })
            }
        }
        let connection = loop {
            match tokio::time::timeout_at(deadline, dial(&host, port, &identity)).await {
                Ok(Ok(connection)) => break connection,
                Ok(Err(error)) => {
                    if tokio::time::Instant::now() + RECONNECT_INTERVAL >= deadline {
                        return Err(ConnectError::Dial { endpoint, error });
                    }
                    log::debug!("cannot connect to {endpoint} yet: {error}");
                    tokio::time::sleep(RECONNECT_INTERVAL).await;
                }
                Err(_) => {
                    return Err(ConnectError::NoAnswer {
                        endpoint,
                        seconds: timeout.as_secs(),
                    })
                }
            }
        };
        let (queue, mut queued) = mpsc::channel(QUEUE_LEN);
        let (inbox, messages) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let mut connection = Some(connection);
            loop {
                if let Some(connection) = connection.take() {
                    match run_dealer(connection, &mut queued, &inbox).await {
                        Ok(()) => return,
                        Err(error) => log::debug!("the connection to {endpoint} ended: {error}"),
                    }
                }
                if inbox.is_closed() {
                    return;
                }
                tokio::time::sleep(RECONNECT_INTERVAL).await;
                match dial(&host, port, &identity).await {
                    Ok(new) => connection = Some(new),
                    Err(error) => log::debug!("reconnecting to {endpoint}: {error}"),
                }
            }
        });
        Ok((WorkerSocket { queue, task }, messages))
    }

    /// Sends `message` to the master.
    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        let bytes = zmtp::encode_message(&[&message.encode()]);
        match tokio::time::timeout(SEND_TIMEOUT, self.queue.send(bytes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(SendError::SocketClosed),
            Err(_) => Err(SendError::TimedOut),
        }
    }
}

/// Runs one connection of a DEALER: `Ok` when the socket or its receiver was
/// dropped, an error when the connection broke (then it reconnects).
async fn run_dealer(
    connection: Connection,
    queued: &mut mpsc::Receiver<Vec<u8>>,
    inbox: &mpsc::UnboundedSender<Message>,
) -> Result<(), LinkError> {
    let (mut reader, writer) = connection.stream.into_split();
    let mut buffer = connection.buffered;
    let (pong, mut pongs) = mpsc::channel(4);
    let reading = read_messages(
        &mut reader,
        &mut buffer,
        |mut parts| {
            let Some(payload) = parts.pop() else {
                return true;
            };
            match Message::decode(&payload) {
                Ok(message) => inbox.send(message).is_ok(),
                Err(error) => {
                    log::error!("corrupt message from the master: {error}");
                    true
                }
            }
        },
        &pong,
    );
    let outcome = tokio::select! {
        outcome = reading => outcome,
        written = write_queue(writer, queued, &mut pongs) => written,
    };
    match outcome {
        Ok(()) => Ok(()),
        Err(LinkError::Closed) => Err(LinkError::Closed),
        Err(error) => {
            log::warn!("dropped the connection to the master: {error}");
            Err(error)
        }
    }
}

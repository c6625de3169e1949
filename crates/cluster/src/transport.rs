//! The sockets: the master binds a ZeroMQ ROUTER, each worker connects a
//! DEALER whose identity is its node id. Frames carry [`Message`]s.
//!
//! Each socket is split: a task owns the receiving half and forwards decoded
//! messages over a channel (a corrupt frame is logged and skipped), and sends
//! go through the cloneable sending half with a time limit, so a peer that
//! stopped reading cannot block the caller.

use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use zeromq::util::PeerIdentity;
use zeromq::{
    DealerSendHalf, RouterSendHalf, Socket, SocketOptions, SocketRecv, SocketSend, ZmqMessage,
};

use crate::message::Message;

/// How long one send may wait for room in the peer's queue.
const SEND_TIMEOUT: Duration = Duration::from_secs(3);

/// The master's ROUTER socket.
pub struct MasterSocket {
    send: RouterSendHalf,
    port: u16,
}

impl MasterSocket {
    /// Binds `tcp://host:port` (`*` or an empty host: every interface; port 0:
    /// any free port) and returns the socket and the channel of received
    /// messages (the sender's identity and the message).
    pub async fn bind(
        host: &str,
        port: u16,
    ) -> Result<(MasterSocket, mpsc::UnboundedReceiver<(String, Message)>), String> {
        let host = match host {
            "" | "*" => "0.0.0.0",
            host => host,
        };
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let endpoint = format!("tcp://{host}:{port}");
        let mut socket = zeromq::RouterSocket::new();
        let bound = socket
            .bind(&endpoint)
            .await
            .map_err(|e| format!("cannot listen for workers on {endpoint}: {e}"))?;
        let port = match bound {
            zeromq::Endpoint::Tcp(_, port) => port,
            _ => port,
        };
        let (send, mut recv) = socket.split();
        let (inbox, messages) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                match recv.recv().await {
                    Ok(frames) => {
                        let frames = frames.into_vec();
                        let [identity, payload] = frames.as_slice() else {
                            log::warn!(
                                "ignoring a message of {} frames from a worker",
                                frames.len()
                            );
                            continue;
                        };
                        let identity = String::from_utf8_lossy(identity).into_owned();
                        match Message::decode(payload) {
                            Ok(message) => {
                                if inbox.send((identity, message)).is_err() {
                                    return;
                                }
                            }
                            Err(error) => {
                                log::error!("corrupt message from worker {identity}: {error}")
                            }
                        }
                    }
                    Err(error) => {
                        log::error!("receiving from workers failed: {error}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok((MasterSocket { send, port }, messages))
    }

    /// The port the socket listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Sends `message` to the worker whose identity is `to`.
    pub async fn send(&self, to: &str, message: &Message) -> Result<(), String> {
        let identity = PeerIdentity::try_from(to.as_bytes()).map_err(|e| e.to_string())?;
        let mut frames = ZmqMessage::from(Bytes::from(message.encode()));
        frames.push_front(Bytes::copy_from_slice(&identity));
        let mut send = self.send.clone();
        match tokio::time::timeout(SEND_TIMEOUT, send.send(frames)).await {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(_) => Err("timed out".into()),
        }
    }
}

/// A worker's DEALER socket.
pub struct WorkerSocket {
    send: tokio::sync::Mutex<DealerSendHalf>,
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
    ) -> Result<(WorkerSocket, mpsc::UnboundedReceiver<Message>), String> {
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let endpoint = format!("tcp://{host}:{port}");
        let mut options = SocketOptions::default();
        options.peer_identity(
            PeerIdentity::try_from(node_id.as_bytes()).map_err(|e| format!("bad node id: {e}"))?,
        );
        options.connect_timeout(timeout);
        let mut socket = zeromq::DealerSocket::with_options(options);
        match tokio::time::timeout(timeout, socket.connect(&endpoint)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(format!("cannot connect to {endpoint}: {error}")),
            Err(_) => {
                return Err(format!(
                    "cannot connect to {endpoint}: no answer in {} s",
                    timeout.as_secs()
                ))
            }
        }
        let (send, mut recv) = socket.split();
        let (inbox, messages) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                match recv.recv().await {
                    Ok(frames) => {
                        let Some(payload) = frames.into_vec().pop() else {
                            continue;
                        };
                        match Message::decode(&payload) {
                            Ok(message) => {
                                if inbox.send(message).is_err() {
                                    return;
                                }
                            }
                            Err(error) => log::error!("corrupt message from the master: {error}"),
                        }
                    }
                    Err(error) => {
                        log::debug!("receiving from the master failed: {error}");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        });
        Ok((
            WorkerSocket {
                send: tokio::sync::Mutex::new(send),
            },
            messages,
        ))
    }

    /// Sends `message` to the master.
    pub async fn send(&self, message: &Message) -> Result<(), String> {
        let frames = ZmqMessage::from(Bytes::from(message.encode()));
        let send = async { self.send.lock().await.send(frames).await };
        match tokio::time::timeout(SEND_TIMEOUT, send).await {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(_) => Err("timed out".into()),
        }
    }
}

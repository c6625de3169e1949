//! ROUTER/DEALER round trips on 127.0.0.1.

use std::time::Duration;

use locusta_cluster::message::{map, MapExt};
use locusta_cluster::transport::{MasterSocket, WorkerSocket};
use locusta_cluster::{new_node_id, Message};

#[tokio::test]
async fn worker_and_master_exchange_messages() {
    let (master, mut from_workers) = MasterSocket::bind("127.0.0.1", 0).await.unwrap();
    assert_ne!(master.port(), 0);
    let id = new_node_id();
    let (worker, mut from_master) =
        WorkerSocket::connect("127.0.0.1", master.port(), &id, Duration::from_secs(5))
            .await
            .unwrap();
    worker
        .send(&Message::new("client_ready", "2.47.0".into(), &id))
        .await
        .unwrap();
    let (identity, message) = tokio::time::timeout(Duration::from_secs(5), from_workers.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(identity, id);
    assert_eq!(message.kind, "client_ready");
    assert_eq!(message.node_id, id);
    master
        .send(
            &id,
            &Message::new("ack", map(vec![("index", 0.into())]), &id),
        )
        .await
        .unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(5), from_master.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ack.kind, "ack");
    assert_eq!(ack.data.get_u64("index"), Some(0));
}

#[tokio::test]
async fn connecting_to_nobody_fails_in_time() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let result = WorkerSocket::connect(
        "127.0.0.1",
        port,
        &new_node_id(),
        Duration::from_millis(500),
    )
    .await;
    assert!(result.is_err());
}

#[tokio::test]
async fn a_corrupt_frame_is_dropped_and_the_connection_goes_on() {
    use zeromq::{Socket, SocketOptions, SocketRecv as _, SocketSend as _};
    let (master, mut from_workers) = MasterSocket::bind("127.0.0.1", 0).await.unwrap();
    let mut options = SocketOptions::default();
    options.peer_identity(b"raw_worker".as_slice().try_into().unwrap());
    let mut raw = zeromq::DealerSocket::with_options(options);
    raw.connect(&format!("tcp://127.0.0.1:{}", master.port()))
        .await
        .unwrap();
    for garbage in [&b"\xc1"[..], b"not msgpack at all", &[0x92, 0x01, 0x02]] {
        raw.send(zeromq::ZmqMessage::from(garbage.to_vec()))
            .await
            .unwrap();
    }
    let good = Message::new("heartbeat", rmpv::Value::Nil, "raw_worker");
    raw.send(zeromq::ZmqMessage::from(good.encode()))
        .await
        .unwrap();
    let (identity, message) = tokio::time::timeout(Duration::from_secs(5), from_workers.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (identity.as_str(), message.kind.as_str()),
        ("raw_worker", "heartbeat")
    );
    // And the master can still answer.
    master
        .send(
            "raw_worker",
            &Message::new("heartbeat", rmpv::Value::Nil, "raw_worker"),
        )
        .await
        .unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(5), raw.recv())
        .await
        .unwrap()
        .unwrap();
    let payload = reply.into_vec().pop().unwrap();
    assert_eq!(Message::decode(&payload).unwrap().kind, "heartbeat");
}

#[tokio::test]
async fn our_dealer_talks_to_an_independent_router() {
    use zeromq::{Socket, SocketRecv as _, SocketSend as _};
    let mut router = zeromq::RouterSocket::new();
    let endpoint = router.bind("tcp://127.0.0.1:0").await.unwrap();
    let zeromq::Endpoint::Tcp(_, port) = endpoint else {
        panic!("a TCP endpoint: {endpoint}");
    };
    let id = new_node_id();
    let (worker, mut from_master) =
        WorkerSocket::connect("127.0.0.1", port, &id, Duration::from_secs(5))
            .await
            .unwrap();
    worker
        .send(&Message::new("client_ready", "2.47.0".into(), &id))
        .await
        .unwrap();
    let frames = tokio::time::timeout(Duration::from_secs(5), router.recv())
        .await
        .unwrap()
        .unwrap()
        .into_vec();
    assert_eq!(frames.len(), 2, "identity and payload");
    assert_eq!(&frames[0][..], id.as_bytes());
    assert_eq!(Message::decode(&frames[1]).unwrap().kind, "client_ready");
    // A reply of more than 255 bytes (a long frame) routed by identity.
    let big = Message::new("ack", map(vec![("pad", "x".repeat(1000).into())]), &id);
    let mut reply = zeromq::ZmqMessage::from(big.encode());
    reply.push_front(frames[0].clone());
    router.send(reply).await.unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(5), from_master.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ack, big);
}

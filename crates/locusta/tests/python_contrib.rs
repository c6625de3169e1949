//! Locust's contrib users for other systems, under locusta against the real
//! thing: `locust.contrib.mqtt`'s MqttUser with a mosquitto broker the test
//! starts on 127.0.0.1, `locust.contrib.qdrant`'s QdrantUser with
//! qdrant-client's local mode (the Qdrant engine in the process) and
//! `locust.contrib.milvus`'s MilvusUser with Milvus Lite (a Milvus engine
//! behind a file). Their operations must reach the statistics with Locust's
//! names and verdicts. `scripts/setup.sh test` installs mosquitto,
//! paho-mqtt, qdrant-client, pymilvus and milvus-lite.
#![cfg(feature = "python")]

mod common;

use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use common::net::free_port;
use common::process::Proc;
use common::programs::{locusta, locusta_with_env, locustfile};
use common::scratch::scratch;
use common::text::{line, number};
use common::timed::wait_until;

/// Debian's mosquitto broker.
const MOSQUITTO: &str = "/usr/sbin/mosquitto";

#[test]
fn mqtt_users_publish_and_subscribe_through_a_real_broker() {
    assert!(
        Path::new(MOSQUITTO).is_file(),
        "{MOSQUITTO} is missing: run scripts/setup.sh test (apt-get install mosquitto)"
    );
    let dir = scratch("contrib-mqtt");
    let port = free_port().to_string();
    let _broker = Proc::start(Path::new(MOSQUITTO), &["-p", &port], &dir, "mosquitto");
    wait_until(Duration::from_secs(10), "mosquitto listening", || {
        TcpStream::connect(format!("127.0.0.1:{port}")).is_ok()
    });

    let run = locusta_with_env(
        &[
            "-f",
            &locustfile("mqtt_users.py"),
            "-u",
            "3",
            "-r",
            "10",
            "-t",
            "3s",
            "--json",
        ],
        &[("MQTT_PORT", &port)],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rows = run.rows();
    assert_eq!(rows.get("connect"), Some(&(3, 0)), "{rows:?}");
    assert_eq!(
        rows.get("subscribe:1:locusta/sensors/#"),
        Some(&(3, 0)),
        "{rows:?}"
    );
    // QoS 1: each one counted when the broker's PUBACK came back.
    let (acknowledged, failed) = rows["publish:1:locusta/sensors/temperature"];
    assert!(acknowledged > 0 && failed == 0, "{rows:?}");
    assert_eq!(rows["publish:0:locusta/sensors/alive"].1, 0, "{rows:?}");
    // The readings went through the broker to the users' subscriptions.
    let received = number(line(&run.stdout, "MQTT "), "received");
    assert!(received > 0, "{}", run.stdout);
}

#[test]
fn qdrant_users_upsert_search_and_scroll_a_real_qdrant_engine() {
    let run = locusta(&[
        "-f",
        &locustfile("qdrant_users.py"),
        "-u",
        "4",
        "-r",
        "10",
        "-t",
        "3s",
        "--json",
    ]);
    // The LostUsers' searches fail: exit code 1.
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    // No assertion of the locustfile failed: every result was as expected.
    assert!(!run.stderr.contains("Traceback"), "{}", run.stderr);
    let rows = run.rows();
    // One upsert per VectorUser (on_start), none failed.
    assert_eq!(rows.get("upsert"), Some(&(2, 0)), "{rows:?}");
    let (scrolls, failed) = rows["scroll"];
    assert!(scrolls > 0 && failed == 0, "{rows:?}");
    // Searches: the VectorUsers' succeed, the LostUsers' fail.
    let (searches, failed) = rows["search"];
    assert!(failed > 0 && failed < searches, "{rows:?}");
    assert!(
        run.all().contains("Collection missing not found"),
        "{}",
        run.all()
    );
}

/// Also the end of the process: pymilvus loads gRPC, whose exit handlers
/// waited forever for their threads before locusta skipped them.
#[test]
fn milvus_users_insert_search_and_query_milvus_lite() {
    let dir = scratch("contrib-milvus");
    let dir_arg = dir.to_string_lossy().into_owned();
    let run = locusta_with_env(
        &[
            "-f",
            &locustfile("milvus_users.py"),
            "-u",
            "2",
            "-r",
            "10",
            "-t",
            "4s",
            "--json",
        ],
        &[("MILVUS_DIR", &dir_arg)],
    );
    // The queries of an unknown field fail: exit code 1.
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    // No assertion of the locustfile failed: every result was as expected.
    assert!(!run.stderr.contains("AssertionError"), "{}", run.stderr);
    let rows = run.rows();
    assert_eq!(rows.get("insert"), Some(&(2, 0)), "{rows:?}");
    let (searches, failed) = rows["search"];
    assert!(searches > 0 && failed == 0, "{rows:?}");
    // One recall row per search (its "response time" is the recall: 100 %).
    assert_eq!(rows.get("recall"), Some(&(searches, 0)), "{rows:?}");
    let (queries, failed) = rows["query"];
    assert!(failed > 0 && failed < queries, "{rows:?}");
}

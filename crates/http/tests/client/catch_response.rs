//! `catch_response`: the caller decides the outcome; reported exactly once.

use locusta_http::ClientConfig;

use crate::support::{client, last, ok, status, Captured, Server};

async fn server() -> Server {
    Server::start(|req: &Captured| match req.uri.as_str() {
        "/error" => status(500),
        "/missing" => status(404),
        _ => ok("fine"),
    })
    .await
}

#[tokio::test]
async fn success_on_an_error_status_is_a_success() {
    let server = server().await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    {
        let mut r = c.get("/error").catch_response().send().await;
        assert_eq!(r.status(), 500);
        assert!(records.lock().unwrap().is_empty(), "reported before drop");
        r.success();
    }
    let recs = records.lock().unwrap().clone();
    assert_eq!(recs.len(), 1);
    assert_eq!((recs[0].status, recs[0].error.clone()), (500, None));
}

#[tokio::test]
async fn failure_on_200_is_a_failure_with_the_message() {
    let server = server().await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    let mut r = c.get("/ok").catch_response().send().await;
    if r.text() == "fine" {
        r.failure("body was 'fine'");
    }
    drop(r);
    let rec = last(&records);
    assert_eq!(rec.error.as_deref(), Some("body was 'fine'"));
    assert_eq!(rec.status, 200);
    assert_eq!(records.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn without_a_call_the_default_rule_applies() {
    let server = server().await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    drop(c.get("/ok").catch_response().send().await);
    assert_eq!(last(&records).error, None);
    drop(c.get("/missing").catch_response().send().await);
    assert_eq!(
        last(&records).error.as_deref(),
        Some("HTTPError('404 Client Error: Not Found for url: /missing')")
    );
    assert_eq!(records.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn the_last_call_wins_and_report_happens_once() {
    let server = server().await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    let mut r = c.get("/ok").catch_response().send().await;
    r.failure("first");
    r.success();
    r.failure("second");
    r.report();
    assert_eq!(records.lock().unwrap().len(), 1);
    assert_eq!(last(&records).error.as_deref(), Some("second"));

    let mut r = c.get("/error").catch_response().send().await;
    r.failure("nope");
    r.success();
    drop(r);
    assert_eq!(records.lock().unwrap().len(), 2);
    assert_eq!(last(&records).error, None);
}

#[tokio::test]
async fn the_name_can_be_changed_and_other_requests_made_meanwhile() {
    let server = server().await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    let mut r = c.get("/ok").name("first").catch_response().send().await;
    // The client is free while the caught response is alive.
    assert!(c.get("/ok").send().await.ok());
    r.set_name("renamed");
    drop(r);
    let names: Vec<String> = records
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(names, vec!["/ok".to_owned(), "renamed".to_owned()]);
}

#[tokio::test]
async fn connection_errors_in_catch_response_default_to_failure() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (mut c, records) = client(
        Some(&format!("http://127.0.0.1:{port}")),
        ClientConfig::default(),
    );
    let r = c.get("/").catch_response().send().await;
    assert_eq!(r.status(), 0);
    drop(r);
    assert!(last(&records)
        .error
        .unwrap()
        .starts_with("ConnectionRefused"));
}

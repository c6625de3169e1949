//! Redirects and cookies.

use locusta_http::{ClientConfig, HttpError};

use crate::support::{client, last, ok, redirect, Captured, Server};

async fn redirect_server() -> Server {
    Server::start(|req: &Captured| {
        let path = req.uri.split('?').next().unwrap_or("");
        if let Some(n) = path.strip_prefix("/chain/") {
            let n: u32 = n.parse().unwrap();
            return if n == 0 {
                ok("end of chain")
            } else {
                redirect(302, &format!("/chain/{}", n - 1))
            };
        }
        match path {
            "/login" => {
                let mut r = redirect(302, "/home");
                r.headers_mut()
                    .insert("set-cookie", "session=abc123; Path=/".parse().unwrap());
                r
            }
            "/home" | "/target" => ok(format!(
                "{} {} cookie={}",
                req.method,
                req.uri,
                req.header("cookie").unwrap_or("-")
            )),
            "/see-other" => redirect(303, "/target"),
            "/moved" => redirect(301, "target"),
            "/temporary" => redirect(307, "/target"),
            "/loop" => redirect(302, "/loop"),
            "/set" => {
                let mut r = ok("set");
                let q = req.uri.split_once('?').map_or("", |(_, q)| q);
                r.headers_mut().insert("set-cookie", q.parse().unwrap());
                r
            }
            _ => ok(format!("cookie={}", req.header("cookie").unwrap_or("-"))),
        }
    })
    .await
}

#[tokio::test]
async fn redirects_are_followed_with_history_and_the_first_name() {
    let server = redirect_server().await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    let r = c.get("/chain/3?x=1").send().await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text(), "end of chain");
    assert_eq!(r.url(), format!("{}/chain/0", server.url()));
    let hops: Vec<(u16, String)> = r
        .history()
        .iter()
        .map(|h| (h.status, h.url.clone()))
        .collect();
    assert_eq!(
        hops,
        vec![
            (302, format!("{}/chain/3?x=1", server.url())),
            (302, format!("{}/chain/2", server.url())),
            (302, format!("{}/chain/1", server.url())),
        ]
    );
    assert_eq!(r.name(), "/chain/3?x=1");
    let rec = last(&records);
    assert_eq!(rec.name, "/chain/3?x=1");
    assert_eq!(rec.error, None);
    assert_eq!(records.lock().unwrap().len(), 1);
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn redirects_not_followed_for_head_or_when_disabled() {
    let server = redirect_server().await;
    let (mut c, records) = client(Some(&server.url()), ClientConfig::default());
    let r = c.head("/chain/2").send().await;
    assert_eq!(r.status(), 302);
    assert!(r.history().is_empty());
    assert!(r.ok());
    assert_eq!(last(&records).error, None);

    let r = c.get("/chain/2").allow_redirects(false).send().await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.header("location"), Some("/chain/1"));
    assert_eq!(r.url(), format!("{}/chain/2", server.url()));

    let r = c.head("/chain/2").allow_redirects(true).send().await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.history().len(), 2);
    assert_eq!(server.last().method, "HEAD");
}

#[tokio::test]
async fn too_many_redirects_is_a_failure() {
    let server = redirect_server().await;
    let config = ClientConfig {
        max_redirects: 3,
        ..ClientConfig::default()
    };
    let (mut c, records) = client(Some(&server.url()), config);
    let r = c.get("/loop").send().await;
    assert!(!r.ok());
    assert_eq!(r.http_error(), Some(&HttpError::TooManyRedirects(3)));
    assert_eq!(r.history().len(), 3);
    assert_eq!(
        last(&records).error.as_deref(),
        Some("TooManyRedirects: exceeded 3 redirects")
    );
    // Exactly max_redirects hops is fine.
    assert!(c.get("/chain/3").send().await.ok());
}

#[tokio::test]
async fn method_changes_on_303_and_on_post_301_302_but_not_307() {
    let server = redirect_server().await;
    let (mut c, _) = client(Some(&server.url()), ClientConfig::default());
    let r = c.post("/see-other").json(&[1]).send().await;
    assert_eq!(r.text(), "GET /target cookie=-");
    let seen = server.last();
    assert!(seen.body.is_empty());
    assert_eq!(seen.header("content-type"), None);

    let r = c.post("/moved").form(&[("a", "b")]).send().await;
    assert_eq!(r.text(), "GET /target cookie=-");
    assert_eq!(r.history()[0].status, 301);

    let r = c.put("/moved").body("keep").send().await;
    assert_eq!(r.text(), "PUT /target cookie=-");
    assert_eq!(server.last().body, "keep");

    let r = c.post("/temporary").body("again").send().await;
    assert_eq!(r.text(), "POST /target cookie=-");
    assert_eq!(server.last().body, "again");
}

#[tokio::test]
async fn cookies_from_redirects_are_kept_and_sent() {
    let server = redirect_server().await;
    let (mut c, _) = client(Some(&server.url()), ClientConfig::default());
    let r = c.post("/login").form(&[("u", "a")]).send().await;
    assert_eq!(r.text(), "GET /home cookie=session=abc123");
    let r = c.get("/anything").send().await;
    assert_eq!(r.text(), "cookie=session=abc123");
}

#[tokio::test]
async fn cookies_follow_path_rules_and_are_per_client() {
    let server = redirect_server().await;
    let (mut a, _) = client(Some(&server.url()), ClientConfig::default());
    let (mut b, _) = client(Some(&server.url()), ClientConfig::default());
    a.get("/set?user=ann;Path=/").send().await;
    a.get("/set?scoped=1;Path=/only").send().await;
    assert_eq!(a.get("/x").send().await.text(), "cookie=user=ann");
    let scoped = a.get("/only/here").send().await.text().into_owned();
    assert!(
        scoped.contains("scoped=1") && scoped.contains("user=ann"),
        "{scoped}"
    );
    assert_eq!(b.get("/x").send().await.text(), "cookie=-");

    b.set_cookie("/", "manual=yes; Path=/").unwrap();
    assert_eq!(b.get("/x").send().await.text(), "cookie=manual=yes");
    assert_eq!(b.cookies().iter_any().count(), 1);
    b.clear_cookies();
    assert_eq!(b.get("/x").send().await.text(), "cookie=-");
    // An explicit Cookie header replaces the jar's.
    assert_eq!(
        a.get("/x").header("Cookie", "mine=1").send().await.text(),
        "cookie=mine=1"
    );
}

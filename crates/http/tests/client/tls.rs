//! HTTPS against a local rustls server with a self-signed certificate.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use http_body_util::BodyExt;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use locusta_http::ClientConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

use crate::support::{client, last, ok};

/// An HTTPS server answering `secure <uri> <body length>`; its address and
/// the count of TLS connections it accepted.
async fn tls_server() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der()));
    let chain = vec![CertificateDer::from(cert.cert.der().to_vec())];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let count = count.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let service = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                    let uri = req.uri().to_string();
                    let body = req.into_body().collect().await?.to_bytes();
                    Ok::<_, hyper::Error>(ok(format!("secure {uri} {}", body.len())))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (addr, accepted)
}

#[tokio::test]
async fn self_signed_certificates_fail_verification_by_default() {
    let (addr, _) = tls_server().await;
    let (mut c, records) = client(Some(&format!("https://{addr}")), ClientConfig::default());
    let r = c.get("/").send().await;
    assert_eq!(r.status(), 0);
    assert_eq!(
        r.error(),
        Some("TlsError: invalid peer certificate: UnknownIssuer")
    );
    assert_eq!(last(&records).error.as_deref(), r.error());
}

#[tokio::test]
async fn verification_can_be_turned_off() {
    let (addr, accepted) = tls_server().await;
    let config = ClientConfig {
        verify_tls: false,
        ..ClientConfig::default()
    };
    let (mut c, records) = client(Some(&format!("https://{addr}")), config);
    for _ in 0..3 {
        let r = c.get("/hello?x=1").send().await;
        assert!(r.ok(), "{:?}", r.error());
        assert_eq!(r.text(), "secure /hello?x=1 0");
    }
    assert_eq!(last(&records).url, format!("https://{addr}/hello?x=1"));
    // Bodies small and large go through TLS whole, on the same connection.
    for size in [10, 1 << 20] {
        let r = c.post("/upload").body(vec![b'x'; size]).send().await;
        assert_eq!(
            r.text(),
            format!("secure /upload {size}"),
            "{:?}",
            r.error()
        );
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

//! HTTPS against a local rustls server with a self-signed certificate.

use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use locusta_http::ClientConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

use crate::support::{client, last, ok};

async fn tls_server() -> std::net::SocketAddr {
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
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                    Ok::<_, hyper::Error>(ok(format!("secure {}", req.uri())))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn self_signed_certificates_fail_verification_by_default() {
    let addr = tls_server().await;
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
    let addr = tls_server().await;
    let config = ClientConfig {
        verify_tls: false,
        ..ClientConfig::default()
    };
    let (mut c, records) = client(Some(&format!("https://{addr}")), config);
    for _ in 0..3 {
        let r = c.get("/hello?x=1").send().await;
        assert!(r.ok(), "{:?}", r.error());
        assert_eq!(r.text(), "secure /hello?x=1");
    }
    assert_eq!(last(&records).url, format!("https://{addr}/hello?x=1"));
}

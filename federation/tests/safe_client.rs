//! The safe client against a real HTTP server on loopback: internal addresses are refused
//! however they are reached, and limits hold.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tessera_federation::safe_client::{AddressPolicy, FetchError, Limits, SafeClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback server answering by path: `/ok`, `/big`, `/slow`, `/to?<url>` (302 there),
/// `/loop` (302 to itself).
async fn server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                let reply = if path == "/ok" {
                    let body = r#"{"type":"Note"}"#;
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/activity+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else if path == "/big" {
                    let body = "x".repeat(2 * 1024 * 1024);
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else if path == "/big-chunked" {
                    // No length up front: the limit must hold while reading.
                    let chunk = "y".repeat(64 * 1024);
                    let mut r = String::from(
                        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
                    );
                    for _ in 0..32 {
                        r.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
                    }
                    r.push_str("0\r\n\r\n");
                    r
                } else if path == "/slow" {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    String::new()
                } else if let Some(target) = path.strip_prefix("/to?") {
                    format!(
                        "HTTP/1.1 302 Found\r\nlocation: {target}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    )
                } else {
                    "HTTP/1.1 302 Found\r\nlocation: /loop\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string()
                };
                let _ = socket.write_all(reply.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    addr
}

fn client(policy: AddressPolicy) -> SafeClient {
    let limits = Limits {
        deadline: Duration::from_secs(2),
        ..Limits::default()
    };
    SafeClient::new(policy, limits, "tessera-test").unwrap()
}

fn loopback_only() -> AddressPolicy {
    AddressPolicy::AllowAlso(vec!["127.0.0.1".parse::<IpAddr>().unwrap()])
}

#[tokio::test]
async fn internal_addresses_are_refused_by_default() {
    let addr = server().await;
    let c = client(AddressPolicy::PublicOnly);
    for url in [
        format!("http://127.0.0.1:{}/ok", addr.port()),
        "http://10.0.0.1/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://[::1]/".to_string(),
        "http://0.0.0.0/".to_string(),
        "http://[::ffff:127.0.0.1]/".to_string(),
    ] {
        let r = c.get(&url, "*/*").await;
        assert!(matches!(r, Err(FetchError::Forbidden(_))), "{url}: {r:?}");
    }
    // A name that resolves to an internal address is refused at resolution.
    let r = c
        .get(&format!("http://localhost:{}/ok", addr.port()), "*/*")
        .await;
    assert!(matches!(r, Err(FetchError::Forbidden(_))), "{r:?}");
    assert!(matches!(
        c.get("file:///etc/passwd", "*/*").await,
        Err(FetchError::BadUrl(_))
    ));
}

#[tokio::test]
async fn permitted_addresses_are_fetched_and_redirects_rechecked() {
    let addr = server().await;
    let c = client(loopback_only());
    let base = format!("http://127.0.0.1:{}", addr.port());
    let ok = c
        .get(&format!("{base}/ok"), "application/activity+json")
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.content_type.as_deref(),
        Some("application/activity+json")
    );
    assert_eq!(ok.body, br#"{"type":"Note"}"#);

    // A redirect to an address outside the policy is refused, whoever sent it.
    let r = c
        .get(
            &format!("{base}/to?http://127.0.0.2:{}/ok", addr.port()),
            "*/*",
        )
        .await;
    assert!(matches!(r, Err(FetchError::Forbidden(_))), "{r:?}");
    let r = c
        .get(&format!("{base}/to?http://169.254.169.254/"), "*/*")
        .await;
    assert!(matches!(r, Err(FetchError::Forbidden(_))), "{r:?}");
    // A permitted redirect is followed, to the end.
    let followed = c.get(&format!("{base}/to?{base}/ok"), "*/*").await.unwrap();
    assert_eq!(followed.final_url.path(), "/ok");
    assert!(matches!(
        c.get(&format!("{base}/loop"), "*/*").await,
        Err(FetchError::TooManyRedirects)
    ));

    let allow_all = client(AddressPolicy::AllowPrivate);
    assert_eq!(
        allow_all
            .get(&format!("{base}/ok"), "*/*")
            .await
            .unwrap()
            .status,
        200
    );
}

#[tokio::test]
async fn bodies_and_time_are_limited() {
    let addr = server().await;
    let c = client(loopback_only());
    let base = format!("http://127.0.0.1:{}", addr.port());
    assert!(matches!(
        c.get(&format!("{base}/big"), "*/*").await,
        Err(FetchError::TooLarge(_))
    ));
    assert!(matches!(
        c.get(&format!("{base}/big-chunked"), "*/*").await,
        Err(FetchError::TooLarge(_))
    ));
    assert!(matches!(
        c.get(&format!("{base}/slow"), "*/*").await,
        Err(FetchError::Timeout(_))
    ));
}

//! A domain block covers every spelling of its hosts: a signed inbox POST whose key is on
//! a blocked server is refused before the key is fetched, whether its host is written with
//! a trailing dot, in capitals, or as a subdomain.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use crate::peer::Peer;
use crate::support::*;

/// A loopback port that counts the connections made to it and answers none of them.
async fn counting_port() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, seen)
}

#[tokio::test]
async fn a_suspended_domain_refuses_keys_on_every_spelling_of_its_hosts() {
    let s = TestServer::federating().await;
    let admin = s.staff("root", "admin").await;
    s.user("alice").await;
    let (status, block) = s
        .post(
            "/api/v1/admin/domain_blocks",
            Some(&admin.token),
            json!({"domain": " LocalHost. ", "severity": "suspend"}),
        )
        .await;
    assert_eq!(status, 200, "{block}");
    assert_eq!(block["domain"], "localhost", "stored canonical");

    let signer = Peer::start(&["mallory"]).await;
    let (port, fetches) = counting_port().await;
    let before = s.event_count().await;
    for host in [
        format!("localhost:{port}"),
        format!("localhost.:{port}"),
        format!("LOCALHOST:{port}"),
        format!("sub.localhost:{port}"),
        format!("Sub.LocalHost.:{port}"),
    ] {
        let actor = format!("http://{host}/users/mallory");
        let follow = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}/activities/1"), "type": "Follow", "actor": actor,
            "object": s.url("/users/alice"),
        });
        let mut how = signer.signing(&actor);
        how.key_id = Some(format!("{actor}#main-key"));
        let status = signer
            .post(&s.url("/inbox"), follow.to_string().as_bytes(), &how)
            .await;
        assert_eq!(status, 403, "a key on {host}");
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            0,
            "nothing is fetched from {host}"
        );
    }
    assert_eq!(s.event_count().await, before, "nothing appended");
    s.stop().await;
}

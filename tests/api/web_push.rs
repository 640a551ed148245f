//! Web Push: a subscription receives each notification it asked for, encrypted for its
//! keys (RFC 8291) and signed for with the server's VAPID key (RFC 8292). The push
//! service is a small HTTP server in the test (no real one can run here); it decrypts with
//! the subscription's private key as a browser would.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use reqwest::Method;
use ring::agreement;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Value, json};
use tessera_federation::webpush;

use crate::support::*;

type Inbox = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A push service: `/ok` keeps what it is sent (201), `/gone` answers 410.
async fn push_service() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let app = axum::Router::new()
        .route(
            "/ok",
            axum::routing::post(
                |State(inbox): State<Inbox>, headers: HeaderMap, body: axum::body::Bytes| async move {
                    inbox.lock().unwrap().push((headers, body.to_vec()));
                    StatusCode::CREATED
                },
            ),
        )
        .route("/gone", axum::routing::post(|| async { StatusCode::GONE }))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, inbox)
}

/// A browser's subscription keys: the private key, the public key and the auth secret.
fn browser_keys() -> (agreement::EphemeralPrivateKey, Vec<u8>, Vec<u8>) {
    let rng = SystemRandom::new();
    let private = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
    let public = private.compute_public_key().unwrap().as_ref().to_vec();
    let mut auth = vec![0u8; 16];
    rng.fill(&mut auth).unwrap();
    (private, public, auth)
}

fn subscribe_body(endpoint: &str, public: &[u8], auth: &[u8], alerts: Value) -> Value {
    json!({
        "subscription": {"endpoint": endpoint, "keys": {"p256dh": B64.encode(public), "auth": B64.encode(auth)}},
        "data": {"alerts": alerts, "policy": "all"},
    })
}

async fn received(inbox: &Inbox, n: usize) -> (HeaderMap, Vec<u8>) {
    wait_until("a push arrives", Duration::from_secs(20), || async {
        inbox.lock().unwrap().len() >= n
    })
    .await;
    inbox.lock().unwrap()[n - 1].clone()
}

#[tokio::test]
async fn notifications_are_pushed_encrypted_to_the_subscriptions_that_want_them() {
    let server = TestServer::federating().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (base, inbox) = push_service().await;
    let endpoint = format!("{base}/ok");

    let before = server.event_count().await;
    let (_, public, auth) = browser_keys();
    for (body, what) in [
        (
            subscribe_body("file:///etc/passwd", &public, &auth, json!({})),
            "a file URL",
        ),
        (
            json!({"subscription": {"endpoint": endpoint, "keys": {"p256dh": "AAAA", "auth": B64.encode(&auth)}}}),
            "a key that is no P-256 point",
        ),
        (
            json!({"subscription": {"endpoint": endpoint, "keys": {"p256dh": B64.encode(&public), "auth": "AAAA"}}}),
            "a short auth secret",
        ),
        (
            json!({"subscription": {"endpoint": endpoint, "keys": {"p256dh": B64.encode(&public), "auth": B64.encode(&auth)}}, "data": {"policy": "everyone"}}),
            "an unknown policy",
        ),
    ] {
        let (status, answer) = server
            .post("/api/v1/push/subscription", Some(&alice.token), body)
            .await;
        assert_eq!(status, 422, "{what}: {answer}");
    }
    assert_eq!(server.event_count().await, before, "refusals store nothing");
    let (status, _) = server
        .get("/api/v1/push/subscription", Some(&alice.token))
        .await;
    assert_eq!(status, 404);

    let (private, public, auth) = browser_keys();
    let (status, subscription) = server
        .post(
            "/api/v1/push/subscription",
            Some(&alice.token),
            subscribe_body(
                &endpoint,
                &public,
                &auth,
                json!({"follow": true, "mention": true}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{subscription}");
    assert_schema("WebPushSubscription", &subscription);
    assert_eq!(subscription["alerts"]["follow"], true);
    assert_eq!(subscription["alerts"]["favourite"], false);
    let (_, instance) = server.get("/api/v2/instance", None).await;
    let server_key = subscription["server_key"].as_str().unwrap().to_string();
    assert_eq!(
        instance["configuration"]["vapid"]["public_key"],
        server_key.as_str()
    );

    server
        .post(
            &format!("/api/v1/accounts/{}/follow", alice.id),
            Some(&bob.token),
            json!({}),
        )
        .await;
    let (headers, body) = received(&inbox, 1).await;
    assert_eq!(headers["content-encoding"], "aes128gcm");
    assert_eq!(headers["ttl"], "172800");
    let vapid = headers["authorization"].to_str().unwrap();
    let (token, key) = vapid
        .strip_prefix("vapid t=")
        .unwrap()
        .split_once(", k=")
        .unwrap();
    assert_eq!(
        key, server_key,
        "signed with the key the clients were given"
    );
    let (signed, signature) = token.rsplit_once('.').unwrap();
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        B64.decode(key).unwrap(),
    )
    .verify(signed.as_bytes(), &B64.decode(signature).unwrap())
    .expect("a valid VAPID signature");
    let message: Value =
        serde_json::from_slice(&webpush::decrypt(private, &public, &auth, &body).unwrap()).unwrap();
    assert_eq!(message["notification_type"], "follow");
    assert_eq!(message["title"], "bob followed you");
    let (_, notifications) = server
        .get("/api/v1/notifications", Some(&alice.token))
        .await;
    assert_eq!(
        message["notification_id"].to_string(),
        notifications[0]["id"].as_str().unwrap(),
        "the id to fetch it by"
    );

    // New keys (a ring key decrypts once); favourites are not asked for.
    let (private, public, auth) = browser_keys();
    server
        .post(
            "/api/v1/push/subscription",
            Some(&alice.token),
            subscribe_body(&endpoint, &public, &auth, json!({"mention": true})),
        )
        .await;
    let (_, post) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "like me"}),
        )
        .await;
    server
        .post(
            &format!(
                "/api/v1/statuses/{}/favourite",
                post["id"].as_str().unwrap()
            ),
            Some(&bob.token),
            json!({}),
        )
        .await;
    server
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "@alice psst & <hush>"}),
        )
        .await;
    let (_, body) = received(&inbox, 2).await;
    let message: Value =
        serde_json::from_slice(&webpush::decrypt(private, &public, &auth, &body).unwrap()).unwrap();
    assert_eq!(
        message["notification_type"], "mention",
        "the favourite was not pushed"
    );
    assert_eq!(message["body"], "@alice psst & <hush>", "text, not HTML");

    let (status, changed) = server
        .call(
            Method::PUT,
            "/api/v1/push/subscription",
            Some(&alice.token),
            Some(json!({"data": {"policy": "followed"}})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["policy"], "followed");
    assert_eq!(
        changed["alerts"]["mention"], true,
        "alerts not sent are kept"
    );

    // A push service that answers 410 ends the subscription.
    let (_, public, auth) = browser_keys();
    server
        .post(
            "/api/v1/push/subscription",
            Some(&alice.token),
            subscribe_body(
                &format!("{base}/gone"),
                &public,
                &auth,
                json!({"mention": true}),
            ),
        )
        .await;
    server
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "@alice again"}),
        )
        .await;
    wait_until("the subscription ends", Duration::from_secs(20), || async {
        let (status, _) = server
            .get("/api/v1/push/subscription", Some(&alice.token))
            .await;
        status == 404
    })
    .await;

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

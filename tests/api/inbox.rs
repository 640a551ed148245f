//! Bad inbound requests are refused with the right status, and none appends anything to
//! the event log: signatures that are missing, wrong, stale or of the wrong kind; keys
//! that are not the actor's; objects that are not the actor's to create, update or
//! delete; bodies too large or too deep; and a repeated activity. Beyond the limits per
//! remote host and per client address, and of key fetches per host: 429 with Retry-After.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use serde_json::{Value, json};

use crate::peer::{Peer, two_hours};
use crate::support::*;

fn note(peer: &Peer, author: &str, n: u32, text: &str) -> Value {
    let actor = peer.actor_id(author);
    json!({
        "id": format!("{actor}/notes/{n}"), "type": "Note", "attributedTo": actor,
        "content": format!("<p>{text}</p>"),
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{actor}/followers")],
        "published": "2026-11-22T10:00:00Z",
    })
}

fn create(peer: &Peer, author: &str, object: Value, n: u32) -> Value {
    let actor = peer.actor_id(author);
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/activities/{n}"), "type": "Create", "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "object": object,
    })
}

#[tokio::test]
async fn bad_inbound_requests_are_refused_and_append_nothing() {
    let s = TestServer::federating().await;
    let alice = s.user("alice").await;
    let peer = Peer::start(&["mallory", "eve"]).await;
    let third = Peer::start(&["trent"]).await;
    let inbox = s.url("/inbox");
    let personal = s.url("/users/alice/inbox");

    // A good Create from eve first, so that her note exists here.
    let eves = note(&peer, "eve", 1, "eve's own words");
    peer.publish(eves.clone());
    let body = create(&peer, "eve", eves.clone(), 1).to_string();
    let status = peer
        .post(
            &inbox,
            body.as_bytes(),
            &peer.signing(&peer.actor_id("eve")),
        )
        .await;
    assert_eq!(status, 202);
    s.ingress_drained().await;
    let before = s.event_count().await;
    let (_, public) = s
        .get("/api/v1/timelines/public?remote=true", Some(&alice.token))
        .await;
    assert!(public.to_string().contains("eve's own words"), "{public}");

    let mallory = peer.actor_id("mallory");
    let good = create(&peer, "mallory", note(&peer, "mallory", 2, "hello"), 2).to_string();
    let signed = |f: &dyn Fn(&mut crate::peer::Signing)| {
        let mut how = peer.signing(&mallory);
        f(&mut how);
        how
    };
    let cases: Vec<(&str, u16, crate::peer::Signing, Vec<u8>, &str)> = vec![
        (
            "a signature over a different body",
            401,
            signed(&|h| h.digest_of = Some(b"{\"other\":true}".to_vec())),
            good.clone().into_bytes(),
            &inbox,
        ),
        (
            "a Digest that does not match the body",
            401,
            signed(&|h| {
                h.digest_header =
                    Some("SHA-256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into())
            }),
            good.clone().into_bytes(),
            &inbox,
        ),
        (
            "no (request-target) signed",
            401,
            signed(&|h| h.headers = vec!["host", "date", "digest"]),
            good.clone().into_bytes(),
            &inbox,
        ),
        (
            "a Date two hours ago",
            401,
            signed(&|h| h.date = SystemTime::now() - two_hours()),
            good.clone().into_bytes(),
            &personal,
        ),
        (
            "a Date two hours ahead",
            401,
            signed(&|h| h.date = SystemTime::now() + two_hours()),
            good.clone().into_bytes(),
            &inbox,
        ),
        (
            "hmac-sha256",
            401,
            signed(&|h| h.algorithm = "hmac-sha256"),
            good.clone().into_bytes(),
            &inbox,
        ),
        (
            "a keyId on another host than the actor",
            401,
            signed(&|h| h.key_id = Some(format!("{}#main-key", third.actor_id("trent")))),
            good.clone().into_bytes(),
            &inbox,
        ),
        (
            "an actor that is not the key's owner",
            401,
            peer.signing(&peer.actor_id("eve")),
            good.clone().into_bytes(),
            &inbox,
        ),
        (
            "JSON nested 10,000 levels deep",
            400,
            peer.signing(&mallory),
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
            &inbox,
        ),
    ];
    for (what, expected, how, body, url) in &cases {
        let status = peer.post(url, body, how).await;
        assert_eq!(status.as_u16(), *expected, "{what}");
    }
    assert_eq!(
        peer.post_unsigned(&inbox, good.as_bytes()).await,
        401,
        "unsigned"
    );
    let huge = vec![b' '; 1024 * 1024 + 1];
    assert_eq!(
        peer.post_unsigned(&inbox, &huge).await,
        413,
        "a body over 1 MB"
    );

    // Signed and queued, then refused by the ingress worker's authority rules.
    let mut third_hosted = note(&third, "trent", 3, "not mallory's");
    third_hosted["attributedTo"] = json!(mallory);
    third.publish(third_hosted.clone());
    let authority_cases = vec![
        (
            "a Create of an object on a third host",
            create(&peer, "mallory", third_hosted, 3),
        ),
        (
            "an Update of eve's note by mallory",
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{mallory}/activities/4"), "type": "Update", "actor": mallory,
                "object": {"id": eves["id"], "type": "Note", "attributedTo": mallory, "content": "<p>defaced</p>"},
            }),
        ),
        (
            "a Delete of eve's note by mallory",
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{mallory}/activities/5"), "type": "Delete", "actor": mallory,
                "object": eves["id"],
            }),
        ),
        (
            "a Create attributed to someone else",
            create(&peer, "mallory", note(&peer, "eve", 6, "forged"), 6),
        ),
    ];
    for (what, activity) in &authority_cases {
        let status = peer
            .post(
                &inbox,
                activity.to_string().as_bytes(),
                &peer.signing(&mallory),
            )
            .await;
        assert_eq!(status, 202, "{what} is queued before the authority check");
    }
    s.ingress_drained().await;

    // A second copy of eve's Create: accepted, and nothing appended.
    let status = peer
        .post(
            &inbox,
            body.as_bytes(),
            &peer.signing(&peer.actor_id("eve")),
        )
        .await;
    assert_eq!(status, 202);
    s.ingress_drained().await;

    // Mallory's and eve's accounts were recorded when their keys were first fetched
    // (before `before` for eve; mallory's first signed request adds that one account).
    let after = s.event_count().await;
    let mallory_known: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE kind = 'RemoteAccountFetched'")
            .fetch_one(&s.running.as_ref().unwrap().app.db.pool)
            .await
            .unwrap();
    assert_eq!(mallory_known, 2, "eve and mallory, each once");
    assert_eq!(after, before + 1, "only mallory's account was added");
    let content: String = sqlx::query_scalar("SELECT content FROM statuses WHERE uri = $1")
        .bind(eves["id"].as_str().unwrap())
        .fetch_one(&s.running.as_ref().unwrap().app.db.pool)
        .await
        .unwrap();
    assert!(content.contains("eve's own words"), "{content}");
    s.stop().await;
}

/// `Retry-After` in whole seconds, within a minute (the inbox limits' window).
fn assert_retry_after_a_minute(headers: &reqwest::header::HeaderMap) {
    let value = headers
        .get("retry-after")
        .unwrap_or_else(|| panic!("a 429 without Retry-After: {headers:?}"));
    let secs: u64 = value.to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs), "Retry-After {secs}");
}

#[tokio::test]
async fn inbox_posts_beyond_the_limits_per_host_and_per_address_are_refused_with_retry_after() {
    let s = TestServer::start_with(&[
        ("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true"),
        ("TESSERA_RATE_LIMITS", "true"),
        ("TESSERA_INBOX_HOST_RATE_LIMIT", "3"),
    ])
    .await;
    let peer = Peer::start(&["mallory"]).await;
    let other = Peer::start(&["trent"]).await;
    let inbox = s.url("/inbox");
    let mallory = peer.actor_id("mallory");
    let mut statuses = Vec::new();
    let mut last = None;
    for n in 0..5 {
        let body = create(&peer, "mallory", note(&peer, "mallory", n, "hi"), n).to_string();
        let resp = peer
            .post_response(&inbox, body.as_bytes(), &peer.signing(&mallory))
            .await;
        statuses.push(resp.status().as_u16());
        last = Some(resp);
    }
    assert_eq!(statuses, [202, 202, 202, 429, 429]);
    assert_retry_after_a_minute(last.unwrap().headers());
    // Another server is not held back by the first.
    let body = create(&other, "trent", note(&other, "trent", 1, "hi"), 1).to_string();
    let status = other
        .post(
            &inbox,
            body.as_bytes(),
            &other.signing(&other.actor_id("trent")),
        )
        .await;
    assert_eq!(status, 202);
    s.stop().await;

    // Per client address, whatever the requests claim to be.
    let s = TestServer::start_with(&[
        ("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true"),
        ("TESSERA_RATE_LIMITS", "true"),
        ("TESSERA_INBOX_IP_RATE_LIMIT", "2"),
    ])
    .await;
    let inbox = s.url("/inbox");
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let resp = s.http.post(&inbox).body("{}").send().await.unwrap();
        statuses.push(resp.status().as_u16());
        last = Some(resp);
    }
    assert_eq!(statuses, [401, 401, 429]);
    assert_retry_after_a_minute(last.unwrap().headers());
    s.stop().await;
}

/// A server that answers 404 to every GET, counting them.
async fn counting_server() -> (String, Arc<AtomicUsize>) {
    let gets = Arc::new(AtomicUsize::new(0));
    let counted = gets.clone();
    let app = axum::Router::new().fallback(move || {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            axum::http::StatusCode::NOT_FOUND
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, gets)
}

/// A note signed by one of `peer`'s keys but naming `actor`'s key, on a host that has none:
/// an unknown key to fetch there.
async fn post_with_unknown_key(peer: &Peer, inbox: &str, actor: &str) -> reqwest::Response {
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/activities/1"), "type": "Create", "actor": actor,
        "object": {"id": format!("{actor}/notes/1"), "type": "Note", "attributedTo": actor, "content": "hi"},
    })
    .to_string();
    let mut how = peer.signing(&peer.actor_id("mallory"));
    how.key_id = Some(format!("{actor}#main-key"));
    peer.post_response(inbox, activity.as_bytes(), &how).await
}

#[tokio::test]
async fn unknown_keys_are_fetched_at_most_so_often_per_host_and_per_address() {
    let s = TestServer::start_with(&[
        ("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true"),
        ("TESSERA_RATE_LIMITS", "true"),
        ("TESSERA_KEY_FETCH_RATE_LIMIT", "2"),
    ])
    .await;
    let peer = Peer::start(&["mallory"]).await;
    let (host, gets) = counting_server().await;
    let inbox = s.url("/inbox");
    let mut statuses = Vec::new();
    let mut last = None;
    for n in 0..6 {
        let resp = post_with_unknown_key(&peer, &inbox, &format!("{host}/users/ghost{n}")).await;
        statuses.push(resp.status().as_u16());
        last = Some(resp);
    }
    assert_eq!(statuses, [401, 401, 429, 429, 429, 429]);
    assert_retry_after_a_minute(last.unwrap().headers());
    assert_eq!(
        gets.load(Ordering::SeqCst),
        2,
        "one fetch per allowed request"
    );

    // The sending address has spent the same allowance: a key on a host never seen
    // before is not fetched for it either (or a new name per request would be unlimited).
    let (other_host, other_gets) = counting_server().await;
    let resp = post_with_unknown_key(&peer, &inbox, &format!("{other_host}/users/ghost")).await;
    assert_eq!(resp.status(), 429);
    assert_retry_after_a_minute(resp.headers());
    assert_eq!(other_gets.load(Ordering::SeqCst), 0);
    s.stop().await;
}

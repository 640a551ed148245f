//! Pinned posts: pin and unpin one's own posts (not a boost, not a direct post, at most
//! the showcase limit, set to Mastodon's five here), `pinned` on the status, the profile's pinned list, the `featured` collection, and
//! Add/Remove federated both ways.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(30);

async fn post(server: &TestServer, user: &User, text: &str, visibility: &str) -> String {
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&user.token),
            json!({"status": text, "visibility": visibility}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

async fn pinned_of(server: &TestServer, viewer: &User, account_id: &str) -> Vec<String> {
    let (status, list) = server
        .get(
            &format!("/api/v1/accounts/{account_id}/statuses?pinned=true"),
            Some(&viewer.token),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_each("Status", &list);
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn own_posts_can_be_pinned_up_to_the_limit_and_show_on_the_profile() {
    let server = TestServer::start_with(&[("TESSERA_SHOWCASE_LIMIT", "5")]).await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;

    let first = post(&server, &alice, "first pinned", "public").await;
    let (status, pinned) = server
        .post(
            &format!("/api/v1/statuses/{first}/pin"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{pinned}");
    assert_schema("Status", &pinned);
    assert_eq!(pinned["pinned"], true);
    // Pinning again changes nothing.
    let (status, again) = server
        .post(
            &format!("/api/v1/statuses/{first}/pin"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["pinned"], true);

    let pins = pinned_of(&server, &bob, &alice.id).await;
    assert_eq!(pins.len(), 1);
    assert!(pins[0].contains("first pinned"));

    // Someone else's post, a boost and a direct post cannot be pinned.
    let (status, refused) = server
        .post(
            &format!("/api/v1/statuses/{first}/pin"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused["error"].as_str().unwrap().contains("Someone else"));
    let direct = post(&server, &alice, "@bob only you", "direct").await;
    let (status, refused) = server
        .post(
            &format!("/api/v1/statuses/{direct}/pin"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let (_, boost) = server
        .post(
            &format!("/api/v1/statuses/{first}/reblog"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    let boost_id = boost["id"].as_str().unwrap();
    let (status, refused) = server
        .post(
            &format!("/api/v1/statuses/{boost_id}/pin"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        refused["error"],
        "Validation failed: A boost cannot be pinned"
    );

    for i in 2..=5 {
        let id = post(&server, &alice, &format!("pin number {i}"), "unlisted").await;
        let (status, body) = server
            .post(
                &format!("/api/v1/statuses/{id}/pin"),
                Some(&alice.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let sixth = post(&server, &alice, "one too many", "public").await;
    let (status, refused) = server
        .post(
            &format!("/api/v1/statuses/{sixth}/pin"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused["error"].as_str().unwrap().contains("maximum"));
    let pins = pinned_of(&server, &bob, &alice.id).await;
    assert_eq!(pins.len(), 5);
    assert!(
        pins[0].contains("pin number 5"),
        "most recent pin first: {pins:?}"
    );

    // The featured collection carries the pinned notes inline.
    let featured: Value = reqwest::Client::new()
        .get(server.url("/users/alice/collections/featured"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(featured["type"], "OrderedCollection");
    assert_eq!(featured["totalItems"], 5);
    assert_eq!(featured["orderedItems"][0]["type"], "Note");

    let (status, unpinned) = server
        .post(
            &format!("/api/v1/statuses/{first}/unpin"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{unpinned}");
    assert_eq!(unpinned["pinned"], false);
    assert_eq!(pinned_of(&server, &bob, &alice.id).await.len(), 4);

    // A deleted post leaves the pins.
    let (status, _) = server
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{sixth}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (ok, report) = server.replay(false).await;
    assert!(ok, "replay finds no difference: {report}");
    server.stop().await;
}

#[tokio::test]
async fn pins_reach_followers_on_other_servers_and_unpins_too() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let (status, bob_at_a) = a
        .get(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", b.domain()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200, "{bob_at_a}");
    let bob_id = bob_at_a["id"].as_str().unwrap().to_string();
    a.post(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    wait_until("a follows b", WAIT, || async {
        let (_, me) = b
            .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
            .await;
        me["followers_count"] == 1
    })
    .await;

    let id = post(&b, &bob, "my best work", "public").await;
    let (status, _) = b
        .post(
            &format!("/api/v1/statuses/{id}/pin"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    wait_until("the pin reaches a", WAIT, || async {
        pinned_of(&a, &alice, &bob_id)
            .await
            .iter()
            .any(|c| c.contains("my best work"))
    })
    .await;

    let (status, _) = b
        .post(
            &format!("/api/v1/statuses/{id}/unpin"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    wait_until("the unpin reaches a", WAIT, || async {
        pinned_of(&a, &alice, &bob_id).await.is_empty()
    })
    .await;
    a.ingress_drained().await;
    for server in [&a, &b] {
        let (ok, report) = server.replay(false).await;
        assert!(ok, "replay finds no difference: {report}");
    }
    a.stop().await;
    b.stop().await;
}

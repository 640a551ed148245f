//! A user's own relations: notes, endorsements, removing a follower (locally and across
//! servers) and hiding a whole domain.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn notes_endorsements_and_removed_followers() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    server
        .post(
            &format!("/api/v1/accounts/{}/follow", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    server
        .post(
            &format!("/api/v1/accounts/{}/follow", alice.id),
            Some(&carol.token),
            json!({}),
        )
        .await;

    let (status, rel) = server
        .post(
            &format!("/api/v1/accounts/{}/note", bob.id),
            Some(&alice.token),
            json!({"comment": "met at RustConf"}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    assert_schema("Relationship", &rel);
    assert_eq!(rel["note"], "met at RustConf");
    let before = server.event_count().await;
    let (status, _) = server
        .post(
            &format!("/api/v1/accounts/{}/note", bob.id),
            Some(&alice.token),
            json!({"comment": "x".repeat(2001)}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = server
        .post(
            &format!("/api/v1/accounts/{}/endorse", carol.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "only followed accounts can be endorsed");
    assert_eq!(server.event_count().await, before, "refusals store nothing");

    let (status, rel) = server
        .post(
            &format!("/api/v1/accounts/{}/endorse", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    assert_eq!(rel["endorsed"], true);
    let (_, mine) = server.get("/api/v1/endorsements", Some(&alice.token)).await;
    assert_each("Account", &mine);
    assert_eq!(ids(&mine), [bob.id.as_str()]);
    let (_, public) = server
        .get(&format!("/api/v1/accounts/{}/endorsements", alice.id), None)
        .await;
    assert_eq!(ids(&public), [bob.id.as_str()], "endorsements are public");
    server
        .post(
            &format!("/api/v1/accounts/{}/unendorse", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    let (_, mine) = server.get("/api/v1/endorsements", Some(&alice.token)).await;
    assert!(ids(&mine).is_empty());

    let (status, rel) = server
        .post(
            &format!("/api/v1/accounts/{}/remove_from_followers", carol.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    assert_eq!(rel["followed_by"], false);
    let (_, me) = server
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["followers_count"], 0);
    let (_, carols) = server
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", alice.id),
            Some(&carol.token),
        )
        .await;
    assert_eq!(carols[0]["following"], false);

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

async fn home_texts(server: &TestServer, token: &str) -> Vec<String> {
    let (_, home) = server.get("/api/v1/timelines/home", Some(token)).await;
    home.as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_hidden_domain_leaves_the_timelines_and_a_removed_remote_follower_is_told() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    follow_across(&a, &alice, &b, &bob).await;
    follow_across(&b, &bob, &a, &alice).await;
    b.post(
        "/api/v1/statuses",
        Some(&bob.token),
        json!({"status": "from far away"}),
    )
    .await;
    wait_until("bob's post arrives", Duration::from_secs(30), || async {
        home_texts(&a, &alice.token)
            .await
            .iter()
            .any(|t| t.contains("from far away"))
    })
    .await;

    let (status, body) = a
        .post(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            json!({"domain": b.domain()}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, hidden) = a.get("/api/v1/domain_blocks", Some(&alice.token)).await;
    assert_eq!(hidden, json!([b.domain()]));
    assert!(
        !home_texts(&a, &alice.token)
            .await
            .iter()
            .any(|t| t.contains("from far away")),
        "the hidden domain's posts leave the home timeline"
    );
    let (_, found) = a
        .get(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", b.domain()),
            Some(&alice.token),
        )
        .await;
    let remote_bob = found["id"].as_str().unwrap().to_string();
    let (_, rel) = a
        .get(
            &format!("/api/v1/accounts/relationships?id[]={remote_bob}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(rel[0]["domain_blocking"], true);
    let (status, _) = a
        .call(
            Method::DELETE,
            &format!("/api/v1/domain_blocks?domain={}", b.domain()),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        home_texts(&a, &alice.token)
            .await
            .iter()
            .any(|t| t.contains("from far away")),
        "and come back when it is shown again"
    );

    let (status, rel) = a
        .post(
            &format!("/api/v1/accounts/{remote_bob}/remove_from_followers"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    let (_, found) = b
        .get(
            &format!("/api/v1/accounts/lookup?acct=alice@{}", a.domain()),
            Some(&bob.token),
        )
        .await;
    let remote_alice = found["id"].as_str().unwrap().to_string();
    wait_until(
        "b learns bob no longer follows alice",
        Duration::from_secs(30),
        || async {
            let (_, rel) = b
                .get(
                    &format!("/api/v1/accounts/relationships?id[]={remote_alice}"),
                    Some(&bob.token),
                )
                .await;
            rel[0]["following"] == false
        },
    )
    .await;

    let (same, diff) = a.replay(false).await;
    assert!(same, "replay differs: {diff}");
    a.stop().await;
    b.stop().await;
}

//! Mutes: a muted account's posts and boosts leave the home timeline, its notifications
//! too unless asked otherwise; mutes are listed, can run out, and are undone.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

async fn home_texts(server: &TestServer, user: &User) -> Vec<String> {
    let (_, home) = server
        .get("/api/v1/timelines/home", Some(&user.token))
        .await;
    home.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let s = if s["reblog"].is_object() {
                &s["reblog"]
            } else {
                s
            };
            s["content"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

async fn notifications(server: &TestServer, user: &User) -> Vec<Value> {
    let (_, list) = server.get("/api/v1/notifications", Some(&user.token)).await;
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn a_muted_account_leaves_home_and_notifications_until_unmuted_or_expired() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    server
        .post(
            &format!("/api/v1/accounts/{}/follow", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    server
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "bob speaks"}),
        )
        .await;
    let (_, mine) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "alice speaks"}),
        )
        .await;
    server
        .eventually("bob's post is in alice's home", || async {
            home_texts(&server, &alice)
                .await
                .iter()
                .any(|t| t.contains("bob speaks"))
        })
        .await;

    let (status, rel) = server
        .post(
            &format!("/api/v1/accounts/{}/mute", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    assert_schema("Relationship", &rel);
    assert_eq!(rel["muting"], true);
    assert_eq!(rel["muting_notifications"], true);
    assert!(rel["muting_expires_at"].is_null());
    let home = home_texts(&server, &alice).await;
    assert!(!home.iter().any(|t| t.contains("bob speaks")), "{home:?}");
    assert!(home.iter().any(|t| t.contains("alice speaks")));

    // A favourite from the muted account notifies nobody.
    server
        .post(
            &format!(
                "/api/v1/statuses/{}/favourite",
                mine["id"].as_str().unwrap()
            ),
            Some(&bob.token),
            json!({}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(notifications(&server, &alice).await.is_empty());

    let (_, muted) = server.get("/api/v1/mutes", Some(&alice.token)).await;
    assert_each("Account", &muted);
    assert_eq!(muted[0]["id"], bob.id.as_str());

    let (_, rel) = server
        .post(
            &format!("/api/v1/accounts/{}/unmute", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(rel["muting"], false);
    assert!(
        home_texts(&server, &alice)
            .await
            .iter()
            .any(|t| t.contains("bob speaks"))
    );
    server
        .eventually("the favourite's notification shows again", || async {
            notifications(&server, &alice)
                .await
                .iter()
                .any(|n| n["type"] == "favourite")
        })
        .await;

    // Notifications kept, and a mute that runs out after a second.
    let (_, rel) = server
        .post(
            &format!("/api/v1/accounts/{}/mute", bob.id),
            Some(&alice.token),
            json!({"notifications": false, "duration": 1}),
        )
        .await;
    assert_eq!(rel["muting"], true);
    assert_eq!(rel["muting_notifications"], false);
    assert!(rel["muting_expires_at"].is_string());
    assert!(!notifications(&server, &alice).await.is_empty());
    assert!(
        !home_texts(&server, &alice)
            .await
            .iter()
            .any(|t| t.contains("bob speaks"))
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        home_texts(&server, &alice)
            .await
            .iter()
            .any(|t| t.contains("bob speaks"))
    );
    let (_, muted) = server.get("/api/v1/mutes", Some(&alice.token)).await;
    assert_eq!(muted, json!([]));

    let (status, _) = server
        .post(
            &format!("/api/v1/accounts/{}/mute", alice.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "no muting oneself");
    let (ok, report) = server.replay(false).await;
    assert!(ok, "replay finds no difference: {report}");
    server.stop().await;
}

#[tokio::test]
async fn blocked_accounts_are_listed_newest_first_with_link_paging() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let others = server.users("other", 3).await;
    for o in &others {
        let (status, rel) = server
            .post(
                &format!("/api/v1/accounts/{}/block", o.id),
                Some(&alice.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{rel}");
    }
    let (status, headers, first) = server
        .call_full(
            reqwest::Method::GET,
            "/api/v1/blocks?limit=2",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{first}");
    assert_each("Account", &first);
    let ids: Vec<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [others[2].id.as_str(), others[1].id.as_str()]);
    let link = headers["link"].to_str().unwrap();
    let next = link
        .split(',')
        .find(|l| l.contains("rel=\"next\""))
        .and_then(|l| l.split(['<', '>']).nth(1))
        .unwrap();
    let path = next.trim_start_matches(&server.base);
    let (_, rest) = server.get(path, Some(&alice.token)).await;
    assert_eq!(rest[0]["id"], others[0].id.as_str());

    server
        .post(
            &format!("/api/v1/accounts/{}/unblock", others[1].id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    let (_, after) = server.get("/api/v1/blocks", Some(&alice.token)).await;
    assert_eq!(after.as_array().unwrap().len(), 2);
    // Someone else's blocks are their own.
    let (_, theirs) = server.get("/api/v1/blocks", Some(&others[0].token)).await;
    assert_eq!(theirs, json!([]));
    server.stop().await;
}

//! Mutes: a muted account's posts and boosts leave the home timeline, its notifications
//! too unless asked otherwise; mutes are listed, can run out, and are undone. A muted
//! conversation notifies no more.

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

/// The statuses `user` has mention notifications about.
async fn mentioned_in(server: &TestServer, user: &User) -> Vec<String> {
    let (_, list) = server
        .get("/api/v1/notifications?types[]=mention", Some(&user.token))
        .await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n["status"]["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_muted_conversation_notifies_no_more() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (_, root) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "a thread"}),
        )
        .await;
    let root_id = root["id"].as_str().unwrap();
    let reply = |text: &str, to: &str| {
        let body = json!({"status": format!("@alice {text}"), "in_reply_to_id": to});
        let server = &server;
        let token = bob.token.clone();
        async move {
            let (status, posted) = server.post("/api/v1/statuses", Some(&token), body).await;
            assert_eq!(status, 200, "{posted}");
            posted["id"].as_str().unwrap().to_string()
        }
    };
    let first = reply("first reply", root_id).await;
    let (status, muted) = server
        .post(
            &format!("/api/v1/statuses/{first}/mute"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{muted}");
    assert_eq!(
        muted["muted"], true,
        "muting a reply mutes its whole thread"
    );
    let (_, root_seen) = server
        .get(&format!("/api/v1/statuses/{root_id}"), Some(&alice.token))
        .await;
    assert_eq!(root_seen["muted"], true);
    let deeper = reply("deeper", &first).await;
    let (_, elsewhere) = server
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "@alice elsewhere"}),
        )
        .await;
    server
        .eventually("the other mention", || async {
            mentioned_in(&server, &alice)
                .await
                .contains(&elsewhere["id"].as_str().unwrap().to_string())
        })
        .await;
    let seen = mentioned_in(&server, &alice).await;
    assert!(
        !seen.contains(&deeper) && !seen.contains(&first),
        "{seen:?}"
    );

    server
        .post(
            &format!("/api/v1/statuses/{root_id}/unmute"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert!(
        mentioned_in(&server, &alice).await.contains(&deeper),
        "back when unmuted"
    );
    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

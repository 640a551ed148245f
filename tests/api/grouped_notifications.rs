//! Grouped notifications (`/api/v2/notifications`): favourites and boosts of one status,
//! and follows, come as one group each with sample accounts; mentions stay single.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

fn groups(body: &Value) -> Vec<(String, i64)> {
    body["notification_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["type"].as_str().unwrap().to_string(),
                g["notifications_count"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn favourites_boosts_and_follows_are_grouped_and_mentions_are_not() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let fans = server.users("fan", 3).await;
    let (_, post) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "a post worth liking"}),
        )
        .await;
    let post_id = post["id"].as_str().unwrap();
    for fan in &fans {
        let (status, _) = server
            .post(
                &format!("/api/v1/statuses/{post_id}/favourite"),
                Some(&fan.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
    }
    server
        .post(
            &format!("/api/v1/statuses/{post_id}/reblog"),
            Some(&fans[0].token),
            json!({}),
        )
        .await;
    for fan in &fans[..2] {
        server
            .post(
                &format!("/api/v1/accounts/{}/follow", alice.id),
                Some(&fan.token),
                json!({}),
            )
            .await;
    }
    server
        .post(
            "/api/v1/statuses",
            Some(&fans[2].token),
            json!({"status": "@alice hello"}),
        )
        .await;

    server
        .eventually("every notification is projected", || async {
            let (_, unread) = server
                .get("/api/v1/notifications/unread_count", Some(&alice.token))
                .await;
            unread["count"] == 7
        })
        .await;
    let all = |path: &'static str| {
        let token = alice.token.clone();
        let server = &server;
        async move {
            let (status, body) = server.get(path, Some(&token)).await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let body = all("/api/v2/notifications").await;
    assert_schema("GroupedNotificationsResults", &body);
    assert_eq!(
        groups(&body),
        [
            ("mention".to_string(), 1),
            ("follow".to_string(), 2),
            ("reblog".to_string(), 1),
            ("favourite".to_string(), 3)
        ]
    );
    let favourites = &body["notification_groups"][3];
    assert_eq!(favourites["status_id"], post_id);
    assert_eq!(
        favourites["sample_account_ids"].as_array().unwrap().len(),
        3
    );
    assert_eq!(
        body["accounts"].as_array().unwrap().len(),
        3,
        "each fan once"
    );
    assert_eq!(
        body["statuses"].as_array().unwrap().len(),
        2,
        "the post and the mention"
    );

    let body = all("/api/v2/notifications?grouped_types[]=follow").await;
    assert_eq!(
        groups(&body).len(),
        7 - 1,
        "favourites and the boost each alone"
    );

    let (status, headers, first) = server
        .call_full(
            Method::GET,
            "/api/v2/notifications?limit=2",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(groups(&first).len(), 2);
    let link = headers["link"].to_str().unwrap();
    let next = link
        .split(';')
        .next()
        .unwrap()
        .trim_matches(['<', '>'])
        .trim_start_matches(&server.url(""))
        .to_string();
    let (_, rest) = server.get(&next, Some(&alice.token)).await;
    assert_eq!(
        groups(&rest),
        [("reblog".to_string(), 1), ("favourite".to_string(), 3)]
    );

    let (_, unread) = server
        .get("/api/v2/notifications/unread_count", Some(&alice.token))
        .await;
    assert_eq!(unread["count"], 4);
    let (_, unread) = server
        .get("/api/v1/notifications/unread_count", Some(&alice.token))
        .await;
    assert_eq!(unread["count"], 7);
    let newest = first["notification_groups"][0]["most_recent_notification_id"].to_string();
    server
        .post(
            "/api/v1/markers",
            Some(&alice.token),
            json!({"notifications": {"last_read_id": newest}}),
        )
        .await;
    let (_, unread) = server
        .get("/api/v2/notifications/unread_count", Some(&alice.token))
        .await;
    assert_eq!(unread["count"], 0);

    let key = favourites["group_key"].as_str().unwrap();
    let (status, fans_of_it) = server
        .get(
            &format!("/api/v2/notifications/{key}/accounts"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200);
    assert_each("Account", &fans_of_it);
    assert_eq!(fans_of_it.as_array().unwrap().len(), 3);
    let (status, _) = server
        .post(
            &format!("/api/v2/notifications/{key}/dismiss"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = server
        .get(&format!("/api/v2/notifications/{key}"), Some(&alice.token))
        .await;
    assert_eq!(status, 404, "a dismissed group is gone");
    let (status, _) = server
        .get(
            "/api/v2/notifications/follow-0",
            Some(&bob_token(&server).await),
        )
        .await;
    assert_eq!(status, 404, "someone else's (or no) group");

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

async fn bob_token(server: &TestServer) -> String {
    server.user("bob").await.token
}

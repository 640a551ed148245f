//! Mastodon 4.3's notification policy and requests: private mentions from strangers are
//! filtered into a request by default; the user accepts (they show, and that sender is let
//! through from then on) or dismisses (they go); a policy can also drop notifications.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn mention(server: &TestServer, from: &User, to: &User, visibility: &str) -> String {
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&from.token),
            json!({"status": format!("@{} hello", to.username), "visibility": visibility}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

async fn notifications(server: &TestServer, user: &User, query: &str) -> Vec<Value> {
    let (status, list) = server
        .get(&format!("/api/v1/notifications{query}"), Some(&user.token))
        .await;
    assert_eq!(status, 200, "{list}");
    assert_each("Notification", &list);
    list.as_array().unwrap().clone()
}

async fn requests(server: &TestServer, user: &User) -> Vec<Value> {
    let (status, list) = server
        .get("/api/v1/notifications/requests", Some(&user.token))
        .await;
    assert_eq!(status, 200, "{list}");
    assert_each("NotificationRequest", &list);
    list.as_array().unwrap().clone()
}

async fn follow(server: &TestServer, who: &User, whom: &User) {
    let (status, body) = server
        .post(
            &format!("/api/v1/accounts/{}/follow", whom.id),
            Some(&who.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_strangers_private_mention_waits_in_a_request_until_accepted() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;

    let (status, policy) = server
        .get("/api/v2/notifications/policy", Some(&alice.token))
        .await;
    assert_eq!(status, 200);
    assert_schema("NotificationPolicy", &policy);
    assert_eq!(policy["for_private_mentions"], "filter");
    assert_eq!(policy["for_not_following"], "accept");

    // A public mention from a stranger is let through; a private one is filtered.
    mention(&server, &bob, &alice, "public").await;
    let dm = mention(&server, &bob, &alice, "direct").await;
    server
        .eventually("the request is there", || async {
            requests(&server, &alice).await.len() == 1
        })
        .await;
    let listed = notifications(&server, &alice, "").await;
    assert_eq!(listed.len(), 1, "only the public mention: {listed:#?}");
    let request = &requests(&server, &alice).await[0];
    assert_eq!(request["account"]["id"], bob.id.as_str());
    assert_eq!(request["notifications_count"], "1");
    assert_eq!(request["last_status"]["id"], dm.as_str());
    let (_, policy) = server
        .get("/api/v2/notifications/policy", Some(&alice.token))
        .await;
    assert_eq!(
        policy["summary"],
        json!({"pending_requests_count": 1, "pending_notifications_count": 1})
    );
    let request_id = request["id"].as_str().unwrap().to_string();
    let (status, one) = server
        .get(
            &format!("/api/v1/notifications/requests/{request_id}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["id"], request_id.as_str());
    // The request's own notifications, as a client shows them.
    let filtered = notifications(
        &server,
        &alice,
        &format!("?account_id={}&include_filtered=true", bob.id),
    )
    .await;
    assert_eq!(filtered.len(), 2);
    assert_eq!(filtered[0]["filtered"], true);

    // Bob's request is someone else's business: 404 to him.
    let (status, _) = server
        .post(
            &format!("/api/v1/notifications/requests/{request_id}/accept"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 404);

    let (status, _) = server
        .post(
            &format!("/api/v1/notifications/requests/{request_id}/accept"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    server
        .eventually("the accepted mention shows", || async {
            notifications(&server, &alice, "").await.len() == 2
        })
        .await;
    assert!(requests(&server, &alice).await.is_empty());
    let (_, merged) = server
        .get("/api/v1/notifications/requests/merged", Some(&alice.token))
        .await;
    assert_eq!(merged, json!({"merged": true}));

    // Accepted for good: bob's next private mention is not filtered.
    mention(&server, &bob, &alice, "direct").await;
    server
        .eventually("the next mention shows at once", || async {
            notifications(&server, &alice, "").await.len() == 3
        })
        .await;
    assert!(requests(&server, &alice).await.is_empty());

    let (same, report) = server.replay(false).await;
    assert!(same, "{report}");
    server.stop().await;
}

#[tokio::test]
async fn a_dismissed_request_takes_its_notifications_and_a_new_one_can_come() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let carol = server.user("carol").await;
    let dave = server.user("dave").await;
    mention(&server, &carol, &alice, "direct").await;
    mention(&server, &carol, &alice, "direct").await;
    mention(&server, &dave, &alice, "direct").await;
    server
        .eventually("two requests", || async {
            requests(&server, &alice).await.len() == 2
        })
        .await;
    let listed = requests(&server, &alice).await;
    assert_eq!(listed[0]["account"]["id"], dave.id.as_str(), "newest first");
    assert_eq!(listed[1]["notifications_count"], "2");
    let carols = listed[1]["id"].as_str().unwrap();
    let (status, _) = server
        .post(
            &format!("/api/v1/notifications/requests/{carols}/dismiss"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    server
        .eventually("carol's request is gone", || async {
            requests(&server, &alice).await.len() == 1
        })
        .await;
    let left = notifications(
        &server,
        &alice,
        &format!("?account_id={}&include_filtered=true", carol.id),
    )
    .await;
    assert!(left.is_empty(), "dismissed notifications go: {left:#?}");

    // Carol writes again: a new request, not accepted.
    mention(&server, &carol, &alice, "direct").await;
    server
        .eventually("a new request from carol", || async {
            requests(&server, &alice).await.len() == 2
        })
        .await;
    assert!(notifications(&server, &alice, "").await.is_empty());

    // Both accepted at once.
    let ids: Vec<String> = requests(&server, &alice)
        .await
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let (status, _) = server
        .post(
            "/api/v1/notifications/requests/accept",
            Some(&alice.token),
            json!({"id": ids}),
        )
        .await;
    assert_eq!(status, 200);
    server
        .eventually("both show", || async {
            notifications(&server, &alice, "").await.len() == 2
        })
        .await;
    let (same, report) = server.replay(false).await;
    assert!(same, "{report}");
    server.stop().await;
}

#[tokio::test]
async fn a_policy_can_drop_notifications_from_accounts_not_followed() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let erin = server.user("erin").await;
    let frank = server.user("frank").await;
    follow(&server, &alice, &erin).await;

    let before = server.event_count().await;
    let (status, body) = server
        .call(
            Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&alice.token),
            Some(json!({"for_not_following": "ignore"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("for_not_following")
    );
    assert_eq!(server.event_count().await, before, "nothing recorded");

    let (status, policy) = server
        .call(
            Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&alice.token),
            Some(json!({"for_not_following": "drop"})),
        )
        .await;
    assert_eq!(status, 200, "{policy}");
    assert_schema("NotificationPolicy", &policy);
    assert_eq!(policy["for_not_following"], "drop");
    assert_eq!(policy["for_private_mentions"], "filter", "the rest stays");

    mention(&server, &frank, &alice, "public").await;
    mention(&server, &erin, &alice, "public").await;
    server
        .eventually("erin's mention shows", || async {
            notifications(&server, &alice, "").await.len() == 1
        })
        .await;
    let listed = notifications(&server, &alice, "?include_filtered=true").await;
    assert_eq!(listed.len(), 1, "frank's is dropped, not filtered");
    assert_eq!(listed[0]["account"]["id"], erin.id.as_str());
    assert!(requests(&server, &alice).await.is_empty());
    let (same, report) = server.replay(false).await;
    assert!(same, "{report}");
    server.stop().await;
}

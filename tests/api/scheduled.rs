//! Scheduled statuses: scheduled at least five minutes ahead, listed, moved, cancelled,
//! and posted once when due (the publisher is driven with a clock moved forward).

use reqwest::Method;
use serde_json::json;

use crate::support::*;

fn in_minutes(m: i64) -> String {
    tessera::time::iso(tessera::time::now_ms() + m * 60_000)
}

#[tokio::test]
async fn statuses_are_scheduled_moved_cancelled_and_posted_when_due() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let before = server.event_count().await;
    let (status, body) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "too soon", "scheduled_at": in_minutes(1)}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "when?", "scheduled_at": "tomorrow"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(server.event_count().await, before);

    let (status, scheduled) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "Good morning", "scheduled_at": in_minutes(10), "visibility": "unlisted"}),
        )
        .await;
    assert_eq!(status, 200, "{scheduled}");
    assert_schema("ScheduledStatus", &scheduled);
    assert_eq!(scheduled["params"]["text"], "Good morning");
    let id = scheduled["id"].as_str().unwrap().to_string();
    let (_, other) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "never", "scheduled_at": in_minutes(20)}),
        )
        .await;
    let other_id = other["id"].as_str().unwrap().to_string();

    let (_, list) = server
        .get("/api/v1/scheduled_statuses", Some(&alice.token))
        .await;
    assert_each("ScheduledStatus", &list);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (status, _) = server
        .get(
            &format!("/api/v1/scheduled_statuses/{id}"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, 404, "someone else's");

    let (status, moved) = server
        .call(
            Method::PUT,
            &format!("/api/v1/scheduled_statuses/{id}"),
            Some(&alice.token),
            Some(json!({"scheduled_at": in_minutes(15)})),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_ne!(moved["scheduled_at"], scheduled["scheduled_at"]);
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/scheduled_statuses/{other_id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);

    // Not due yet: nothing is posted. Due: posted once, even if two publishers run.
    let app = &server.running.as_ref().unwrap().app;
    assert_eq!(app.publish_due(tessera::time::now_ms()).await.unwrap(), 0);
    let later = tessera::time::now_ms() + 16 * 60_000;
    let (first, second) = tokio::join!(app.publish_due(later), app.publish_due(later));
    assert_eq!(first.unwrap() + second.unwrap(), 1);
    let (_, statuses) = server
        .get(
            &format!("/api/v1/accounts/{}/statuses", alice.id),
            Some(&alice.token),
        )
        .await;
    let texts: Vec<&str> = statuses
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["<p>Good morning</p>"]);
    assert_eq!(statuses[0]["visibility"], "unlisted");
    let (_, list) = server
        .get("/api/v1/scheduled_statuses", Some(&alice.token))
        .await;
    assert_eq!(list, json!([]));
    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

//! Reports: filed through the API with their statuses, refused when malformed, and sent
//! on as a `Flag` from the instance actor when asked.

use std::time::Duration;

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_report_is_filed_and_bad_ones_are_refused() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let (_, bobs) = server
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "spam spam spam"}),
        )
        .await;
    let (_, carols) = server
        .post(
            "/api/v1/statuses",
            Some(&carol.token),
            json!({"status": "innocent"}),
        )
        .await;
    let bobs = bobs["id"].as_str().unwrap();
    let carols = carols["id"].as_str().unwrap();

    let before = server.event_count().await;
    for (body, what) in [
        (json!({"account_id": alice.id}), "oneself"),
        (
            json!({"account_id": bob.id, "status_ids": [carols]}),
            "someone else's status",
        ),
        (
            json!({"account_id": bob.id, "comment": "x".repeat(1001)}),
            "a long comment",
        ),
        (
            json!({"account_id": bob.id, "category": "violation"}),
            "a rule this server lacks",
        ),
        (json!({}), "nobody"),
    ] {
        let (status, body) = server
            .post("/api/v1/reports", Some(&alice.token), body)
            .await;
        assert_eq!(status, 422, "{what}: {body}");
    }
    assert_eq!(
        server.event_count().await,
        before,
        "refused reports append nothing"
    );

    let (status, report) = server
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({"account_id": bob.id, "status_ids": [bobs], "comment": "Spam", "category": "spam", "forward": true}),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_schema("Report", &report);
    assert_eq!(report["target_account"]["id"], bob.id.as_str());
    assert_eq!(report["status_ids"], json!([bobs]));
    assert_eq!(report["category"], "spam");
    assert_eq!(
        report["forwarded"], false,
        "a local account is not forwarded anywhere"
    );
    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

#[tokio::test]
async fn a_forwarded_report_reaches_the_reported_accounts_server() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let (status, found) = a
        .get(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", b.domain()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    let remote_bob = found["id"].as_str().unwrap();
    let (status, report) = a
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({"account_id": remote_bob, "comment": "Please look", "forward": true}),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["forwarded"], true);
    let pool = b.running.as_ref().unwrap().app.db.pool.clone();
    wait_until("the Flag reaches b", Duration::from_secs(30), || async {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT target_account_id, comment FROM reports")
                .fetch_optional(&pool)
                .await
                .unwrap();
        row.is_some_and(|(target, comment)| {
            target.to_string() == bob.id && comment == "Please look"
        })
    })
    .await;
    a.stop().await;
    b.stop().await;
}

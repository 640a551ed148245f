//! Polls: posted with a status, read, voted on once (several choices when multiple),
//! refused when malformed with nothing kept, and federated: a `Question` to followers'
//! servers, and votes back to the poll's server.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(30);

async fn post_poll(server: &TestServer, user: &User, poll: Value) -> Value {
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&user.token),
            json!({"status": "Lunch?", "poll": poll}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    assert_schema("Status", &posted);
    posted
}

#[tokio::test]
async fn a_poll_is_posted_read_and_voted_on_once() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let posted = post_poll(
        &server,
        &alice,
        json!({"options": ["Pizza", "Salad", "Soup"], "expires_in": 3600}),
    )
    .await;
    let poll = &posted["poll"];
    assert_schema("Poll", poll);
    assert_eq!(poll["multiple"], false);
    assert_eq!(poll["expired"], false);
    assert_eq!(poll["options"][1]["title"], "Salad");
    assert_eq!(poll["voted"], false);
    let id = poll["id"].as_str().unwrap();

    let (status, voted) = server
        .post(
            &format!("/api/v1/polls/{id}/votes"),
            Some(&bob.token),
            json!({"choices": ["1"]}),
        )
        .await;
    assert_eq!(status, 200, "{voted}");
    assert_schema("Poll", &voted);
    assert_eq!(voted["voted"], true);
    assert_eq!(voted["own_votes"], json!([1]));
    assert_eq!(voted["options"][1]["votes_count"], 1);
    assert_eq!(voted["votes_count"], 1);

    let before = server.event_count().await;
    for (who, choices, what) in [
        (&bob, json!(["0"]), "a second vote"),
        (
            &carol,
            json!(["0", "1"]),
            "two choices on a single-choice poll",
        ),
        (&carol, json!(["7"]), "no such option"),
        (&carol, json!([]), "no choice"),
    ] {
        let (status, body) = server
            .post(
                &format!("/api/v1/polls/{id}/votes"),
                Some(&who.token),
                json!({"choices": choices}),
            )
            .await;
        assert_eq!(status, 422, "{what}: {body}");
    }
    assert_eq!(
        server.event_count().await,
        before,
        "refused votes append nothing"
    );

    // Anyone who can see the status sees the poll, with their own votes.
    let (status, seen) = server.get(&format!("/api/v1/polls/{id}"), None).await;
    assert_eq!(status, 200, "{seen}");
    assert_schema("Poll", &seen);
    assert!(seen.get("voted").is_none());
    let (_, status_seen) = server
        .get(
            &format!("/api/v1/statuses/{}", posted["id"].as_str().unwrap()),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status_seen["poll"]["own_votes"], json!([1]));

    // Multiple choice: several at once, voters counted.
    let multi = post_poll(
        &server,
        &alice,
        json!({"options": ["Mon", "Tue", "Wed"], "expires_in": 86400, "multiple": true}),
    )
    .await;
    let mid = multi["poll"]["id"].as_str().unwrap();
    let (status, voted) = server
        .post(
            &format!("/api/v1/polls/{mid}/votes"),
            Some(&carol.token),
            json!({"choices": [0, 2]}),
        )
        .await;
    assert_eq!(status, 200, "{voted}");
    assert_eq!(voted["votes_count"], 2);
    assert_eq!(voted["voters_count"], 1);

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

#[tokio::test]
async fn malformed_polls_are_refused_and_nothing_is_posted() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let twenty: Vec<String> = (0..20).map(|i| format!("option {i}")).collect();
    let before = server.event_count().await;
    for (poll, what) in [
        (json!({"options": twenty, "expires_in": 3600}), "20 options"),
        (
            json!({"options": ["only one"], "expires_in": 3600}),
            "one option",
        ),
        (
            json!({"options": ["a", "b"], "expires_in": 10}),
            "too short",
        ),
        (json!({"options": ["a", "b"]}), "no expiry"),
        (
            json!({"options": ["a", "a"], "expires_in": 3600}),
            "the same twice",
        ),
        (
            json!({"options": ["x".repeat(51), "b"], "expires_in": 3600}),
            "too long",
        ),
    ] {
        let (status, body) = server
            .post(
                "/api/v1/statuses",
                Some(&alice.token),
                json!({"status": "q", "poll": poll}),
            )
            .await;
        assert_eq!(status, 422, "{what}: {body}");
        assert!(body["error"].is_string());
    }
    // Forms send it nested, as Rails reads it.
    let resp = server
        .http
        .post(server.url("/api/v1/statuses"))
        .bearer_auth(&alice.token)
        .form(&[
            ("status", "form poll"),
            ("poll[options][]", "Yes"),
            ("poll[options][]", "No"),
            ("poll[expires_in]", "600"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let posted: Value = resp.json().await.unwrap();
    assert_eq!(posted["poll"]["options"].as_array().unwrap().len(), 2);
    assert_eq!(server.event_count().await, before + 1);
    server.stop().await;
}

#[tokio::test]
async fn polls_federate_as_questions_and_votes_come_back() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    follow_across(&b, &bob, &a, &alice).await;
    let posted = post_poll(
        &a,
        &alice,
        json!({"options": ["Tea", "Coffee"], "expires_in": 3600}),
    )
    .await;
    let local_poll = posted["poll"]["id"].as_str().unwrap().to_string();

    wait_until("the poll reaches bob", WAIT, || async {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array()
            .is_some_and(|l| l.iter().any(|s| s["poll"].is_object()))
    })
    .await;
    let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let remote = home[0]["poll"].clone();
    assert_schema("Poll", &remote);
    assert_eq!(remote["options"][1]["title"], "Coffee");
    assert!(remote["expires_at"].is_string());

    let (status, voted) = b
        .post(
            &format!("/api/v1/polls/{}/votes", remote["id"].as_str().unwrap()),
            Some(&bob.token),
            json!({"choices": ["1"]}),
        )
        .await;
    assert_eq!(status, 200, "{voted}");
    assert_eq!(voted["own_votes"], json!([1]));

    wait_until("the vote reaches alice's server", WAIT, || async {
        let (_, poll) = a
            .get(&format!("/api/v1/polls/{local_poll}"), Some(&alice.token))
            .await;
        poll["options"][1]["votes_count"] == 1
    })
    .await;
    let (same, diff) = a.replay(false).await;
    assert!(same, "replay differs: {diff}");
    a.stop().await;
    b.stop().await;
}

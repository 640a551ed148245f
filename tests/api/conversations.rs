//! Direct-message conversations: grouped by thread, unread for recipients, read and
//! removed per participant, back with a new message; and the `direct` stream.

use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn dm(server: &TestServer, from: &User, text: &str, reply_to: Option<&str>) -> String {
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&from.token),
            json!({"status": text, "visibility": "direct", "in_reply_to_id": reply_to}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

async fn conversations(server: &TestServer, user: &User) -> Vec<Value> {
    let (status, list) = server.get("/api/v1/conversations", Some(&user.token)).await;
    assert_eq!(status, 200, "{list}");
    assert_each("Conversation", &list);
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn direct_messages_make_conversations_read_and_removed_per_participant() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let first = dm(&server, &alice, "@bob a secret", None).await;
    dm(&server, &alice, "@carol another thread", None).await;

    let bobs = conversations(&server, &bob).await;
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0]["unread"], true);
    assert_eq!(bobs[0]["accounts"][0]["id"], alice.id.as_str());
    assert_eq!(bobs[0]["last_status"]["id"], first.as_str());
    let alices = conversations(&server, &alice).await;
    assert_eq!(alices.len(), 2);
    assert!(alices.iter().all(|c| c["unread"] == false));

    // A reply stays in the same conversation, and is unread for the other side.
    let id = bobs[0]["id"].as_str().unwrap().to_string();
    let reply = dm(&server, &bob, "@alice got it", Some(&first)).await;
    let alices = conversations(&server, &alice).await;
    let thread = alices.iter().find(|c| c["id"] == id.as_str()).unwrap();
    assert_eq!(thread["last_status"]["id"], reply.as_str());
    assert_eq!(thread["unread"], true);
    assert_eq!(conversations(&server, &bob).await[0]["unread"], false);

    let (status, read) = server
        .post(
            &format!("/api/v1/conversations/{id}/read"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{read}");
    assert_schema("Conversation", &read);
    assert_eq!(read["unread"], false);

    // Removed for bob only; a new message brings it back.
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/conversations/{id}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(conversations(&server, &bob).await.is_empty());
    assert_eq!(conversations(&server, &alice).await.len(), 2);
    dm(&server, &alice, "@bob still there?", Some(&reply)).await;
    assert_eq!(conversations(&server, &bob).await.len(), 1);

    // Someone else's conversation does not exist for them.
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{id}/read"),
            Some(&carol.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

#[tokio::test]
async fn the_direct_stream_carries_conversations() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let url = format!(
        "{}/api/v1/streaming?stream=direct&access_token={}",
        server.base.replacen("http", "ws", 1),
        bob.token
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "public, not for direct"}),
        )
        .await;
    dm(&server, &alice, "@bob psst", None).await;
    let frame = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t))) = ws.next().await {
                return t.to_string();
            }
        }
    })
    .await
    .unwrap();
    let v: Value = serde_json::from_str(&frame).unwrap();
    assert_eq!(
        (&v["stream"], &v["event"]),
        (&json!(["direct"]), &json!("conversation"))
    );
    let c: Value = serde_json::from_str(v["payload"].as_str().unwrap()).unwrap();
    assert_schema("Conversation", &c);
    assert!(
        c["last_status"]["content"]
            .as_str()
            .unwrap()
            .contains("psst")
    );
    assert_eq!(c["unread"], true);
    server.stop().await;
}

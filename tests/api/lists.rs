//! Lists: create, rename, delete; members must be followed; the list timeline with its
//! replies policy; exclusive lists leave the home timeline; a stream of one's own list.

use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn follow(server: &TestServer, who: &User, whom: &User) {
    let (status, rel) = server
        .post(
            &format!("/api/v1/accounts/{}/follow", whom.id),
            Some(&who.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
}

async fn post(server: &TestServer, user: &User, body: Value) -> String {
    let (status, posted) = server
        .post("/api/v1/statuses", Some(&user.token), body)
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

async fn texts(server: &TestServer, user: &User, path: &str) -> Vec<String> {
    let (status, list) = server.get(path, Some(&user.token)).await;
    assert_eq!(status, 200, "{path}: {list}");
    assert_each("Status", &list);
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn lists_are_created_renamed_listed_and_deleted_by_their_owner_only() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (status, list) = server
        .post(
            "/api/v1/lists",
            Some(&alice.token),
            json!({"title": "Work"}),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_schema("List", &list);
    assert_eq!(list["replies_policy"], "list");
    assert_eq!(list["exclusive"], false);
    let id = list["id"].as_str().unwrap();

    let (status, changed) = server
        .call(
            Method::PUT,
            &format!("/api/v1/lists/{id}"),
            Some(&alice.token),
            Some(json!({"title": "Colleagues", "replies_policy": "none", "exclusive": true})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (
            &changed["title"],
            &changed["replies_policy"],
            &changed["exclusive"]
        ),
        (&json!("Colleagues"), &json!("none"), &json!(true))
    );
    let (_, all) = server.get("/api/v1/lists", Some(&alice.token)).await;
    assert_each("List", &all);
    assert_eq!(all.as_array().unwrap().len(), 1);

    let before = server.event_count().await;
    for (body, what) in [
        (json!({"title": "  "}), "blank title"),
        (json!({"title": "x".repeat(101)}), "long title"),
        (
            json!({"title": "ok", "replies_policy": "everyone"}),
            "unknown policy",
        ),
    ] {
        let (status, body) = server.post("/api/v1/lists", Some(&alice.token), body).await;
        assert_eq!(status, 422, "{what}: {body}");
    }
    assert_eq!(server.event_count().await, before);

    // Someone else's list does not exist for bob.
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let (status, _) = server
            .call(
                method.clone(),
                &format!("/api/v1/lists/{id}"),
                Some(&bob.token),
                Some(json!({"title": "mine"})),
            )
            .await;
        assert_eq!(status, 404, "{method}");
    }
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/lists/{id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, all) = server.get("/api/v1/lists", Some(&alice.token)).await;
    assert_eq!(all, json!([]));
    server.stop().await;
}

#[tokio::test]
async fn a_list_timeline_shows_its_members_with_its_replies_policy() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let dave = server.user("dave").await;
    for u in [&bob, &carol, &dave] {
        follow(&server, &alice, u).await;
    }
    let (_, list) = server
        .post(
            "/api/v1/lists",
            Some(&alice.token),
            json!({"title": "Friends", "replies_policy": "list"}),
        )
        .await;
    let id = list["id"].as_str().unwrap().to_string();

    // Only followed accounts may be members; a refused add stores nothing.
    let outsider = server.user("eve").await;
    let before = server.event_count().await;
    let (status, body) = server
        .post(
            &format!("/api/v1/lists/{id}/accounts"),
            Some(&alice.token),
            json!({"account_ids": [bob.id, outsider.id]}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(server.event_count().await, before);
    let (status, _) = server
        .post(
            &format!("/api/v1/lists/{id}/accounts"),
            Some(&alice.token),
            json!({"account_ids": [bob.id, carol.id]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, members) = server
        .get(
            &format!("/api/v1/lists/{id}/accounts?limit=0"),
            Some(&alice.token),
        )
        .await;
    assert_each("Account", &members);
    let mut ids: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut want = vec![bob.id.as_str(), carol.id.as_str()];
    want.sort_unstable();
    assert_eq!(ids, want);
    let (_, lists) = server
        .get(
            &format!("/api/v1/accounts/{}/lists", bob.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(lists[0]["id"], id.as_str());

    let bobs = post(&server, &bob, json!({"status": "bob speaks"})).await;
    post(&server, &dave, json!({"status": "dave speaks"})).await;
    post(
        &server,
        &carol,
        json!({"status": "carol answers bob", "in_reply_to_id": bobs}),
    )
    .await;
    let daves = post(&server, &dave, json!({"status": "dave again"})).await;
    post(
        &server,
        &bob,
        json!({"status": "bob answers dave", "in_reply_to_id": daves}),
    )
    .await;
    let path = format!("/api/v1/timelines/list/{id}");
    server
        .eventually("the list timeline fills", || async {
            texts(&server, &alice, &path).await.len() == 2
        })
        .await;
    let shown = texts(&server, &alice, &path).await;
    assert!(
        shown[0].contains("carol answers bob") && shown[1].contains("bob speaks"),
        "{shown:?}"
    );

    // `none` leaves every reply out.
    server
        .call(
            Method::PUT,
            &format!("/api/v1/lists/{id}"),
            Some(&alice.token),
            Some(json!({"replies_policy": "none"})),
        )
        .await;
    let shown = texts(&server, &alice, &path).await;
    assert_eq!(shown.len(), 1, "{shown:?}");

    // Exclusive: the members' posts leave the home timeline.
    let home = texts(&server, &alice, "/api/v1/timelines/home").await;
    assert!(home.iter().any(|t| t.contains("bob speaks")));
    server
        .call(
            Method::PUT,
            &format!("/api/v1/lists/{id}"),
            Some(&alice.token),
            Some(json!({"exclusive": true})),
        )
        .await;
    let home = texts(&server, &alice, "/api/v1/timelines/home").await;
    assert!(!home.iter().any(|t| t.contains("bob")), "{home:?}");
    assert!(home.iter().any(|t| t.contains("dave speaks")), "{home:?}");

    // Removed members leave the timeline; someone else cannot read it.
    server
        .call(
            Method::DELETE,
            &format!("/api/v1/lists/{id}/accounts"),
            Some(&alice.token),
            Some(json!({"account_ids": [bob.id]})),
        )
        .await;
    assert!(texts(&server, &alice, &path).await.is_empty());
    let (status, _) = server.get(&path, Some(&bob.token)).await;
    assert_eq!(status, 404);

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

#[tokio::test]
async fn a_list_stream_carries_its_members_posts_to_its_owner_only() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    follow(&server, &alice, &bob).await;
    follow(&server, &alice, &carol).await;
    let (_, list) = server
        .post("/api/v1/lists", Some(&alice.token), json!({"title": "Bob"}))
        .await;
    let id = list["id"].as_str().unwrap().to_string();
    server
        .post(
            &format!("/api/v1/lists/{id}/accounts"),
            Some(&alice.token),
            json!({"account_ids": [bob.id]}),
        )
        .await;

    // Someone else's list is refused.
    let resp = server
        .http
        .get(server.url(&format!("/api/v1/streaming/list?list={id}")))
        .bearer_auth(&carol.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    let url = format!(
        "{}/api/v1/streaming?stream=list&list={id}&access_token={}",
        server.base.replacen("http", "ws", 1),
        alice.token
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    post(&server, &carol, json!({"status": "not on the list"})).await;
    post(&server, &bob, json!({"status": "on the list"})).await;
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
    assert_eq!(v["stream"], json!(["list", id]));
    assert!(v["payload"].as_str().unwrap().contains("on the list"));
    assert!(!v["payload"].as_str().unwrap().contains("not on the list"));
    server.stop().await;
}

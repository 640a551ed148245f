//! Operator announcements: made with `tessera admin announcements`, listed to users with
//! what they read and how they reacted, and refused reactions that are not emoji.

use serde_json::{Value, json};

use crate::support::*;

async fn announcements(server: &TestServer, user: &User) -> Value {
    let (status, list) = server.get("/api/v1/announcements", Some(&user.token)).await;
    assert_eq!(status, 200, "{list}");
    assert_each("Announcement", &list);
    list
}

async fn count(server: &TestServer, user: &User) -> usize {
    announcements(server, user).await.as_array().unwrap().len()
}

async fn create(server: &TestServer, args: &[&str]) -> String {
    let mut all = vec!["admin", "announcements", "create"];
    all.extend_from_slice(args);
    server.tessera(&all).await.trim().to_string()
}

#[tokio::test]
async fn users_see_published_announcements_mark_them_read_and_react() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;

    let later = create(
        &server,
        &[
            "Party at https://example.com/party #party",
            "--starts-at",
            "2030-12-24T18:00:00Z",
            "--ends-at",
            "2030-12-25T02:00:00Z",
        ],
    )
    .await;
    let draft = create(&server, &["Not yet", "--draft"]).await;
    let now = create(&server, &["Maintenance tonight"]).await;

    let list = announcements(&server, &alice).await;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [now.as_str(), later.as_str()],
        "published only, in the order of what they are about"
    );
    let party = &list[1];
    assert_eq!(party["starts_at"], "2030-12-24T18:00:00.000Z");
    assert_eq!(party["read"], false);
    assert!(
        party["content"]
            .as_str()
            .unwrap()
            .contains(r#"href="https://example.com/party""#),
        "{party}"
    );
    assert_eq!(party["tags"][0]["name"], "party");

    // Read, for alice only.
    let (status, _) = server
        .post(
            &format!("/api/v1/announcements/{now}/dismiss"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(announcements(&server, &alice).await[0]["read"], true);
    assert_eq!(announcements(&server, &bob).await[0]["read"], false);

    // Reactions: counted for all, `me` for the one who gave it.
    let (status, body) = react(&server, &alice, &now, "🎉", reqwest::Method::PUT).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = react(&server, &alice, &now, "🎉", reqwest::Method::PUT).await;
    assert_eq!(status, 200, "reacting twice is one reaction");
    react(&server, &bob, &now, "🎉", reqwest::Method::PUT).await;
    let seen = announcements(&server, &bob).await;
    assert_eq!(
        seen[0]["reactions"],
        json!([{"name": "🎉", "count": 2, "me": true}])
    );
    let (status, _) = react(&server, &bob, &now, "🎉", reqwest::Method::DELETE).await;
    assert_eq!(status, 200);
    assert_eq!(
        announcements(&server, &bob).await[0]["reactions"],
        json!([{"name": "🎉", "count": 1, "me": false}])
    );

    // Not an emoji, a draft, a deleted one: refused, and nothing recorded.
    let before = server.event_count().await;
    let (status, body) = react(&server, &alice, &now, "notanemoji", reqwest::Method::PUT).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().contains("emoji"), "{body}");
    let (status, _) = server
        .post(
            &format!("/api/v1/announcements/{draft}/dismiss"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 404, "a draft is not there for users");
    server
        .tessera(&["admin", "announcements", "delete", &later])
        .await;
    let (status, _) = server
        .post(
            &format!("/api/v1/announcements/{later}/dismiss"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(server.event_count().await, before + 1, "only the deletion");
    assert_eq!(count(&server, &alice).await, 1);

    // Publishing the draft shows it; withdrawing hides it again.
    server
        .tessera(&["admin", "announcements", "publish", &draft])
        .await;
    assert_eq!(count(&server, &alice).await, 2);
    server
        .tessera(&["admin", "announcements", "unpublish", &draft])
        .await;
    assert_eq!(count(&server, &alice).await, 1);

    let (status, _) = server.get("/api/v1/announcements", None).await;
    assert_eq!(status, 401, "for signed-in users");
    let (same, report) = server.replay(false).await;
    assert!(same, "{report}");
    server.stop().await;
}

#[tokio::test]
async fn an_announcement_takes_at_most_eight_different_reactions() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let id = create(&server, &["Hello"]).await;
    let put = |name: &'static str| react(&server, &alice, &id, name, reqwest::Method::PUT);
    for name in ["😀", "😂", "🎉", "👍", "❤️", "🔥", "🙏", "👀"] {
        assert_eq!(put(name).await.0, 200, "{name}");
    }
    assert_eq!(put("🚀").await.0, 422, "a ninth kind");
    assert_eq!(put("👍").await.0, 200, "one already there is fine");
    server.stop().await;
}

pub async fn react(
    server: &TestServer,
    user: &User,
    announcement: &str,
    name: &str,
    method: reqwest::Method,
) -> (reqwest::StatusCode, Value) {
    let path = format!(
        "/api/v1/announcements/{announcement}/reactions/{}",
        urlencode(name)
    );
    server.call(method, &path, Some(&user.token), None).await
}

/// Percent-encode a path segment (emoji are not URL-safe as they are).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

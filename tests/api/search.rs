//! Full-text search of statuses: every word must match, only what the searcher may see,
//! kept current through edits and deletes, on SQLite FTS5 and PostgreSQL alike.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn found(server: &TestServer, token: Option<&str>, q: &str) -> Vec<String> {
    let path = format!(
        "/api/v2/search?type=statuses&q={}",
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
    );
    let (status, body) = server.get(&path, token).await;
    assert_eq!(status, 200, "{q}: {body}");
    assert_schema("Search", &body);
    body["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

async fn post(server: &TestServer, user: &User, body: Value) -> String {
    let (status, posted) = server
        .post("/api/v1/statuses", Some(&user.token), body)
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn statuses_are_found_by_their_words_only_by_who_may_see_them() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let tips = post(
        &server,
        &alice,
        json!({"status": "Sourdough starter tips: feed it daily"}),
    )
    .await;
    let warned = post(
        &server,
        &alice,
        json!({"status": "the crumb", "spoiler_text": "sourdough photos"}),
    )
    .await;
    post(&server, &alice, json!({"status": "nothing about bread"})).await;
    let private = post(
        &server,
        &bob,
        json!({"status": "secret sourdough recipe", "visibility": "private"}),
    )
    .await;
    let direct = post(
        &server,
        &bob,
        json!({"status": "@carol sourdough for you", "visibility": "direct"}),
    )
    .await;

    assert_eq!(
        found(&server, Some(&alice.token), "sourdough").await,
        [warned.clone(), tips.clone()]
    );
    assert_eq!(
        found(&server, Some(&alice.token), "STARTER sourdough").await,
        [tips.as_str()],
        "every word, in any order and case"
    );
    assert_eq!(
        found(&server, Some(&carol.token), "sourdough").await,
        [direct.clone(), warned.clone(), tips.clone()],
        "carol sees the direct message to her, not bob's followers-only post"
    );
    assert!(
        found(&server, Some(&bob.token), "sourdough")
            .await
            .contains(&private)
    );
    assert_eq!(
        found(&server, None, "sourdough").await,
        Vec::<String>::new(),
        "searching statuses needs an account, as in Mastodon"
    );
    let (_, by_bob) = server
        .get(
            &format!(
                "/api/v2/search?type=statuses&q=sourdough&account_id={}",
                bob.id
            ),
            Some(&carol.token),
        )
        .await;
    assert_eq!(by_bob["statuses"][0]["id"], direct.as_str());
    assert_eq!(by_bob["statuses"].as_array().unwrap().len(), 1);

    for hostile in [
        r#"sourdough" OR "x"#,
        "NEAR(sourdough",
        "*",
        "\"",
        "sourdough -bread",
        "a:b",
    ] {
        found(&server, Some(&alice.token), hostile).await;
    }

    let (status, body) = server
        .call(
            Method::PUT,
            &format!("/api/v1/statuses/{tips}"),
            Some(&alice.token),
            Some(json!({"status": "Levain care: feed it daily"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        found(&server, Some(&alice.token), "starter").await,
        Vec::<String>::new()
    );
    assert_eq!(
        found(&server, Some(&alice.token), "levain").await,
        [tips.as_str()]
    );
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/statuses/{warned}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        found(&server, Some(&alice.token), "photos").await,
        Vec::<String>::new()
    );

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    let (applied, out) = server.replay(true).await;
    assert!(applied, "{out}");
    assert_eq!(
        found(&server, Some(&alice.token), "levain").await,
        [tips],
        "the index is rebuilt with its table"
    );
    server.stop().await;
}

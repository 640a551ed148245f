//! Filters: v2 with keywords and statuses, applied in timelines, threads and notifications
//! (`warn` marks, `hide` removes), v1 as single keywords, and bad filters refused.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn post(server: &TestServer, user: &User, text: &str) -> String {
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&user.token),
            json!({"status": text}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

async fn home(server: &TestServer, user: &User) -> Vec<Value> {
    let (status, list) = server
        .get("/api/v1/timelines/home", Some(&user.token))
        .await;
    assert_eq!(status, 200, "{list}");
    assert_each("Status", &list);
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn keyword_filters_warn_or_hide_in_their_contexts() {
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
    post(&server, &bob, "The Finale was great").await;
    post(&server, &bob, "Finalement, non").await;
    post(&server, &bob, "Weather is fine").await;
    server
        .eventually("bob's posts reach alice", || async {
            home(&server, &alice).await.len() == 3
        })
        .await;

    let (status, filter) = server
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({"title": "Spoilers", "context": ["home"], "filter_action": "warn",
                   "keywords_attributes": [{"keyword": "finale", "whole_word": true}]}),
        )
        .await;
    assert_eq!(status, 200, "{filter}");
    assert_schema("Filter", &filter);
    let list = home(&server, &alice).await;
    let warned: Vec<&Value> = list
        .iter()
        .filter(|s| !s["filtered"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(warned.len(), 1, "whole word: 'Finalement' does not match");
    assert!(
        warned[0]["content"]
            .as_str()
            .unwrap()
            .contains("Finale was")
    );
    let result = &warned[0]["filtered"][0];
    assert_schema("FilterResult", result);
    assert_eq!(result["keyword_matches"], json!(["finale"]));

    // Public timelines are another context: unfiltered there.
    let (_, public) = server
        .get("/api/v1/timelines/public", Some(&alice.token))
        .await;
    assert!(
        public
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["filtered"] == json!([]))
    );

    // Hide: gone from home.
    let id = filter["id"].as_str().unwrap();
    let (status, changed) = server
        .call(
            Method::PUT,
            &format!("/api/v2/filters/{id}"),
            Some(&alice.token),
            Some(json!({"filter_action": "hide"})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let list = home(&server, &alice).await;
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .all(|s| !s["content"].as_str().unwrap().contains("Finale was"))
    );

    // A keyword added through its own route, then removed.
    let (status, kw) = server
        .post(
            &format!("/api/v2/filters/{id}/keywords"),
            Some(&alice.token),
            json!({"keyword": "weather", "whole_word": false}),
        )
        .await;
    assert_eq!(status, 200, "{kw}");
    assert_schema("FilterKeyword", &kw);
    assert_eq!(home(&server, &alice).await.len(), 1);
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v2/filters/keywords/{}", kw["id"].as_str().unwrap()),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(home(&server, &alice).await.len(), 2);

    // Deleted: everything is back.
    server
        .call(
            Method::DELETE,
            &format!("/api/v2/filters/{id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(home(&server, &alice).await.len(), 3);
    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

#[tokio::test]
async fn a_status_filter_matches_that_status_in_threads_too() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let root = post(&server, &alice, "root").await;
    let (_, reply) = server
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "a reply", "in_reply_to_id": root}),
        )
        .await;
    let reply_id = reply["id"].as_str().unwrap();
    let (_, filter) = server
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({"title": "That one", "context": ["thread"]}),
        )
        .await;
    let fid = filter["id"].as_str().unwrap();
    let (status, entry) = server
        .post(
            &format!("/api/v2/filters/{fid}/statuses"),
            Some(&alice.token),
            json!({"status_id": reply_id}),
        )
        .await;
    assert_eq!(status, 200, "{entry}");
    assert_schema("FilterStatus", &entry);
    let (_, context) = server
        .get(
            &format!("/api/v1/statuses/{root}/context"),
            Some(&alice.token),
        )
        .await;
    let matched = &context["descendants"][0]["filtered"][0];
    assert_schema("FilterResult", matched);
    assert_eq!(matched["status_matches"], json!([reply_id]));
    server.stop().await;
}

#[tokio::test]
async fn v1_filters_are_single_keywords() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let (status, f) = server
        .post(
            "/api/v1/filters",
            Some(&alice.token),
            json!({"phrase": "crypto", "context": ["home", "public"], "irreversible": true}),
        )
        .await;
    assert_eq!(status, 200, "{f}");
    assert_schema("V1Filter", &f);
    assert_eq!(f["irreversible"], true);
    let (_, all) = server.get("/api/v1/filters", Some(&alice.token)).await;
    assert_each("V1Filter", &all);
    assert_eq!(all[0]["phrase"], "crypto");
    // It is a v2 filter too.
    let (_, v2) = server.get("/api/v2/filters", Some(&alice.token)).await;
    assert_eq!(v2[0]["filter_action"], "hide");
    let (status, changed) = server
        .call(
            Method::PUT,
            &format!("/api/v1/filters/{}", f["id"].as_str().unwrap()),
            Some(&alice.token),
            Some(json!({"phrase": "bitcoin", "context": ["home"], "irreversible": false})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_schema("V1Filter", &changed);
    assert_eq!(
        (
            &changed["id"],
            &changed["phrase"],
            &changed["context"],
            &changed["irreversible"]
        ),
        (&f["id"], &json!("bitcoin"), &json!(["home"]), &json!(false))
    );
    let (_, v2) = server.get("/api/v2/filters", Some(&alice.token)).await;
    assert_eq!(
        v2[0]["title"], "bitcoin",
        "the v2 filter follows its only keyword"
    );
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/filters/{}", f["id"].as_str().unwrap()),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, v2) = server.get("/api/v2/filters", Some(&alice.token)).await;
    assert_eq!(v2, json!([]));
    server.stop().await;
}

#[tokio::test]
async fn bad_filters_are_refused_and_nothing_is_kept() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let before = server.event_count().await;
    for (body, what) in [
        (
            json!({"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": "k".repeat(10_000)}]}),
            "10,000-character keyword",
        ),
        (json!({"title": "", "context": ["home"]}), "blank title"),
        (
            json!({"title": "x", "context": ["everywhere"]}),
            "unknown context",
        ),
        (json!({"title": "x", "context": []}), "no context"),
        (
            json!({"title": "x", "context": ["home"], "filter_action": "explode"}),
            "unknown action",
        ),
        (
            json!({"title": "x", "context": ["home"], "expires_in": -5}),
            "expiry in the past",
        ),
    ] {
        let (status, body) = server
            .post("/api/v2/filters", Some(&alice.token), body)
            .await;
        assert_eq!(status, 422, "{what}: {body}");
    }
    assert_eq!(server.event_count().await, before);
    let (_, mine) = server
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({"title": "mine", "context": ["home"]}),
        )
        .await;
    let (status, _) = server
        .get(
            &format!("/api/v2/filters/{}", mine["id"].as_str().unwrap()),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, 404);
    server.stop().await;
}

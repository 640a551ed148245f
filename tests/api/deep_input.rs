//! Input nested absurdly deep, or with absurdly many parameters, is refused with a 400 and
//! a message (or, for remote HTML, shown as text), and the server goes on answering: no
//! parser recurses once per level of what a client or a remote server sends.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::peer::Peer;
use crate::support::*;

/// The server still answers after whatever came before.
async fn alive(s: &TestServer) {
    let (status, body) = s.get("/api/v1/instance", None).await;
    assert_eq!(status, 200, "{body}");
}

/// The response is a 400 whose message contains `expected`.
async fn refused_400(r: reqwest::Response, expected: &str) {
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(message.contains(expected), "{body}");
}

fn deep_key(name: &str, level: &str, levels: usize) -> String {
    format!("{name}{}", level.repeat(levels))
}

#[tokio::test]
async fn parameters_nested_thousands_deep_are_refused_and_the_server_lives() {
    let s = TestServer::start().await;
    let before = s.event_count().await;

    // The query string of a public, unauthenticated endpoint: 4,000 levels.
    let r = s
        .http
        .get(s.url(&format!(
            "/api/v1/timelines/public?{}=1",
            deep_key("a", "[x]", 4_000)
        )))
        .send()
        .await
        .unwrap();
    refused_400(r, "nested more than 32 levels").await;
    alive(&s).await;

    // A 21 KB form body to /oauth/token: 7,000 levels.
    let r = s
        .http
        .post(s.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{}=1", deep_key("a", "[x]", 7_000)))
        .send()
        .await
        .unwrap();
    refused_400(r, "nested more than 32 levels").await;
    alive(&s).await;

    // `a[][]...`: 30,000 levels of lists to POST /api/v1/apps, and 100,000 of maps.
    for body in [
        format!("{}=1", deep_key("a", "[]", 30_000)),
        format!("{}=1", deep_key("a", "[x]", 100_000)),
    ] {
        let r = s
            .http
            .post(s.url("/api/v1/apps"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        refused_400(r, "nested more than 32 levels").await;
        alive(&s).await;
    }

    // A multipart field named 100,000 levels deep.
    let form = reqwest::multipart::Form::new()
        .text("client_name", "deep")
        .text(deep_key("a", "[x]", 100_000), "1");
    let r = s
        .http
        .post(s.url("/api/v1/apps"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    refused_400(r, "nested more than 32 levels").await;
    alive(&s).await;

    // JSON: 100,000 `[` (serde_json stops at 128) and an object 40 levels deep (ours, 32).
    for (body, expected) in [
        (
            format!(
                "{{\"client_name\":{}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            "Malformed JSON",
        ),
        (
            format!(
                "{{\"client_name\":\"x\",\"a\":{}1{}}}",
                "{\"b\":".repeat(40),
                "}".repeat(40)
            ),
            "nested more than 32 levels",
        ),
    ] {
        let r = s
            .http
            .post(s.url("/api/v1/apps"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        refused_400(r, expected).await;
        alive(&s).await;
    }
    assert_eq!(s.event_count().await, before, "nothing was appended");
    s.stop().await;
}

#[tokio::test]
async fn thirty_two_levels_are_accepted_and_thirty_three_refused() {
    let s = TestServer::start().await;
    let app = [
        ("client_name", "nested"),
        ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
    ];
    let with = |levels: usize| {
        let mut form: Vec<(String, String)> = app
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        form.push((deep_key("extra", "[x]", levels), "1".into()));
        form
    };
    let r = s
        .http
        .post(s.url("/api/v1/apps"))
        .form(&with(32))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = s
        .http
        .post(s.url("/api/v1/apps"))
        .form(&with(33))
        .send()
        .await
        .unwrap();
    refused_400(r, "nested more than 32 levels").await;
    s.stop().await;
}

#[tokio::test]
async fn more_than_4096_parameters_are_refused() {
    let s = TestServer::start().await;
    let many = |n: usize| {
        (0..n)
            .map(|i| format!("p{i}=1"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let r = s
        .http
        .get(s.url(&format!("/api/v1/timelines/public?{}", many(4_097))))
        .send()
        .await
        .unwrap();
    refused_400(r, "Too many parameters").await;
    let r = s
        .http
        .get(s.url(&format!("/api/v1/timelines/public?{}", many(4_096))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .http
        .post(s.url("/api/v1/apps"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "client_name=x&redirect_uris=urn:ietf:wg:oauth:2.0:oob&{}",
            many(100_000)
        ))
        .send()
        .await
        .unwrap();
    refused_400(r, "Too many parameters").await;
    let values: Vec<u32> = (0..5_000).collect();
    let (status, body) = s
        .post(
            "/api/v1/apps",
            None,
            json!({"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "many": values}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Too many parameters")
    );
    alive(&s).await;
    s.stop().await;
}

/// A `Create` from the peer's `eve` with this note content.
fn create_with_content(peer: &Peer, n: u32, content: &str) -> Value {
    let actor = peer.actor_id("eve");
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/activities/{n}"), "type": "Create", "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": format!("{actor}/notes/{n}"), "type": "Note", "attributedTo": actor,
            "content": content,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "published": "2026-11-22T10:00:00Z",
        },
    })
}

#[tokio::test]
async fn deep_activities_are_refused_and_deep_remote_html_is_shown_as_text() {
    let s = TestServer::federating().await;
    let alice = s.user("alice").await;
    let peer = Peer::start(&["eve"]).await;
    let inbox = s.url("/inbox");
    let eve = peer.actor_id("eve");
    let before = s.event_count().await;

    // An Announce of an Announce of ... 30,000 times, `object` in `object` 90,000 times
    // (each within the 1 MB inbox limit), and 100,000 `[` as the object.
    let announces = format!(
        "{{\"id\":\"{eve}/activities/deep\",\"type\":\"Announce\",\"actor\":\"{eve}\",\"object\":{}\"x\"{}}}",
        "{\"type\":\"Announce\",\"object\":".repeat(30_000),
        "}".repeat(30_000)
    );
    let deep_objects = format!(
        "{{\"id\":\"{eve}/activities/deep\",\"type\":\"Create\",\"actor\":\"{eve}\",\"object\":{}\"x\"{}}}",
        "{\"object\":".repeat(90_000),
        "}".repeat(90_000)
    );
    let deep_arrays = format!(
        "{{\"id\":\"{eve}/activities/deeper\",\"type\":\"Create\",\"actor\":\"{eve}\",\"object\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    for body in [announces, deep_objects, deep_arrays] {
        assert!(body.len() < 1024 * 1024);
        let status = peer
            .post(&inbox, body.as_bytes(), &peer.signing(&eve))
            .await;
        assert_eq!(status, 400);
        alive(&s).await;
    }
    assert_eq!(s.event_count().await, before);

    // A note whose content is 100,000 nested `<div>`s, then 100,000 nested `<b>`s: taken,
    // in bounded time, and shown as its text.
    for (n, tag) in [(1, "div"), (2, "b")] {
        let content = format!("{}deep {tag} words", format!("<{tag}>").repeat(100_000));
        let body = create_with_content(&peer, n, &content).to_string();
        assert!(body.len() < 1024 * 1024);
        let status = peer
            .post(&inbox, body.as_bytes(), &peer.signing(&eve))
            .await;
        assert_eq!(status, 202);
        s.ingress_drained().await;
        alive(&s).await;
        let (status, public) = s
            .get("/api/v1/timelines/public?remote=true", Some(&alice.token))
            .await;
        assert_eq!(status, 200);
        let shown = public
            .as_array()
            .unwrap()
            .iter()
            .find(|st| st["uri"] == format!("{eve}/notes/{n}"))
            .unwrap_or_else(|| panic!("the note with deep {tag}s: {public}"));
        let html = shown["content"].as_str().unwrap();
        assert!(html.contains(&format!("deep {tag} words")), "{html:.300}");
        assert!(html.len() < 100_000, "{html:.300}");
    }
    let (status, _) = s
        .call(Method::GET, "/api/v1/timelines/public", None, None)
        .await;
    assert_eq!(status, 200);
    s.stop().await;
}

#[tokio::test]
async fn ten_megabyte_bodies_are_refused_before_they_are_read_as_parameters() {
    let s = TestServer::start().await;
    let before = s.event_count().await;
    let ten_mb = 10 * 1024 * 1024;
    for (content_type, body) in [
        (
            "application/x-www-form-urlencoded",
            format!("client_name={}", "a".repeat(ten_mb)),
        ),
        (
            "application/json",
            format!(r#"{{"client_name": "{}"}}"#, "a".repeat(ten_mb)),
        ),
    ] {
        let r = s
            .http
            .post(s.url("/api/v1/apps"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        refused_400(r, "too large").await;
        alive(&s).await;
    }
    assert_eq!(s.event_count().await, before);
    s.stop().await;
}

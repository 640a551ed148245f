//! Input nested absurdly deep, or with absurdly many parameters, is refused with a 400 and
//! a message, and the server goes on answering: no parser recurses once per level of what
//! a client sends.

use reqwest::StatusCode;
use serde_json::{Value, json};

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

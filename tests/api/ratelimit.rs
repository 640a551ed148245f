//! Rate limits as Mastodon's: API requests per token and per address, sign-ups per
//! address, with `X-RateLimit-*` headers and a 429 beyond. (Off in the other tests.)

use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn api_requests_are_limited_per_token_with_headers_and_a_429() {
    let server = TestServer::start_with(&[
        ("TESSERA_RATE_LIMITS", "true"),
        ("TESSERA_API_RATE_LIMIT", "5"),
    ])
    .await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let mut remaining = Vec::new();
    // verify_credentials was called once by the test setup for each user.
    for _ in 0..4 {
        let resp = server
            .http
            .get(server.url("/api/v1/timelines/home"))
            .bearer_auth(&alice.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-ratelimit-limit"], "5");
        assert!(resp.headers().contains_key("x-ratelimit-reset"));
        remaining.push(
            resp.headers()["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(remaining, ["3", "2", "1", "0"]);
    let resp = server
        .http
        .get(server.url("/api/v1/timelines/home"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["x-ratelimit-remaining"], "0");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "Too many requests");

    // Another token has its own count.
    let (status, _) = server.get("/api/v1/timelines/home", Some(&bob.token)).await;
    assert_eq!(status, 200);
    server.stop().await;
}

#[tokio::test]
async fn sign_ups_are_limited_per_address() {
    let server = TestServer::start_with(&[("TESSERA_RATE_LIMITS", "true")]).await;
    let (_, _, app_token) = server.app().await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let (status, body) = server
            .post(
                "/api/v1/accounts",
                Some(&app_token),
                json!({"username": format!("user{i}"), "email": format!("user{i}@example.com"), "password": "correct horse battery", "agreement": true, "locale": "en"}),
            )
            .await;
        statuses.push((status.as_u16(), body["error"].clone()));
    }
    let codes: Vec<u16> = statuses.iter().map(|(s, _)| *s).collect();
    assert_eq!(codes, [200, 200, 200, 200, 200, 429], "{statuses:?}");
    server.stop().await;
}

//! Rate limits as Mastodon's: API requests per token and per address, sign-ups per
//! address, with `X-RateLimit-*` headers and a 429 with `Retry-After` beyond; a token
//! counts on its own only when it authenticates. (Off in the other tests.)

use reqwest::Method;
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
    assert_retry_after(resp.headers(), 300);
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
    let mut last_headers = None;
    for i in 0..6 {
        let (status, headers, body) = server
            .call_full(
                Method::POST,
                "/api/v1/accounts",
                Some(&app_token),
                Some(json!({"username": format!("user{i}"), "email": format!("user{i}@example.com"), "password": "correct horse battery", "agreement": true, "locale": "en"})),
            )
            .await;
        statuses.push((status.as_u16(), body["error"].clone()));
        last_headers = Some(headers);
    }
    let codes: Vec<u16> = statuses.iter().map(|(s, _)| *s).collect();
    assert_eq!(codes, [200, 200, 200, 200, 200, 429], "{statuses:?}");
    assert_retry_after(&last_headers.unwrap(), 30 * 60);
    server.stop().await;
}

/// A 429 says when to come back: `Retry-After`, in whole seconds, within the window.
fn assert_retry_after(headers: &reqwest::header::HeaderMap, at_most: u64) {
    let value = headers
        .get("retry-after")
        .unwrap_or_else(|| panic!("a 429 without Retry-After: {headers:?}"));
    let secs: u64 = value.to_str().unwrap().parse().unwrap();
    assert!((1..=at_most).contains(&secs), "Retry-After {secs}");
}

#[tokio::test]
async fn a_made_up_token_counts_against_the_address_and_a_real_one_has_its_own_count() {
    let server = TestServer::start_with(&[
        ("TESSERA_RATE_LIMITS", "true"),
        ("TESSERA_API_RATE_LIMIT", "5"),
    ])
    .await;
    let alice = server.user("alice").await;
    // Use up the address's requests (the setup above spent some of them).
    let mut tries = 0;
    loop {
        let (status, headers, _) = server
            .call_full(Method::GET, "/api/v1/instance", None, None)
            .await;
        if status == 429 {
            assert_retry_after(&headers, 300);
            break;
        }
        assert_eq!(status, 200);
        tries += 1;
        assert!(tries <= 5, "never throttled");
    }
    // A token that authenticates nothing is no way round it.
    let made_up = "made-up-token-0123456789abcdef";
    let (status, headers, body) = server
        .call_full(Method::GET, "/api/v1/instance", Some(made_up), None)
        .await;
    assert_eq!(status, 429, "{body}");
    assert_retry_after(&headers, 300);
    let (status, headers, body) = server
        .call_full(
            Method::POST,
            "/api/v1/apps",
            Some("another-made-up-token"),
            Some(json!({"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"})),
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert_retry_after(&headers, 300);

    // A real token is counted on its own, and reads its own count.
    let (status, headers, body) = server
        .call_full(Method::GET, "/api/v1/instance", Some(&alice.token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    // verify_credentials at setup was its first request.
    assert_eq!(headers["x-ratelimit-remaining"], "3");
    let (status, _) = server
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, 200);
    server.stop().await;
}

#[tokio::test]
async fn throttled_log_ins_say_when_to_come_back() {
    let server = TestServer::start().await;
    server.user("carol").await;
    for _ in 0..10 {
        let (status, _) = server.password_grant("carol", "guess", "read").await;
        assert_eq!(status, 400);
    }
    let (client_id, secret, _) = server.app().await;
    let form = [
        ("grant_type", "password"),
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("username", "carol"),
        ("password", "guess"),
        ("scope", "read"),
    ];
    let resp = server
        .http
        .post(server.url("/oauth/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    // Failed log-ins per login name: 15 minutes.
    assert_retry_after(resp.headers(), 15 * 60);
    // The sign-in page says so too, on its form.
    let mut web = crate::web::Browser::new(&server);
    let page = web.sign_in("carol", "correct horse battery").await;
    assert_eq!(page.status, 429);
    assert!(
        page.body.contains("Too many failed attempts"),
        "{}",
        page.body
    );
    assert_retry_after(&page.headers, 15 * 60);
    server.stop().await;
}

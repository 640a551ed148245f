//! Bad input gets the right 4xx with a message, and appends nothing to the log.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn refused(
    s: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    expected: u16,
) -> String {
    let before = s.event_count().await;
    let (status, body) = s.call(method.clone(), path, token, body).await;
    assert_eq!(status.as_u16(), expected, "{method} {path}: {body}");
    assert_schema("Error", &body);
    assert_eq!(
        s.event_count().await,
        before,
        "{method} {path} must append nothing"
    );
    body["error"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn bad_requests_are_refused_cleanly_and_change_nothing() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let t = Some(alice.token.as_str());
    let (_, _, app_token) = s.app().await;

    refused(&s, Method::GET, "/api/v1/statuses/123456", t, None, 404).await;
    refused(
        &s,
        Method::GET,
        "/api/v1/statuses/not-a-number",
        t,
        None,
        404,
    )
    .await;
    refused(&s, Method::GET, "/api/v1/accounts/999", None, None, 404).await;
    let msg = refused(
        &s,
        Method::POST,
        "/api/v1/statuses",
        None,
        Some(json!({"status": "hi"})),
        401,
    )
    .await;
    assert_eq!(msg, "The access token is invalid");
    refused(
        &s,
        Method::POST,
        "/api/v1/statuses",
        Some("not-a-token"),
        Some(json!({"status": "hi"})),
        401,
    )
    .await;
    let msg = refused(
        &s,
        Method::POST,
        "/api/v1/statuses",
        Some(&app_token),
        Some(json!({"status": "hi"})),
        403,
    )
    .await;
    assert_eq!(msg, "This method requires an authenticated user");

    // A token with only read scopes cannot write.
    let (_, read_only) = s
        .password_grant("alice", "correct horse battery", "read")
        .await;
    let read_only = read_only["access_token"].as_str().unwrap();
    let msg = refused(
        &s,
        Method::POST,
        "/api/v1/statuses",
        Some(read_only),
        Some(json!({"status": "hi"})),
        403,
    )
    .await;
    assert_eq!(msg, "This action is outside the authorized scopes");

    let msg = refused(
        &s,
        Method::POST,
        "/api/v1/statuses",
        t,
        Some(json!({"status": "x".repeat(501)})),
        422,
    )
    .await;
    assert!(msg.contains("character limit of 500"), "{msg}");
    refused(
        &s,
        Method::POST,
        "/api/v1/statuses",
        t,
        Some(json!({"status": "   "})),
        422,
    )
    .await;
    let msg = refused(
        &s,
        Method::POST,
        "/api/v1/statuses",
        t,
        Some(json!({"status": "hi", "visibility": "secret"})),
        422,
    )
    .await;
    assert!(msg.contains("Visibility"), "{msg}");
    refused(
        &s,
        Method::POST,
        "/api/v1/statuses",
        t,
        Some(json!({"status": "hi", "in_reply_to_id": "42"})),
        404,
    )
    .await;

    // Malformed JSON.
    let before = s.event_count().await;
    let r = s
        .http
        .post(s.url("/api/v1/statuses"))
        .bearer_auth(&alice.token)
        .header("content-type", "application/json")
        .body("{\"status\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .starts_with("Malformed JSON")
    );
    assert_eq!(s.event_count().await, before);

    // Registration: invalid and taken usernames, short passwords, no agreement.
    let register = |username: &str, password: &str, agreement: bool| json!({"username": username, "email": format!("{}@example.com", username.replace(' ', "")), "password": password, "agreement": agreement});
    let msg = refused(
        &s,
        Method::POST,
        "/api/v1/accounts",
        Some(&app_token),
        Some(register("no spaces", "long enough pw", true)),
        422,
    )
    .await;
    assert!(msg.contains("letters, numbers and underscores"), "{msg}");
    refused(
        &s,
        Method::POST,
        "/api/v1/accounts",
        Some(&app_token),
        Some(register(&"a".repeat(31), "long enough pw", true)),
        422,
    )
    .await;
    let msg = refused(
        &s,
        Method::POST,
        "/api/v1/accounts",
        Some(&app_token),
        Some(register("ALICE", "long enough pw", true)),
        422,
    )
    .await;
    assert!(msg.contains("already been taken"), "{msg}");
    refused(
        &s,
        Method::POST,
        "/api/v1/accounts",
        Some(&app_token),
        Some(register("zed", "short", true)),
        422,
    )
    .await;
    refused(
        &s,
        Method::POST,
        "/api/v1/accounts",
        Some(&app_token),
        Some(register("zed", "long enough pw", false)),
        422,
    )
    .await;

    // Profile limits and foreign deletes.
    refused(
        &s,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        t,
        Some(json!({"display_name": "x".repeat(31)})),
        422,
    )
    .await;
    refused(
        &s,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        t,
        Some(json!({"note": "x".repeat(501)})),
        422,
    )
    .await;
    let bob = s.user("bob").await;
    let (_, post) = s
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "mine"}),
        )
        .await;
    refused(
        &s,
        Method::DELETE,
        &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
        t,
        None,
        403,
    )
    .await;
    refused(
        &s,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        t,
        None,
        403,
    )
    .await;
    refused(
        &s,
        Method::POST,
        &format!("/api/v1/follow_requests/{}/authorize", bob.id),
        t,
        None,
        404,
    )
    .await;
    s.stop().await;
}

#[tokio::test]
async fn idempotency_keys_post_once() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let send = || {
        s.http
            .post(s.url("/api/v1/statuses"))
            .bearer_auth(&alice.token)
            .header("Idempotency-Key", "abc-123")
            .form(&[("status", "only once")])
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let before = s.event_count().await;
    let second: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    assert_eq!(s.event_count().await, before);
    s.stop().await;
}

#[tokio::test]
async fn bodies_may_be_json_form_or_multipart() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let form = reqwest::multipart::Form::new()
        .text("status", "sent as multipart")
        .text("visibility", "unlisted")
        .text("sensitive", "true")
        .text("spoiler_text", "cw");
    let r = s
        .http
        .post(s.url("/api/v1/statuses"))
        .bearer_auth(&alice.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let posted: Value = r.json().await.unwrap();
    assert_eq!(
        (posted["visibility"].clone(), posted["sensitive"].clone()),
        (json!("unlisted"), json!(true))
    );
    assert_eq!(posted["spoiler_text"], "cw");
    let form = [("status", "sent as a form"), ("sensitive", "0")];
    let r = s
        .http
        .post(s.url("/api/v1/statuses"))
        .bearer_auth(&alice.token)
        .form(&form)
        .send()
        .await
        .unwrap();
    let posted: Value = r.json().await.unwrap();
    assert_eq!(posted["sensitive"], false);
    s.stop().await;
}

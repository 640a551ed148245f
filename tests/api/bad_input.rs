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

/// A 422 that names the parameter, and nothing appended.
async fn control_refused(s: &TestServer, r: reqwest::RequestBuilder, parameter: &str) {
    let before = s.event_count().await;
    let r = r.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 422, "{parameter}: {text}");
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let message = body["error"].as_str().unwrap_or(&text);
    assert!(
        message.contains(&format!("`{parameter}`")) && message.contains("control character"),
        "{message}"
    );
    assert_eq!(
        s.event_count().await,
        before,
        "{parameter}: nothing appended"
    );
}

#[tokio::test]
async fn control_characters_are_refused_in_every_kind_of_parameter() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let get = |path: &str| s.http.get(s.url(path)).bearer_auth(&alice.token);
    let json = |method: Method, path: &str, body: Value| {
        s.http
            .request(method, s.url(path))
            .bearer_auth(&alice.token)
            .json(&body)
    };

    // Search: the query string, whatever the type.
    for path in [
        "/api/v2/search?q=hello%00",
        "/api/v2/search?q=hello%00&type=statuses",
        "/api/v2/search?q=hello%00&type=accounts",
        "/api/v2/search?q=%23tag%00&type=hashtags",
        "/api/v2/search?q=@a%00b@x.example&resolve=true",
    ] {
        control_refused(&s, get(path), "q").await;
    }
    // JSON bodies: list titles, filter keywords, the profile, statuses.
    control_refused(
        &s,
        json(Method::POST, "/api/v1/lists", json!({"title": "a\u{0}b"})),
        "title",
    )
    .await;
    control_refused(
        &s,
        json(
            Method::POST,
            "/api/v2/filters",
            json!({"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": "bad\u{0}"}]}),
        ),
        "keywords_attributes[0][keyword]",
    )
    .await;
    control_refused(
        &s,
        json(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            json!({"display_name": "Al\u{0}ice"}),
        ),
        "display_name",
    )
    .await;
    control_refused(
        &s,
        json(
            Method::POST,
            "/api/v1/statuses",
            json!({"status": "ding\u{7}", "visibility": "public"}),
        ),
        "status",
    )
    .await;
    // Form and multipart bodies, and other control characters (DEL, C1).
    let form = |method: Method, path: &str, form: &[(&str, &str)]| {
        s.http
            .request(method, s.url(path))
            .bearer_auth(&alice.token)
            .form(form)
    };
    control_refused(
        &s,
        form(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            &[
                ("fields_attributes[0][name]", "Site"),
                ("fields_attributes[0][value]", "x\u{0}y"),
            ],
        ),
        "fields_attributes[0][value]",
    )
    .await;
    control_refused(
        &s,
        form(
            Method::POST,
            "/api/v1/statuses",
            &[("status", "rub\u{7f}out")],
        ),
        "status",
    )
    .await;
    control_refused(
        &s,
        form(
            Method::POST,
            "/api/v1/lists",
            &[("title", "next\u{85}line")],
        ),
        "title",
    )
    .await;
    let multipart = reqwest::multipart::Form::new().text("note", "a\u{0}b");
    control_refused(
        &s,
        s.http
            .patch(s.url("/api/v1/accounts/update_credentials"))
            .bearer_auth(&alice.token)
            .multipart(multipart),
        "note",
    )
    .await;
    // A parameter's name is checked too.
    control_refused(
        &s,
        form(
            Method::POST,
            "/api/v1/lists",
            &[("title", "ok"), ("x\u{0}", "1")],
        ),
        "x\\0",
    )
    .await;

    // Tab, line feed and carriage return are text.
    let (status, posted) = s
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "a\tb\r\nc"}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    let (status, found) = s
        .get("/api/v2/search?q=hello&type=statuses", Some(&alice.token))
        .await;
    assert_eq!(status, 200, "{found}");

    // The web's forms: signing up and signing in.
    let mut web = crate::web::Browser::new(&s);
    let before = s.event_count().await;
    let answer = web
        .submit(
            "/auth/sign_up",
            "/auth/sign_up",
            &[
                ("username", "zed"),
                ("email", "zed\u{0}@example.com"),
                ("password", "long enough pw"),
                ("password_confirmation", "long enough pw"),
                ("agreement", "1"),
            ],
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("control character"), "{}", answer.body);
    assert_eq!(s.event_count().await, before);
    let answer = web.sign_in("alice\u{0}", "correct horse battery").await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(s.event_count().await, before);
    s.stop().await;
}

#[tokio::test]
async fn control_characters_in_a_path_are_refused() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    for path in [
        "/api/v1/timelines/tag/a%00b",
        "/api/v1/tags/a%07b",
        "/@alice%00",
        "/users/alice%00",
        "/users/alice%C2%85",
    ] {
        let r = s
            .http
            .get(s.url(path))
            .bearer_auth(&alice.token)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap_or_default()
                .contains("control character"),
            "{path}: {body}"
        );
    }
    let before = s.event_count().await;
    let r = s
        .http
        .post(s.url("/api/v1/tags/a%00b/follow"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(s.event_count().await, before);
    // Other escapes are fine.
    let (status, body) = s
        .get("/api/v1/timelines/tag/caf%C3%A9", Some(&alice.token))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = s.get("/@alice%5F", None).await;
    assert_ne!(status, 400);
    s.stop().await;
}

/// A body that arrives after its headers, to a handler that takes no body, still leaves
/// the connection open for the next request (hyper closes a connection whose body is
/// unread when the answer goes out; clients that reuse it then lose their next request).
#[tokio::test]
async fn a_slow_body_to_a_bodiless_handler_keeps_the_connection_usable() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let mut socket = tokio::net::TcpStream::connect(s.domain()).await.unwrap();
    let body = "notify=false";
    let head = format!(
        "POST /api/v1/accounts/{}/follow HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        alice.id,
        s.domain(),
        bob.token,
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    socket.write_all(body.as_bytes()).await.unwrap();
    let first = read_response(&mut socket).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(first.contains("\"following\":true"), "{first}");

    let again = format!(
        "GET /api/v1/instance HTTP/1.1\r\nHost: {}\r\n\r\n",
        s.domain()
    );
    let sent = socket.write_all(again.as_bytes()).await;
    assert!(
        sent.is_ok(),
        "the connection was closed after the first answer: {sent:?}"
    );
    let second = read_response(&mut socket).await;
    assert!(
        second.starts_with("HTTP/1.1 200"),
        "the connection was closed under the next request: {second:?}"
    );
    s.stop().await;

    /// One response: its head, then as many body bytes as Content-Length says.
    async fn read_response(socket: &mut tokio::net::TcpStream) -> String {
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let text = String::from_utf8_lossy(&got).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if got.len() >= end + 4 + length {
                    return text;
                }
            }
            let n = tokio::time::timeout(std::time::Duration::from_secs(10), socket.read(&mut buf))
                .await
                .unwrap()
                .unwrap();
            if n == 0 {
                return text;
            }
            got.extend_from_slice(&buf[..n]);
        }
    }
}

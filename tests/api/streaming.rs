//! The streaming API: WebSocket (token by query, header or subprotocol; several streams
//! on one socket) and Server-Sent Events; `update`, `notification`, `delete` and
//! `status.update` as Mastodon encodes them; refusals; streams closed on revocation.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::*;

const WAIT: Duration = Duration::from_secs(20);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn socket(server: &TestServer, query: &str, protocol: Option<&str>) -> Socket {
    let url = format!(
        "{}/api/v1/streaming{query}",
        server.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    if let Some(p) = protocol {
        request
            .headers_mut()
            .insert("sec-websocket-protocol", p.parse().unwrap());
    }
    let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    if let Some(p) = protocol {
        assert_eq!(response.headers()["sec-websocket-protocol"], p);
    }
    socket
}

/// The next message that is not a ping: (stream, event, payload).
async fn next_event(ws: &mut Socket) -> (Value, String, String) {
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a message within the wait")
            .expect("the socket stays open")
            .unwrap();
        if let Frame::Text(text) = frame {
            let v: Value = serde_json::from_str(&text).unwrap();
            if v.get("error").is_some() {
                return (Value::Null, "error".into(), v.to_string());
            }
            return (
                v["stream"].clone(),
                v["event"].as_str().unwrap().to_string(),
                // `filters_changed` comes without one.
                v["payload"].as_str().unwrap_or_default().to_string(),
            );
        }
    }
}

async fn post(server: &TestServer, user: &User, body: Value) -> Value {
    let (status, posted) = server
        .post("/api/v1/statuses", Some(&user.token), body)
        .await;
    assert_eq!(status, 200, "{posted}");
    posted
}

#[tokio::test]
async fn a_user_stream_gets_posts_notifications_edits_and_deletes() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (status, _) = server
        .post(
            &format!("/api/v1/accounts/{}/follow", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let mut ws = socket(
        &server,
        &format!("?stream=user&access_token={}", alice.token),
        None,
    )
    .await;

    // A post by someone alice follows arrives as `update`, rendered as a Status.
    let posted = post(&server, &bob, json!({"status": "hello stream"})).await;
    let (stream, event, payload) = next_event(&mut ws).await;
    assert_eq!((stream, event.as_str()), (json!(["user"]), "update"));
    let status: Value = serde_json::from_str(&payload).unwrap();
    assert_schema("Status", &status);
    assert_eq!(status["id"], posted["id"]);

    // An edit arrives as `status.update`.
    let id = posted["id"].as_str().unwrap();
    let (code, _) = server
        .call(
            Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&bob.token),
            Some(json!({"status": "hello stream, edited"})),
        )
        .await;
    assert_eq!(code, 200);
    let (_, event, payload) = next_event(&mut ws).await;
    assert_eq!(event, "status.update");
    assert!(payload.contains("edited"));

    // A favourite of alice's post arrives as `notification` (her own post as `update` first).
    let mine = post(&server, &alice, json!({"status": "mine"})).await;
    let (_, event, _) = next_event(&mut ws).await;
    assert_eq!(event, "update");
    let mine_id = mine["id"].as_str().unwrap();
    server
        .post(
            &format!("/api/v1/statuses/{mine_id}/favourite"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    let (_, event, payload) = next_event(&mut ws).await;
    assert_eq!(event, "notification");
    let n: Value = serde_json::from_str(&payload).unwrap();
    assert_schema("Notification", &n);
    assert_eq!(n["type"], "favourite");
    assert_eq!(n["account"]["id"], bob.id);

    // A delete arrives as `delete` with the bare id.
    let (code, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(code, 200);
    let (_, event, payload) = next_event(&mut ws).await;
    assert_eq!((event.as_str(), payload.as_str()), ("delete", id));
    server.stop().await;
}

#[tokio::test]
async fn one_socket_carries_several_streams_and_follows_subscriptions() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    // The token as the WebSocket subprotocol, as some clients send it.
    let mut ws = socket(&server, "", Some(&alice.token)).await;
    for request in [
        json!({"type": "subscribe", "stream": "hashtag", "tag": "Rust"}),
        json!({"type": "subscribe", "stream": "public:local"}),
    ] {
        ws.send(Frame::Text(request.to_string().into()))
            .await
            .unwrap();
    }
    // A subscription the socket cannot have is answered with an error, and it stays open.
    ws.send(Frame::Text(
        json!({"type": "subscribe", "stream": "list", "list": "1"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let (_, event, payload) = next_event(&mut ws).await;
    assert_eq!(event, "error");
    assert!(payload.contains("Record not found"), "{payload}");

    post(&server, &bob, json!({"status": "about #rust"})).await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let (stream, event, _) = next_event(&mut ws).await;
        assert_eq!(event, "update");
        seen.push(stream);
    }
    seen.sort_by_key(|s| s.to_string());
    assert_eq!(seen, [json!(["hashtag", "rust"]), json!(["public:local"])]);

    // Unsubscribed from the hashtag, and a followers-only post stays off public streams.
    ws.send(Frame::Text(
        json!({"type": "unsubscribe", "stream": "hashtag", "tag": "rust"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    post(
        &server,
        &bob,
        json!({"status": "private #rust", "visibility": "private"}),
    )
    .await;
    post(&server, &bob, json!({"status": "public again #rust"})).await;
    let (stream, _, payload) = next_event(&mut ws).await;
    assert_eq!(stream, json!(["public:local"]));
    assert!(payload.contains("public again"), "{payload}");
    server.stop().await;
}

#[tokio::test]
async fn server_sent_events_stream_public_posts_with_heartbeats_allowed() {
    let server = TestServer::start().await;
    let bob = server.user("bob").await;
    let resp = server
        .http
        .get(server.url("/api/v1/streaming/public/local"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = resp.bytes_stream();
    // The stream is subscribed once the response has started.
    post(&server, &bob, json!({"status": "over SSE"})).await;
    let mut text = String::new();
    while !text.contains("\n\n") || !text.contains("event: update") {
        let chunk = tokio::time::timeout(WAIT, body.next())
            .await
            .expect("an event within the wait")
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    let status: Value = serde_json::from_str(data).unwrap();
    assert_schema("Status", &status);
    assert_eq!(status["account"]["id"], bob.id);

    let (status, body) = server.get("/api/v1/streaming/health", None).await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn streams_refuse_what_the_caller_may_not_read() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    for (path, token, code) in [
        ("/api/v1/streaming/user", None, 401),
        ("/api/v1/streaming/user", Some("not-a-token"), 401),
        (
            "/api/v1/streaming/list?list=1",
            Some(alice.token.as_str()),
            404,
        ),
        ("/api/v1/streaming/list", Some(alice.token.as_str()), 400),
        ("/api/v1/streaming/hashtag", Some(alice.token.as_str()), 400),
        (
            "/api/v1/streaming/nonsense",
            Some(alice.token.as_str()),
            404,
        ),
    ] {
        let mut req = server.http.get(server.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), code, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    // A token without the scope for notifications.
    let (status, token) = server
        .password_grant("alice", "correct horse battery", "read:statuses")
        .await;
    assert_eq!(status, 200, "{token}");
    let resp = server
        .http
        .get(server.url("/api/v1/streaming/user/notification"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    server.stop().await;
}

#[tokio::test]
async fn a_revoked_token_ends_its_streams() {
    let server = TestServer::start().await;
    let (client_id, secret, app_token) = server.app().await;
    let carol = server.user_with(&app_token, "carol").await;
    let mut ws = socket(
        &server,
        &format!("?stream=user&access_token={}", carol.token),
        None,
    )
    .await;
    let form = [
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("token", carol.token.as_str()),
    ];
    let resp = server
        .http
        .post(server.url("/oauth/revoke"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ended = tokio::time::timeout(WAIT, async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Frame::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream ends when its token is revoked");
    server.stop().await;
}

/// A `tessera` process on this server's database and Redis, listening on `port`.
fn process(server: &TestServer, redis: &str, args: &[&str], port: u16) -> tokio::process::Child {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(args).kill_on_drop(true);
    for (k, v) in server.env() {
        cmd.env(k, v);
    }
    cmd.env("REDIS_URL", redis)
        .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
        .env("TESSERA_EMAIL_CONFIRMATION", "false")
        .env("TESSERA_RATE_LIMITS", "false")
        .env("RUST_LOG", "warn");
    cmd.spawn().unwrap()
}

async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_post_through_one_process_reaches_a_stream_held_by_another() {
    let Ok(redis) = std::env::var("TESSERA_TEST_REDIS_URL") else {
        eprintln!("TESSERA_TEST_REDIS_URL is not set: not testing streaming across processes");
        return;
    };
    let mut server = TestServer::start_with(&[("REDIS_URL", redis.as_str())]).await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (status, _) = server
        .post(
            &format!("/api/v1/accounts/{}/follow", alice.id),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let first_port: u16 = server.base.rsplit(':').next().unwrap().parse().unwrap();
    server.halt().await;

    // Two API processes without workers, and one worker process, on one database and Redis.
    let second_port = free_port().await;
    let processes = [
        process(&server, &redis, &["serve", "--no-workers"], first_port),
        process(&server, &redis, &["serve", "--no-workers"], second_port),
        process(&server, &redis, &["worker"], free_port().await),
    ];
    let second = format!("http://127.0.0.1:{second_port}");
    for base in [server.base.clone(), second.clone()] {
        wait_until("the process serves", WAIT, || async {
            let r = server.http.get(format!("{base}/health")).send().await;
            r.is_ok_and(|r| r.status() == 200)
        })
        .await;
    }

    let url = format!(
        "{}/api/v1/streaming?stream=user&access_token={}",
        second.replacen("http", "ws", 1),
        bob.token
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "through the first process"}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    let (stream, event, payload) = next_event(&mut ws).await;
    assert_eq!((stream, event.as_str()), (json!(["user"]), "update"));
    let status: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(status["id"], posted["id"]);
    drop(processes);
    server.stop().await;
}

#[tokio::test]
async fn a_muted_authors_posts_are_not_streamed() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    for whom in [&bob, &carol] {
        server
            .post(
                &format!("/api/v1/accounts/{}/follow", whom.id),
                Some(&alice.token),
                json!({}),
            )
            .await;
    }
    let (status, _) = server
        .post(
            &format!("/api/v1/accounts/{}/mute", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let mut ws = socket(
        &server,
        &format!("?stream=user&access_token={}", alice.token),
        None,
    )
    .await;
    post(&server, &bob, json!({"status": "from the muted one"})).await;
    let carols = post(&server, &carol, json!({"status": "from carol"})).await;
    let (_, event, payload) = next_event(&mut ws).await;
    assert_eq!(event, "update");
    let status: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        status["id"], carols["id"],
        "the muted author's post came first"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_changed_filter_is_announced_on_the_user_stream() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let mut ws = socket(
        &server,
        &format!("?stream=user&access_token={}", alice.token),
        None,
    )
    .await;
    let (status, filter) = server
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({"title": "spoilers", "context": ["home"], "keywords_attributes": [{"keyword": "ending"}]}),
        )
        .await;
    assert_eq!(status, 200, "{filter}");
    let (stream, event, payload) = next_event(&mut ws).await;
    assert_eq!(
        (stream, event.as_str(), payload.as_str()),
        (json!(["user"]), "filters_changed", ""),
        "no payload, as Mastodon sends it"
    );
    server.stop().await;
}

#[tokio::test]
async fn announcements_and_their_reactions_are_streamed_to_every_user() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let mut ws = socket(
        &server,
        &format!("?stream=user&access_token={}", alice.token),
        None,
    )
    .await;
    let id = server
        .tessera(&["admin", "announcements", "create", "Welcome!"])
        .await
        .trim()
        .to_string();
    let (stream, event, payload) = next_event(&mut ws).await;
    assert_eq!((stream, event.as_str()), (json!(["user"]), "announcement"));
    let announcement: Value = serde_json::from_str(&payload).unwrap();
    assert_schema("Announcement", &announcement);
    assert_eq!(announcement["id"], id.as_str());

    let (status, _) = crate::announcements::react(&server, &bob, &id, "👍", Method::PUT).await;
    assert_eq!(status, 200);
    let (_, event, payload) = next_event(&mut ws).await;
    assert_eq!(event, "announcement.reaction");
    assert_eq!(
        serde_json::from_str::<Value>(&payload).unwrap(),
        json!({"name": "👍", "count": 1, "announcement_id": id})
    );

    server
        .tessera(&["admin", "announcements", "delete", &id])
        .await;
    let (_, event, payload) = next_event(&mut ws).await;
    assert_eq!(
        (event.as_str(), payload.as_str()),
        ("announcement.delete", id.as_str())
    );
    server.stop().await;
}

#[tokio::test]
async fn streamed_posts_obey_the_listeners_filters() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (status, _) = server
        .post(
            &format!("/api/v1/accounts/{}/follow", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    for (title, keyword, action) in [("secrets", "secret", "hide"), ("endings", "ending", "warn")] {
        let (status, filter) = server
            .post(
                "/api/v2/filters",
                Some(&alice.token),
                json!({"title": title, "context": ["home"], "filter_action": action, "keywords_attributes": [{"keyword": keyword}]}),
            )
            .await;
        assert_eq!(status, 200, "{filter}");
    }
    let mut ws = socket(
        &server,
        &format!("?stream=user&access_token={}", alice.token),
        None,
    )
    .await;
    let mut public = socket(&server, "?stream=public", None).await;
    post(&server, &bob, json!({"status": "a secret plan"})).await;
    post(&server, &bob, json!({"status": "the ending is sad"})).await;

    // The hidden post never comes; the warned one carries the match. (The filters' own
    // `filters_changed` may come first: the socket opened before they were dispatched.)
    let (event, payload) = loop {
        let (_, event, payload) = next_event(&mut ws).await;
        if event != "filters_changed" {
            break (event, payload);
        }
    };
    assert_eq!(event, "update");
    let status: Value = serde_json::from_str(&payload).unwrap();
    assert_schema("Status", &status);
    assert_eq!(status["content"], "<p>the ending is sad</p>");
    assert_eq!(status["filtered"][0]["filter"]["title"], "endings");
    assert_eq!(status["filtered"][0]["keyword_matches"], json!(["ending"]));
    // Someone without filters (here, signed out) gets both, unmarked.
    for expected in ["<p>a secret plan</p>", "<p>the ending is sad</p>"] {
        let (_, _, payload) = next_event(&mut public).await;
        let status: Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(status["content"], expected);
        assert_eq!(status["filtered"], json!([]));
    }
    server.stop().await;
}

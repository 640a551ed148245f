//! Interoperability with an ActivityPub implementation written by others: a small server
//! on the Fedify library (tests/peers/fedify, run with Node.js) follows a Tessera
//! account, receives its posts, posts to it, and is followed back. Fedify does its own
//! WebFinger, actor documents and HTTP signatures, so each side verifies the other's.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(30);

struct Fedify {
    child: tokio::process::Child,
    base: String,
    http: reqwest::Client,
}

impl Fedify {
    async fn start() -> Fedify {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/fedify");
        if !dir.join("node_modules/@fedify/fedify").exists() {
            let status = tokio::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .status()
                .await
                .expect("npm (Node.js) is needed for the Fedify peer");
            assert!(status.success(), "npm ci in {}", dir.display());
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut child = tokio::process::Command::new("node")
            .args(["server.mjs", "--port", &port.to_string()])
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(WAIT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("listening") {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(ready, Ok(true), "the Fedify peer did not start");
        Fedify {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        }
    }

    async fn control(&self, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = match body {
            Some(b) => self.http.post(url).json(&b),
            None => self.http.get(url),
        };
        let r = req.send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }

    async fn received(&self) -> Vec<Value> {
        self.control("/_test/received", None)
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn a_fedify_server_follows_receives_posts_to_and_is_followed_by_tessera() {
    let a = TestServer::federating().await;
    let alice = a.user("alice").await;
    let mut peer = Fedify::start().await;
    let alice_uri = a.url("/users/alice");

    // Fedify follows alice; Tessera accepts.
    peer.control("/_test/follow", Some(json!({"actor": alice_uri})))
        .await;
    wait_until("alice gains the Fedify follower", WAIT, || async {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["followers_count"] == 1
    })
    .await;
    wait_until("Fedify receives the Accept", WAIT, || async {
        peer.received().await.iter().any(|r| r["type"] == "Accept")
    })
    .await;

    // Alice posts; Fedify receives the Create.
    let (_, post) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "Hello, Fedify"}),
        )
        .await;
    wait_until("Fedify receives alice's post", WAIT, || async {
        peer.received()
            .await
            .iter()
            .any(|r| r["type"] == "Create" && r["raw"]["object"]["id"] == post["uri"])
    })
    .await;

    // Fedify posts to alice; she is notified of the mention.
    peer.control(
        "/_test/post",
        Some(json!({"content": "<p>Hello, Tessera</p>", "to": [alice_uri]})),
    )
    .await;
    wait_until("alice is notified of Fedify's mention", WAIT, || async {
        let (_, list) = a.get("/api/v1/notifications", Some(&alice.token)).await;
        list.as_array().is_some_and(|l| {
            l.iter().any(|n| {
                n["type"] == "mention"
                    && n["status"]["content"]
                        .as_str()
                        .is_some_and(|c| c.contains("Hello, Tessera"))
            })
        })
    })
    .await;

    // Alice follows Fedify back; Fedify accepts.
    let host = peer.base.trim_start_matches("http://").to_string();
    let (status, found) = a
        .get(
            &format!("/api/v1/accounts/lookup?acct=peer@{host}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    assert_schema("Account", &found);
    let id = found["id"].as_str().unwrap().to_string();
    a.post(
        &format!("/api/v1/accounts/{id}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    wait_until("Fedify accepts alice's follow", WAIT, || async {
        let (_, rels) = a
            .get(
                &format!("/api/v1/accounts/relationships?id[]={id}"),
                Some(&alice.token),
            )
            .await;
        rels[0]["following"] == true
    })
    .await;
    let followers = peer.control("/_test/followers", None).await;
    assert_eq!(followers, json!([alice_uri]));
    let (ok, out) = a.replay(false).await;
    assert!(ok, "{out}");
    peer.child.kill().await.unwrap();
    a.stop().await;
}

//! An acknowledged write survives the process being killed: the real `tessera serve` takes
//! a burst of concurrent posts and is killed with SIGKILL in the middle of it; after a
//! restart every post that was answered 200 is there exactly once, and replaying the log
//! rebuilds the same read models.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::support::*;

/// Posts answered 200 before the kill: at least this many, so the kill lands mid-burst.
const ACKNOWLEDGED_BEFORE_KILL: usize = 120;
const WRITERS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_post_survives_kill_9_once_and_replays_clean() {
    let mut server = TestServer::start().await;
    let author = server.user("durable").await;
    // The same database and port, served by the real binary in a process we can kill.
    server.halt().await;
    let mut child = serve_in_child(&server);
    wait_until("the child server answers", Duration::from_secs(30), || {
        let url = server.url("/api/v1/instance");
        let http = server.http.clone();
        async move { http.get(url).send().await.is_ok_and(|r| r.status() == 200) }
    })
    .await;

    let acknowledged: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (http, url, token) = (
                server.http.clone(),
                server.url("/api/v1/statuses"),
                author.token.clone(),
            );
            let acknowledged = acknowledged.clone();
            tokio::spawn(async move {
                for n in 0.. {
                    let text = format!("durable post {w}-{n}");
                    let sent = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "status": text }))
                        .send()
                        .await;
                    let Ok(resp) = sent else { return };
                    if resp.status() != 200 {
                        return;
                    }
                    let Ok(body) = resp.json::<serde_json::Value>().await else {
                        return;
                    };
                    if let Some(id) = body["id"].as_str() {
                        acknowledged
                            .lock()
                            .unwrap()
                            .insert(id.to_string(), text.clone());
                    }
                }
            })
        })
        .collect();
    wait_until(
        "posts are being acknowledged",
        Duration::from_secs(60),
        || {
            let acknowledged = acknowledged.clone();
            async move { acknowledged.lock().unwrap().len() >= ACKNOWLEDGED_BEFORE_KILL }
        },
    )
    .await;
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert!(!status.success(), "the server was killed: {status}");
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= ACKNOWLEDGED_BEFORE_KILL);

    server.resume().await;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut path = format!("/api/v1/accounts/{}/statuses?limit=40", author.id);
    loop {
        let (status, page) = server.get(&path, Some(&author.token)).await;
        assert_eq!(status, 200, "{page}");
        let page = page.as_array().unwrap().clone();
        let Some(last) = page.last() else { break };
        for s in &page {
            *seen
                .entry(s["id"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
        path = format!(
            "/api/v1/accounts/{}/statuses?limit=40&max_id={}",
            author.id,
            last["id"].as_str().unwrap()
        );
    }
    for (id, text) in &acknowledged {
        assert_eq!(seen.get(id), Some(&1), "acknowledged post {id} ({text})");
        let (status, post) = server
            .get(&format!("/api/v1/statuses/{id}"), Some(&author.token))
            .await;
        assert_eq!(status, 200);
        assert!(post["content"].as_str().unwrap().contains(text.as_str()));
    }
    let (_, me) = server
        .get("/api/v1/accounts/verify_credentials", Some(&author.token))
        .await;
    assert_eq!(me["statuses_count"].as_u64(), Some(seen.len() as u64));

    let (clean, report) = server.replay(false).await;
    assert!(clean, "replay after the kill: {report}");
    server.stop().await;
}

/// `tessera serve` on the test server's database and port, as an operator runs it.
fn serve_in_child(server: &TestServer) -> tokio::process::Child {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.arg("serve").env_remove("DATABASE_URL");
    for (k, v) in server.env() {
        cmd.env(k, v);
    }
    cmd.env("TESSERA_LISTEN", server.domain())
        .env("TESSERA_RATE_LIMITS", "false")
        .env("TESSERA_EMAIL_CONFIRMATION", "false")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    cmd.spawn().unwrap()
}

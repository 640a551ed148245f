//! Deliveries survive the receiver and the worker going down: a push to a server that is
//! down is retried and arrives when it is back; a worker process killed in the middle of
//! a delivery runs it again after its lease runs out, and the receiver, which dedupes by
//! activity id, sees the activity once.

use std::time::Duration;

use serde_json::json;

use crate::peer::Peer;
use crate::support::*;

const WAIT: Duration = Duration::from_secs(30);

/// `follower` on `from` follows `followed` on `to`, and `to` has seen it.
#[tokio::test]
async fn a_delivery_to_a_server_that_is_down_arrives_when_it_is_back() {
    let fast_retries = [
        ("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true"),
        // Retries come at most ~20 s apart in the first minutes: the server may be down
        // for a while on a busy machine, and the retry after it is back must come soon.
        ("TESSERA_QUEUE_RETRY_SCALE", "0.002"),
    ];
    let a = TestServer::start_with(&fast_retries).await;
    let mut b = TestServer::start_with(&fast_retries).await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    follow_across(&b, &bob, &a, &alice).await;

    b.halt().await;
    let (_, post) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "while you were away"}),
        )
        .await;
    let uri = post["uri"].as_str().unwrap().to_string();
    let app = &a.running.as_ref().unwrap().app;
    wait_until("the delivery fails and waits", WAIT, || async {
        let retrying = app
            .federation
            .queues()
            .unwrap()
            .retrying(tessera_workers::Queue::Push, 10)
            .await
            .unwrap();
        retrying.iter().any(|r| !r.last_error.is_empty())
    })
    .await;

    b.resume().await;
    wait_until("the post reaches b once it is back", WAIT * 2, || async {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array()
            .is_some_and(|h| h.iter().any(|s| s["uri"] == uri))
    })
    .await;
    let stats = app.federation.queues().unwrap().stats().await.unwrap();
    let push = stats
        .iter()
        .find(|q| q.queue == tessera_workers::Queue::Push)
        .unwrap();
    assert_eq!(push.failed, 0, "{stats:?}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_worker_killed_mid_delivery_delivers_again_and_the_receiver_sees_it_once() {
    let a = TestServer::start_with(&[
        ("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true"),
        ("TESSERA_RUN_WORKERS", "false"),
    ])
    .await;
    let alice = a.user("alice").await;
    let worker = || {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tessera"));
        cmd.arg("worker").kill_on_drop(true);
        for (k, v) in a.env() {
            cmd.env(k, v);
        }
        cmd.env("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true")
            .env("TESSERA_QUEUE_LEASE_SECS", "2")
            .env("RUST_LOG", "warn");
        cmd.spawn().unwrap()
    };
    let mut first = worker();

    // A remote follower, answered by the worker process.
    let peer = Peer::start(&["pat"]).await;
    let pat = peer.actor_id("pat");
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{pat}/follows/1"), "type": "Follow", "actor": pat,
        "object": format!("{}/users/alice", a.base),
    });
    let status = peer
        .post(
            &a.url("/inbox"),
            follow.to_string().as_bytes(),
            &peer.signing(&pat),
        )
        .await;
    assert_eq!(status, 202);
    wait_until("the follow is accepted", WAIT, || async {
        peer.received().iter().any(|r| r["type"] == "Accept")
    })
    .await;

    // The next delivery hangs at the receiver; the worker dies meanwhile.
    peer.set_delay(Duration::from_secs(30));
    let (_, post) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "mid-flight"}),
        )
        .await;
    let create_id = format!("{}/activity", post["uri"].as_str().unwrap());
    wait_until("the delivery is in flight", WAIT, || async {
        peer.copies(&create_id).0 == 1
    })
    .await;
    first.kill().await.unwrap();
    peer.set_delay(Duration::ZERO);

    let _second = worker();
    wait_until("the delivery is made again and answered", WAIT, || async {
        peer.copies(&create_id).1 >= 1
    })
    .await;
    let (copies, _) = peer.copies(&create_id);
    assert!(
        copies >= 2,
        "the killed worker's delivery ran again ({copies} copies)"
    );
    let creates = peer
        .received()
        .iter()
        .filter(|r| r["id"] == create_id.as_str())
        .count();
    assert_eq!(creates, 1, "the receiver keeps one copy");
    let app = &a.running.as_ref().unwrap().app;
    wait_until("the push queue is empty", WAIT, || async {
        let stats = app.federation.queues().unwrap().stats().await.unwrap();
        stats
            .iter()
            .filter(|q| q.queue == tessera_workers::Queue::Push)
            .all(|q| q.pending == 0 && q.running == 0 && q.failed == 0)
    })
    .await;
    a.stop().await;
}

#[tokio::test]
async fn with_redis_url_set_the_queues_live_on_redis_and_deliver() {
    let Ok(redis) = std::env::var("TESSERA_TEST_REDIS_URL") else {
        eprintln!("TESSERA_TEST_REDIS_URL is not set: not testing queues on Redis");
        return;
    };
    let settings = [
        ("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true"),
        ("REDIS_URL", redis.as_str()),
    ];
    let a = TestServer::start_with(&settings).await;
    let b = TestServer::start_with(&settings).await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    follow_across(&b, &bob, &a, &alice).await;
    let (_, post) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "queued in Redis"}),
        )
        .await;
    let uri = post["uri"].as_str().unwrap().to_string();
    wait_until("the post reaches b", WAIT, || async {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array()
            .is_some_and(|h| h.iter().any(|s| s["uri"] == uri))
    })
    .await;
    let queues = a.running.as_ref().unwrap().app.federation.queues().unwrap();
    assert_eq!(queues.backend_name(), "redis");
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_server_failing_on_a_seventh_day_is_skipped_until_it_speaks_again() {
    let settings = [
        ("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true"),
        ("TESSERA_QUEUE_RETRY_SCALE", "0.01"),
    ];
    let a = TestServer::start_with(&settings).await;
    let mut b = TestServer::start_with(&settings).await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    follow_across(&b, &bob, &a, &alice).await;
    let (_, first) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "before the outage"}),
        )
        .await;
    let first_uri = first["uri"].as_str().unwrap().to_string();
    wait_until("the first post reaches b", WAIT, || async {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array()
            .is_some_and(|h| h.iter().any(|s| s["uri"] == first_uri.as_str()))
    })
    .await;
    let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let first_at_b = home
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["uri"] == first_uri.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // b has already failed on six earlier days.
    let app = &a.running.as_ref().unwrap().app;
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        / (24 * 3600 * 1000);
    let six_days: Vec<i64> = (1..=6).map(|d| today - d * 3).collect();
    sqlx::query(
        "INSERT INTO instance_health (domain, failure_days, unavailable, last_failure_at) VALUES ($1, $2, 0, 0) \
         ON CONFLICT (domain) DO UPDATE SET failure_days = $2, unavailable = 0",
    )
    .bind(b.domain())
    .bind(serde_json::to_string(&six_days).unwrap())
    .execute(&app.db.pool)
    .await
    .unwrap();

    b.halt().await;
    a.post(
        "/api/v1/statuses",
        Some(&alice.token),
        json!({"status": "during the outage"}),
    )
    .await;
    let queues = app.federation.queues().unwrap();
    wait_until(
        "the seventh day's failure marks b unavailable and the job gives up",
        WAIT,
        || async {
            let failed = queues
                .failed(tessera_workers::Queue::Push, 10)
                .await
                .unwrap();
            failed.iter().any(|f| f.last_error.contains("unavailable"))
        },
    )
    .await;
    let unavailable: i64 =
        sqlx::query_scalar("SELECT unavailable FROM instance_health WHERE domain = $1")
            .bind(b.domain())
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(unavailable, 1);

    // b comes back and speaks first (a signed Like): it is available again.
    b.resume().await;
    let (status, _) = b
        .post(
            &format!("/api/v1/statuses/{first_at_b}/favourite"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    wait_until("b's signed request marks it available", WAIT, || async {
        let flag: i64 =
            sqlx::query_scalar("SELECT unavailable FROM instance_health WHERE domain = $1")
                .bind(b.domain())
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        flag == 0
    })
    .await;
    let (_, after) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "after the outage"}),
        )
        .await;
    let after_uri = after["uri"].as_str().unwrap().to_string();
    wait_until("new posts reach b again", WAIT, || async {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array()
            .is_some_and(|h| h.iter().any(|s| s["uri"] == after_uri.as_str()))
    })
    .await;
    a.stop().await;
    b.stop().await;
}

//! The admin API: moderators work through reports and act on accounts; admins block
//! other servers, which cuts federation with them in both directions.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

async fn public_authors(server: &TestServer) -> Vec<String> {
    let (_, timeline) = server.get("/api/v1/timelines/public", None).await;
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["account"]["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_moderator_resolves_a_report_by_silencing_the_account() {
    let server = TestServer::start().await;
    let moderator = server.staff("mod", "moderator").await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (_, post) = server
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "buy now"}),
        )
        .await;
    let (status, report) = server
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({"account_id": bob.id, "status_ids": [post["id"]], "comment": "spam", "category": "spam"}),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    let report_id = report["id"].as_str().unwrap();

    let (status, body) = server
        .get("/api/v1/admin/reports", Some(&alice.token))
        .await;
    assert_eq!(status, 403, "a user's token lacks the admin scopes: {body}");

    let (status, open) = server
        .get("/api/v1/admin/reports", Some(&moderator.token))
        .await;
    assert_eq!(status, 200, "{open}");
    assert_each("AdminReport", &open);
    assert_eq!(ids(&open), [report_id]);
    assert_eq!(open[0]["target_account"]["id"], bob.id.as_str());
    assert_eq!(open[0]["statuses"][0]["id"], post["id"]);

    let (status, assigned) = server
        .post(
            &format!("/api/v1/admin/reports/{report_id}/assign_to_self"),
            Some(&moderator.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["assigned_account"]["id"], moderator.id.as_str());

    assert!(public_authors(&server).await.contains(&bob.id));
    let (status, body) = server
        .post(
            &format!("/api/v1/admin/accounts/{}/action", bob.id),
            Some(&moderator.token),
            json!({"type": "silence", "report_id": report_id}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, open) = server
        .get("/api/v1/admin/reports", Some(&moderator.token))
        .await;
    assert_eq!(ids(&open), Vec::<String>::new(), "the report is resolved");
    let (_, resolved) = server
        .get(
            "/api/v1/admin/reports?resolved=true",
            Some(&moderator.token),
        )
        .await;
    assert_eq!(resolved[0]["action_taken"], true);
    assert_eq!(
        resolved[0]["action_taken_by_account"]["id"],
        moderator.id.as_str()
    );

    let (_, account) = server
        .get(
            &format!("/api/v1/admin/accounts/{}", bob.id),
            Some(&moderator.token),
        )
        .await;
    assert_schema("AdminAccount", &account);
    assert_eq!(account["silenced"], true);
    assert_eq!(account["account"]["limited"], true);
    assert!(
        !public_authors(&server).await.contains(&bob.id),
        "a silenced account leaves the public timeline"
    );
    let (status, _) = server
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(status, 200, "a silenced account still signs in");

    let (status, account) = server
        .post(
            &format!("/api/v1/admin/accounts/{}/unsilence", bob.id),
            Some(&moderator.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["silenced"], false);
    assert!(public_authors(&server).await.contains(&bob.id));

    let (status, reopened) = server
        .post(
            &format!("/api/v1/admin/reports/{report_id}/reopen"),
            Some(&moderator.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{reopened}");
    assert_eq!(reopened["action_taken"], false);

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

#[tokio::test]
async fn suspending_and_disabling_shut_an_account_out_until_undone() {
    let server = TestServer::start().await;
    let moderator = server.staff("mod", "moderator").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let act = |who: &str, kind: &str| {
        let path = format!("/api/v1/admin/accounts/{who}/action");
        let body = json!({ "type": kind });
        let token = moderator.token.clone();
        let server = &server;
        async move { server.post(&path, Some(&token), body).await }
    };

    let before = server.event_count().await;
    for (kind, what) in [
        ("obliterate", "an unknown action"),
        ("sensitive", "unsupported"),
    ] {
        let (status, body) = act(&bob.id, kind).await;
        assert_eq!(status, 422, "{what}: {body}");
    }
    let (status, body) = act(&moderator.id, "suspend").await;
    assert_eq!(status, 422, "a moderator cannot suspend themself: {body}");
    let (status, body) = server
        .post(
            "/api/v1/admin/accounts/1/action",
            Some(&moderator.token),
            json!({"type": "suspend"}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(server.event_count().await, before, "refusals store nothing");

    let (status, _) = act(&bob.id, "suspend").await;
    assert_eq!(status, 200);
    let (status, _) = server
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(status, 403, "a suspended account's token no longer works");
    let (status, _) = server
        .get(&format!("/api/v1/accounts/{}", bob.id), None)
        .await;
    assert_eq!(status, 404, "a suspended account is hidden");

    let (status, _) = act(&carol.id, "disable").await;
    assert_eq!(status, 200);
    let (status, body) = server
        .get("/api/v1/accounts/verify_credentials", Some(&carol.token))
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = server
        .password_grant("carol", "correct horse battery", "read")
        .await;
    assert_eq!(status, 400, "a disabled login cannot sign in");
    let (status, _) = server
        .get(&format!("/api/v1/accounts/{}", carol.id), None)
        .await;
    assert_eq!(status, 200, "a disabled account's profile stays");

    let (_, suspended) = server
        .get(
            "/api/v2/admin/accounts?status=suspended",
            Some(&moderator.token),
        )
        .await;
    assert_eq!(ids(&suspended), [bob.id.as_str()]);
    let (_, disabled) = server
        .get(
            "/api/v1/admin/accounts?disabled=true",
            Some(&moderator.token),
        )
        .await;
    assert_eq!(ids(&disabled), [carol.id.as_str()]);
    let (_, staff) = server
        .get(
            "/api/v2/admin/accounts?permissions=staff",
            Some(&moderator.token),
        )
        .await;
    assert_each("AdminAccount", &staff);
    assert_eq!(ids(&staff), [moderator.id.as_str()]);
    assert_eq!(staff[0]["role"]["name"], "Moderator");
    let (_, found) = server
        .get(
            "/api/v2/admin/accounts?username=aro",
            Some(&moderator.token),
        )
        .await;
    assert_eq!(ids(&found), [carol.id.as_str()]);
    let (status, _) = server
        .get(
            "/api/v2/admin/accounts?status=asleep",
            Some(&moderator.token),
        )
        .await;
    assert_eq!(status, 422);

    for (who, undo) in [(&bob.id, "unsuspend"), (&carol.id, "enable")] {
        let (status, account) = server
            .post(
                &format!("/api/v1/admin/accounts/{who}/{undo}"),
                Some(&moderator.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{account}");
        assert_schema("AdminAccount", &account);
    }
    for token in [&bob.token, &carol.token] {
        let (status, _) = server
            .get("/api/v1/accounts/verify_credentials", Some(token))
            .await;
        assert_eq!(status, 200);
    }

    let (status, _) = server
        .get("/api/v1/admin/domain_blocks", Some(&moderator.token))
        .await;
    assert_eq!(status, 403, "domain blocks are for admins");

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

async fn push_failures(server: &TestServer) -> i64 {
    let app = &server.running.as_ref().unwrap().app;
    let stats = app.federation.queues().unwrap().stats().await.unwrap();
    stats
        .iter()
        .filter(|q| q.queue == tessera_workers::Queue::Push)
        .map(|q| q.failed)
        .sum()
}

async fn texts_of(server: &TestServer, token: &str) -> Vec<String> {
    let (_, home) = server.get("/api/v1/timelines/home", Some(token)).await;
    home.as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_suspended_domain_is_cut_off_both_ways_until_unblocked() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    let admin = a.staff("root", "admin").await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    follow_across(&a, &alice, &b, &bob).await;
    follow_across(&b, &bob, &a, &alice).await;

    let (status, block) = a
        .post(
            "/api/v1/admin/domain_blocks",
            Some(&admin.token),
            json!({"domain": b.domain(), "severity": "suspend", "public_comment": "spam", "obfuscate": true}),
        )
        .await;
    assert_eq!(status, 200, "{block}");
    assert_schema("AdminDomainBlock", &block);
    let block_id = block["id"].as_str().unwrap().to_string();
    let (status, again) = a
        .post(
            "/api/v1/admin/domain_blocks",
            Some(&admin.token),
            json!({"domain": b.domain(), "severity": "silence"}),
        )
        .await;
    assert_eq!(status, 422, "one block per domain: {again}");
    let (_, public) = a.get("/api/v1/instance/domain_blocks", None).await;
    assert_each("DomainBlock", &public);
    assert_eq!(public[0]["severity"], "suspend");
    assert_eq!(public[0]["comment"], "spam");
    assert_ne!(public[0]["domain"], b.domain().as_str(), "obfuscated");
    let (_, peers) = a.get("/api/v1/instance/peers", None).await;
    assert!(!peers.to_string().contains(&b.domain()), "{peers}");

    // Inbound: b's delivery of bob's post is refused, and nothing of bob's shows.
    let failed = push_failures(&b).await;
    b.post(
        "/api/v1/statuses",
        Some(&bob.token),
        json!({"status": "while blocked"}),
    )
    .await;
    wait_until(
        "b gives up delivering to a",
        Duration::from_secs(30),
        || async { push_failures(&b).await > failed },
    )
    .await;
    let pool = a.running.as_ref().unwrap().app.db.pool.clone();
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM statuses WHERE content LIKE '%while blocked%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, 0, "a's inbox refused the post");
    let (status, _) = a
        .get(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", b.domain()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 404, "accounts of a suspended domain are hidden");

    // Outbound: alice's post is not sent to b (b's followers are left out of the fan-out;
    // it is checked below, once a later post has arrived).
    a.post(
        "/api/v1/statuses",
        Some(&alice.token),
        json!({"status": "not for them"}),
    )
    .await;
    let a_pool = a.running.as_ref().unwrap().app.db.pool.clone();
    let posted: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM events")
        .fetch_one(&a_pool)
        .await
        .unwrap();
    wait_until(
        "a's outbox fans the post out",
        Duration::from_secs(30),
        || async {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT seq FROM projector_checkpoints WHERE name = 'outbox'")
                    .fetch_optional(&a_pool)
                    .await
                    .unwrap();
            done.is_some_and(|seq| seq >= posted)
        },
    )
    .await;

    // Lifted: both directions work again.
    let (status, body) = a
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/domain_blocks/{block_id}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    b.post(
        "/api/v1/statuses",
        Some(&bob.token),
        json!({"status": "after the block"}),
    )
    .await;
    // Up to a minute, here and below: under load a first delivery attempt can time out,
    // and its retry waits at least 16 s.
    wait_until(
        "bob's post arrives at a",
        Duration::from_secs(60),
        || async {
            texts_of(&a, &alice.token)
                .await
                .iter()
                .any(|t| t.contains("after the block"))
        },
    )
    .await;
    a.post(
        "/api/v1/statuses",
        Some(&alice.token),
        json!({"status": "hello again"}),
    )
    .await;
    wait_until(
        "alice's post arrives at b",
        Duration::from_secs(60),
        || async {
            texts_of(&b, &bob.token)
                .await
                .iter()
                .any(|t| t.contains("hello again"))
        },
    )
    .await;
    assert!(
        !texts_of(&b, &bob.token)
            .await
            .iter()
            .any(|t| t.contains("not for them")),
        "what was sent during the block was dropped"
    );

    let (same, diff) = a.replay(false).await;
    assert!(same, "replay differs: {diff}");
    a.stop().await;
    b.stop().await;
}

//! Small reading endpoints: several statuses at once, the account's preferences, and
//! markers; and the answer to a post, which is the status as it reads back.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn several_statuses_come_back_in_the_order_asked_without_hidden_ones() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let mut ids = Vec::new();
    for (text, visibility) in [
        ("first", "public"),
        ("second", "unlisted"),
        ("mine", "private"),
    ] {
        let (_, s) = server
            .post(
                "/api/v1/statuses",
                Some(&alice.token),
                json!({"status": text, "visibility": visibility}),
            )
            .await;
        ids.push(s["id"].as_str().unwrap().to_string());
    }
    let query = format!(
        "/api/v1/statuses?id[]={}&id[]={}&id[]={}&id[]=999999",
        ids[1], ids[2], ids[0]
    );
    let (status, found) = server.get(&query, Some(&bob.token)).await;
    assert_eq!(status, 200, "{found}");
    assert_each("Status", &found);
    let got: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    // Bob does not follow alice: her private post is left out, as is the unknown id.
    assert_eq!(got, vec![ids[1].as_str(), ids[0].as_str()]);
    let (_, as_author) = server.get(&query, Some(&alice.token)).await;
    assert_eq!(as_author.as_array().unwrap().len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn preferences_match_the_accounts_posting_defaults() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let (status, prefs) = server.get("/api/v1/preferences", Some(&alice.token)).await;
    assert_eq!(status, 200, "{prefs}");
    assert_schema("Preferences", &prefs);
    let (_, me) = server
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(prefs["posting:default:visibility"], me["source"]["privacy"]);
    assert_eq!(prefs["posting:default:language"], me["source"]["language"]);
    let (status, _) = server.get("/api/v1/preferences", None).await;
    assert_eq!(status, 401);
    server.stop().await;
}

#[tokio::test]
async fn markers_remember_where_reading_stopped_and_count_their_saves() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (status, none) = server
        .get("/api/v1/markers?timeline[]=home", Some(&alice.token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(none, json!({}));

    let (status, saved) = server
        .post(
            "/api/v1/markers",
            Some(&alice.token),
            json!({"home": {"last_read_id": "1001"}, "notifications": {"last_read_id": "7"}}),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_schema("Marker", &saved["home"]);
    assert_eq!(saved["home"]["last_read_id"], "1001");
    assert_eq!(saved["home"]["version"], 1);
    assert_eq!(saved["notifications"]["last_read_id"], "7");

    let (_, again) = server
        .post(
            "/api/v1/markers",
            Some(&alice.token),
            json!({"home": {"last_read_id": "1002"}}),
        )
        .await;
    assert_eq!(again["home"]["version"], 2);
    assert!(
        again.get("notifications").is_none(),
        "only what was saved: {again}"
    );

    let (_, both) = server
        .get(
            "/api/v1/markers?timeline[]=home&timeline[]=notifications",
            Some(&alice.token),
        )
        .await;
    assert_eq!(both["home"]["last_read_id"], "1002");
    assert_eq!(both["notifications"]["version"], 1);
    let (_, bobs) = server
        .get("/api/v1/markers?timeline[]=home", Some(&bob.token))
        .await;
    assert_eq!(bobs, json!({}), "markers are per account");

    let (status, refused) = server
        .post("/api/v1/markers", Some(&alice.token), json!({"home": {}}))
        .await;
    assert_eq!(status, 422, "{refused}");
    let (ok, report) = server.replay(false).await;
    assert!(ok, "replay finds no difference: {report}");
    server.stop().await;
}

#[tokio::test]
async fn instance_activity_counts_this_weeks_posts_and_peers_list_known_servers() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    let alice = a.user("alice").await;
    b.user("bob").await;
    for text in ["one", "two"] {
        a.post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": text}),
        )
        .await;
    }
    let (status, weeks) = a.get("/api/v1/instance/activity", None).await;
    assert_eq!(status, 200, "{weeks}");
    let weeks = weeks.as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    assert_eq!(weeks[0]["statuses"], "2");
    assert_eq!(weeks[0]["registrations"], "1");
    assert_eq!(weeks[0]["logins"], "1");
    assert_eq!(weeks[1]["statuses"], "0");
    let this_week: i64 = weeks[0]["week"].as_str().unwrap().parse().unwrap();
    let last_week: i64 = weeks[1]["week"].as_str().unwrap().parse().unwrap();
    assert_eq!(this_week - last_week, 7 * 24 * 3600);

    let (_, none) = a.get("/api/v1/instance/peers", None).await;
    assert_eq!(none, json!([]));
    let (status, _) = a
        .get(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", b.domain()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200);
    let (_, peers) = a.get("/api/v1/instance/peers", None).await;
    assert_eq!(peers, json!(["127.0.0.1"]));
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn familiar_followers_are_the_followers_one_follows() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let dave = server.user("dave").await;
    // alice follows bob and carol; bob and carol follow dave; only carol follows alice.
    for (who, whom) in [
        (&alice, &bob),
        (&alice, &carol),
        (&bob, &dave),
        (&carol, &dave),
        (&carol, &alice),
    ] {
        let (status, _) = server
            .post(
                &format!("/api/v1/accounts/{}/follow", whom.id),
                Some(&who.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
    }
    let (status, familiar) = server
        .get(
            &format!(
                "/api/v1/accounts/familiar_followers?id[]={}&id[]={}",
                dave.id, bob.id
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200, "{familiar}");
    assert_each("FamiliarFollowers", &familiar);
    assert_eq!(familiar[0]["id"], dave.id.as_str());
    let mut names: Vec<&str> = familiar[0]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["bob", "carol"]);
    assert_eq!(familiar[1]["accounts"], json!([]));
    server.stop().await;
}

#[tokio::test]
async fn the_instance_states_its_rules_description_and_blocks() {
    let server = TestServer::start().await;
    let (status, rules) = server.get("/api/v1/instance/rules", None).await;
    assert_eq!((status.as_u16(), rules), (200, json!([])));
    let (status, description) = server
        .get("/api/v1/instance/extended_description", None)
        .await;
    assert_eq!(status, 200);
    assert_schema("ExtendedDescription", &description);
    let (status, blocks) = server.get("/api/v1/instance/domain_blocks", None).await;
    assert_eq!((status.as_u16(), blocks), (200, json!([])));
    server.stop().await;
}

/// The answer to `POST /api/v1/statuses` is built from what the post wrote, not read back:
/// it must be exactly what reading the status gives, whatever the post carries.
#[tokio::test]
async fn a_new_status_is_answered_exactly_as_it_reads_back() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let out = crate::emoji::add(&server, "blobcat", &crate::media::png(64, 64), &[]).await;
    assert!(out.status.success(), "{out:?}");
    let (_, first) = server
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "a thread to answer"}),
        )
        .await;
    let (code, media) = crate::media::upload(
        &server,
        &alice,
        "/api/v2/media",
        "photo.png",
        crate::media::png(40, 30),
        &[("description", "a small square")],
    )
    .await;
    assert!(code.is_success(), "{media}");
    let posts = [
        json!({"status": "plain words", "visibility": "unlisted", "language": "en"}),
        json!({
            "status": "@bob :blobcat: about #Rust and #rust",
            "spoiler_text": "cw :blobcat:",
            "sensitive": true,
            "in_reply_to_id": first["id"],
            "poll": {"options": ["yes", "no"], "expires_in": 3600, "multiple": true},
        }),
        json!({"status": "a picture", "media_ids": [media["id"]], "visibility": "private"}),
    ];
    for post in posts {
        let (code, answered) = server
            .post("/api/v1/statuses", Some(&alice.token), post.clone())
            .await;
        assert_eq!(code, 200, "{answered}");
        assert_schema("Status", &answered);
        let path = format!("/api/v1/statuses/{}", answered["id"].as_str().unwrap());
        let (_, read) = server.get(&path, Some(&alice.token)).await;
        assert_eq!(answered, read, "for {post}");
    }
    server.stop().await;
}

//! A scripted day through the HTTP API, every response checked against Mastodon's OpenAPI
//! description; then `tessera replay` rebuilds every read model from the log and must find
//! them identical, and must notice (and with --apply repair) a read model that drifted.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn replay(s: &TestServer, apply: bool) -> (bool, String) {
    s.replay(apply).await
}

async fn post_status(s: &TestServer, who: &User, body: Value) -> Value {
    let (status, posted) = s.post("/api/v1/statuses", Some(&who.token), body).await;
    assert_eq!(status, 200, "{posted}");
    assert_schema("Status", &posted);
    posted
}

#[tokio::test]
async fn a_scripted_day_replays_to_identical_read_models() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;

    // Carol locks her account and writes a profile.
    let (status, me) = s
        .call(Method::PATCH, "/api/v1/accounts/update_credentials", Some(&carol.token), Some(json!({
            "locked": true, "display_name": "Carol", "note": "Sound designer. Hi @alice! #audio",
            "fields_attributes": {"0": {"name": "Site", "value": "https://carol.example"}},
        })))
        .await;
    assert_eq!(status, 200, "{me}");
    assert_schema("CredentialAccount", &me);
    assert_eq!(me["locked"], true);
    assert!(
        me["note"]
            .as_str()
            .unwrap()
            .contains("class=\"u-url mention\"")
    );
    assert_eq!(me["fields"][0]["name"], "Site");

    // Follows, including a request authorised and one rejected.
    for (who, whom) in [(&bob, &alice), (&carol, &alice), (&alice, &bob)] {
        let (status, rel) = s
            .post(
                &format!("/api/v1/accounts/{}/follow", whom.id),
                Some(&who.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{rel}");
        assert_schema("Relationship", &rel);
        assert_eq!(rel["following"], true);
    }
    let (_, rel) = s
        .post(
            &format!("/api/v1/accounts/{}/follow", carol.id),
            Some(&dave.token),
            json!({}),
        )
        .await;
    assert_eq!(
        (rel["following"].clone(), rel["requested"].clone()),
        (json!(false), json!(true))
    );
    s.post(
        &format!("/api/v1/accounts/{}/follow", carol.id),
        Some(&bob.token),
        json!({}),
    )
    .await;
    let (status, requests) = s.get("/api/v1/follow_requests", Some(&carol.token)).await;
    assert_eq!(status, 200);
    assert_each("Account", &requests);
    assert_eq!(requests.as_array().unwrap().len(), 2);
    let (status, rel) = s
        .post(
            &format!("/api/v1/follow_requests/{}/authorize", dave.id),
            Some(&carol.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rel["followed_by"], true);
    assert_schema("Relationship", &rel);
    let (status, rel) = s
        .post(
            &format!("/api/v1/follow_requests/{}/reject", bob.id),
            Some(&carol.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rel["followed_by"], false);
    assert_schema("Relationship", &rel);

    // Posts, replies, a private and a direct post.
    let first = post_status(
        &s,
        &alice,
        json!({"status": "Good morning #fediverse, see https://example.com", "language": "en"}),
    )
    .await;
    let first_id = first["id"].as_str().unwrap().to_string();
    assert_eq!(first["tags"][0]["name"], "fediverse");
    let private = post_status(
        &s,
        &alice,
        json!({"status": "followers only", "visibility": "private"}),
    )
    .await;
    let direct = post_status(
        &s,
        &alice,
        json!({"status": "@bob psst", "visibility": "direct"}),
    )
    .await;
    assert_eq!(direct["mentions"][0]["id"], bob.id.as_str());
    let reply = post_status(
        &s,
        &bob,
        json!({"status": "@alice morning!", "in_reply_to_id": first_id}),
    )
    .await;
    let reply_id = reply["id"].as_str().unwrap().to_string();
    assert_eq!(reply["in_reply_to_account_id"], alice.id.as_str());
    post_status(
        &s,
        &carol,
        json!({"status": "@bob @alice hello both", "in_reply_to_id": reply_id}),
    )
    .await;

    // Who may see what.
    let (status, _) = s
        .get(
            &format!("/api/v1/statuses/{}", private["id"].as_str().unwrap()),
            Some(&dave.token),
        )
        .await;
    assert_eq!(status, 404, "dave does not follow alice");
    let (status, _) = s
        .get(
            &format!("/api/v1/statuses/{}", private["id"].as_str().unwrap()),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, 200, "bob follows alice");
    let (status, _) = s
        .get(
            &format!("/api/v1/statuses/{}", direct["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 404);

    // Favourites and reblogs, some undone.
    for who in [&bob, &carol, &dave] {
        let (status, fav) = s
            .post(
                &format!("/api/v1/statuses/{first_id}/favourite"),
                Some(&who.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(fav["favourited"], true);
    }
    let (_, unfav) = s
        .post(
            &format!("/api/v1/statuses/{first_id}/unfavourite"),
            Some(&carol.token),
            json!({}),
        )
        .await;
    assert_eq!(unfav["favourites_count"], 2);
    assert_schema("Status", &unfav);
    let (status, boost) = s
        .post(
            &format!("/api/v1/statuses/{first_id}/reblog"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{boost}");
    assert_schema("Status", &boost);
    assert_eq!(boost["reblog"]["id"], first_id.as_str());
    s.post(
        &format!("/api/v1/statuses/{first_id}/reblog"),
        Some(&carol.token),
        json!({}),
    )
    .await;
    let (_, unboosted) = s
        .post(
            &format!("/api/v1/statuses/{first_id}/unreblog"),
            Some(&carol.token),
            json!({}),
        )
        .await;
    assert_eq!(unboosted["reblogs_count"], 1);
    assert_schema("Status", &unboosted);
    let (status, who) = s
        .get(&format!("/api/v1/statuses/{first_id}/favourited_by"), None)
        .await;
    assert_eq!(status, 200);
    assert_each("Account", &who);
    assert_eq!(who.as_array().unwrap().len(), 2);
    let (_, who) = s
        .get(&format!("/api/v1/statuses/{first_id}/reblogged_by"), None)
        .await;
    assert_eq!(who[0]["id"], bob.id.as_str());
    assert_each("Account", &who);

    // A deleted post, with its source returned for redrafting.
    let (status, deleted) = s
        .call(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", private["id"].as_str().unwrap()),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(deleted["text"], "followers only");
    assert_schema("Status", &deleted);

    // Thread context.
    let (status, context) = s
        .get(&format!("/api/v1/statuses/{reply_id}/context"), None)
        .await;
    assert_eq!(status, 200);
    assert_schema("Context", &context);
    assert_eq!(context["ancestors"][0]["id"], first_id.as_str());
    assert_eq!(context["descendants"].as_array().unwrap().len(), 1);

    // Timelines, once the fan-out projector has caught up.
    s.eventually(
        "bob's home shows alice's post and the direct message",
        || async {
            let (_, home) = s.get("/api/v1/timelines/home", Some(&bob.token)).await;
            let ids: Vec<&str> = home
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|st| st["id"].as_str())
                .collect();
            ids.contains(&first_id.as_str()) && ids.contains(&direct["id"].as_str().unwrap())
        },
    )
    .await;
    let (_, home) = s.get("/api/v1/timelines/home", Some(&bob.token)).await;
    assert_each("Status", &home);
    let (_, public) = s.get("/api/v1/timelines/public?local=true", None).await;
    assert_each("Status", &public);
    assert!(
        public
            .as_array()
            .unwrap()
            .iter()
            .all(|st| st["visibility"] == "public" && st["reblog"].is_null())
    );
    let (_, tagged) = s.get("/api/v1/timelines/tag/Fediverse", None).await;
    assert_each("Status", &tagged);
    assert_eq!(tagged[0]["id"], first_id.as_str());
    let (_, statuses) = s
        .get(
            &format!("/api/v1/accounts/{}/statuses?exclude_replies=true", bob.id),
            Some(&alice.token),
        )
        .await;
    assert_each("Status", &statuses);
    assert!(
        statuses
            .as_array()
            .unwrap()
            .iter()
            .all(|st| st["in_reply_to_id"].is_null())
    );

    // Notifications: alice hears of follows, favourites, the reblog and the mention.
    s.eventually("alice's notifications", || async {
        let (_, list) = s.get("/api/v1/notifications", Some(&alice.token)).await;
        let kinds: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["type"].as_str())
            .collect();
        ["follow", "favourite", "reblog", "mention"]
            .iter()
            .all(|k| kinds.contains(k))
    })
    .await;
    let (_, list) = s.get("/api/v1/notifications", Some(&alice.token)).await;
    assert_each("Notification", &list);
    let one = list[0]["id"].as_str().unwrap();
    let (status, shown) = s
        .get(&format!("/api/v1/notifications/{one}"), Some(&alice.token))
        .await;
    assert_eq!(status, 200);
    assert_schema("Notification", &shown);
    let (status, _) = s
        .post(
            &format!("/api/v1/notifications/{one}/dismiss"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = s
        .get(&format!("/api/v1/notifications/{one}"), Some(&alice.token))
        .await;
    assert_eq!(status, 404);
    s.eventually("carol's follow request notification", || async {
        let (_, list) = s
            .get(
                "/api/v1/notifications?types[]=follow_request",
                Some(&carol.token),
            )
            .await;
        list.as_array().is_some_and(|l| l.len() == 2)
    })
    .await;
    let (status, _) = s
        .post("/api/v1/notifications/clear", Some(&carol.token), json!({}))
        .await;
    assert_eq!(status, 200);
    let (_, list) = s.get("/api/v1/notifications", Some(&carol.token)).await;
    assert_eq!(list, json!([]));

    // Profiles and relationships.
    let (_, rels) = s
        .get(
            &format!(
                "/api/v1/accounts/relationships?id[]={}&id[]={}",
                bob.id, carol.id
            ),
            Some(&alice.token),
        )
        .await;
    assert_each("Relationship", &rels);
    assert_eq!(
        (rels[0]["following"].clone(), rels[0]["followed_by"].clone()),
        (json!(true), json!(true))
    );
    let (_, account) = s.get(&format!("/api/v1/accounts/{}", alice.id), None).await;
    assert_schema("Account", &account);
    assert_eq!(
        (
            account["followers_count"].clone(),
            account["statuses_count"].clone()
        ),
        (json!(2), json!(2))
    );
    let (_, looked_up) = s.get("/api/v1/accounts/lookup?acct=@Carol", None).await;
    assert_schema("Account", &looked_up);
    let (_, following) = s
        .get(&format!("/api/v1/accounts/{}/following", bob.id), None)
        .await;
    assert_each("Account", &following);
    assert_eq!(following[0]["id"], alice.id.as_str());
    assert_eq!(looked_up["id"], carol.id.as_str());
    let (_, followers) = s
        .get(&format!("/api/v1/accounts/{}/followers", carol.id), None)
        .await;
    assert_each("Account", &followers);
    assert_eq!(followers[0]["id"], dave.id.as_str());
    let (_, v1) = s.get("/api/v1/instance", None).await;
    assert_schema("V1Instance", &v1);
    let (_, v2) = s.get("/api/v2/instance/", None).await;
    assert_schema("Instance", &v2);
    assert!(v2["version"].as_str().unwrap().starts_with("4."));

    // Dave stops following Carol; his relationship says so.
    let (status, rel) = s
        .post(
            &format!("/api/v1/accounts/{}/unfollow", carol.id),
            Some(&dave.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_schema("Relationship", &rel);
    assert_eq!(rel["following"], false);

    // Replay finds nothing to change.
    let (ok, out) = replay(&s, false).await;
    assert!(ok && out.contains("no differences"), "{out}");

    // A read model that drifted from the log is noticed, then repaired by --apply.
    let db = &s.running.as_ref().unwrap().app.db;
    sqlx::query("UPDATE statuses SET favourites_count = 99 WHERE id = $1")
        .bind(first_id.parse::<i64>().unwrap())
        .execute(&db.pool)
        .await
        .unwrap();
    let (ok, out) = replay(&s, false).await;
    assert!(!ok, "{out}");
    assert!(out.contains("difference in statuses"), "{out}");
    let (_, out) = replay(&s, true).await;
    assert!(out.contains("now live"), "{out}");
    let (ok, out) = replay(&s, false).await;
    assert!(ok, "{out}");
    let (_, repaired) = s.get(&format!("/api/v1/statuses/{first_id}"), None).await;
    assert_eq!(repaired["favourites_count"], 2);
    s.stop().await;
}

#[tokio::test]
async fn pages_follow_the_link_header_without_gaps_or_repeats() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let mut posted = Vec::new();
    for i in 0..7 {
        posted.push(
            post_status(&s, &alice, json!({"status": format!("post {i}")})).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    posted.reverse();
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/accounts/{}/statuses?limit=3", alice.id);
    loop {
        let (status, headers, page) = s.call_full(Method::GET, &path, None, None).await;
        assert_eq!(status, 200);
        let items = page.as_array().unwrap();
        if items.is_empty() {
            break;
        }
        seen.extend(
            items
                .iter()
                .map(|st| st["id"].as_str().unwrap().to_string()),
        );
        let link = headers["link"].to_str().unwrap();
        let next = link
            .split(", ")
            .find(|l| l.ends_with("rel=\"next\""))
            .unwrap();
        path = next
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .trim_start_matches(&s.base)
            .to_string();
    }
    assert_eq!(seen, posted);
    // min_id gives the page just above the cursor, still newest first.
    let (_, above) = s
        .get(
            &format!(
                "/api/v1/accounts/{}/statuses?min_id={}&limit=2",
                alice.id, posted[4]
            ),
            None,
        )
        .await;
    let ids: Vec<&str> = above
        .as_array()
        .unwrap()
        .iter()
        .map(|st| st["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![posted[2].as_str(), posted[3].as_str()]);
    s.stop().await;
}

//! Three Tessera instances on loopback ports, each with its own database, federating over
//! signed HTTP through their queues: follows (and a locked account's request), posts,
//! replies, favourites, reblogs, notifications, edits, deletes, blocks and unfollows;
//! then `tessera replay` on each finds no difference.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

const FEDERATION_WAIT: Duration = Duration::from_secs(20);

/// `who` on `at` looks up `handle` (`user@host:port`) and gets the local id of it.
async fn lookup(at: &TestServer, who: &User, handle: &str) -> Value {
    let (status, account) = at
        .get(
            &format!("/api/v1/accounts/lookup?acct={handle}"),
            Some(&who.token),
        )
        .await;
    assert_eq!(status, 200, "lookup of {handle}: {account}");
    assert_schema("Account", &account);
    account
}

async fn relationship(at: &TestServer, who: &User, id: &str) -> Value {
    let (status, rels) = at
        .get(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(&who.token),
        )
        .await;
    assert_eq!(status, 200, "{rels}");
    rels[0].clone()
}

async fn home_contents(at: &TestServer, who: &User) -> Vec<Value> {
    let (status, home) = at.get("/api/v1/timelines/home", Some(&who.token)).await;
    assert_eq!(status, 200, "{home}");
    home.as_array().cloned().unwrap_or_default()
}

async fn notification_types(at: &TestServer, who: &User) -> Vec<String> {
    let (_, list) = at.get("/api/v1/notifications", Some(&who.token)).await;
    list.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n["type"].as_str().map(str::to_string))
        .collect()
}

/// The status with this ActivityPub `uri` in `who`'s home timeline, if there.
async fn in_home(at: &TestServer, who: &User, uri: &str) -> Option<Value> {
    home_contents(at, who)
        .await
        .into_iter()
        .find(|s| s["uri"] == uri || s["reblog"]["uri"] == uri)
}

#[tokio::test]
async fn three_instances_follow_post_reply_favourite_edit_delete_block_and_replay() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    let c = TestServer::federating().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let carol = c.user("carol").await;
    let (status, _) = c
        .call(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&carol.token),
            Some(json!({"locked": true})),
        )
        .await;
    assert_eq!(status, 200);

    // a follows b: the request is answered by b's server and a sees it accepted.
    let bob_at_a = lookup(&a, &alice, &format!("bob@{}", b.domain())).await;
    assert_eq!(bob_at_a["acct"], format!("bob@{}", b.domain()));
    let bob_id = bob_at_a["id"].as_str().unwrap().to_string();
    let (status, rel) = a
        .post(
            &format!("/api/v1/accounts/{bob_id}/follow"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    assert_schema("Relationship", &rel);
    wait_until("a's follow of b accepted", FEDERATION_WAIT, || async {
        relationship(&a, &alice, &bob_id).await["following"] == true
    })
    .await;
    let (_, bob_me) = b
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(bob_me["followers_count"], 1);
    wait_until("b notified of the follow", FEDERATION_WAIT, || async {
        notification_types(&b, &bob)
            .await
            .contains(&"follow".to_string())
    })
    .await;

    // b posts; it reaches a's home timeline.
    let (status, post) = b
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "Hello from b #federation", "visibility": "public"}),
        )
        .await;
    assert_eq!(status, 200, "{post}");
    let post_uri = post["uri"].as_str().unwrap().to_string();
    wait_until("b's post in a's home timeline", FEDERATION_WAIT, || async {
        in_home(&a, &alice, &post_uri).await.is_some()
    })
    .await;
    let at_a = in_home(&a, &alice, &post_uri).await.unwrap();
    assert_schema("Status", &at_a);
    assert!(at_a["content"].as_str().unwrap().contains("Hello from b"));
    assert_eq!(at_a["account"]["acct"], format!("bob@{}", b.domain()));
    let post_at_a = at_a["id"].as_str().unwrap().to_string();

    // a replies, favourites and reblogs; b is notified of each and counts them.
    let (status, reply) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": format!("@bob@{} nice to meet you", b.domain()), "in_reply_to_id": post_at_a}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    for action in ["favourite", "reblog"] {
        let (status, body) = a
            .post(
                &format!("/api/v1/statuses/{post_at_a}/{action}"),
                Some(&alice.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    wait_until(
        "b notified of mention, favourite and reblog",
        FEDERATION_WAIT,
        || async {
            let types = notification_types(&b, &bob).await;
            ["mention", "favourite", "reblog"]
                .iter()
                .all(|t| types.contains(&t.to_string()))
        },
    )
    .await;
    let post_id = post["id"].as_str().unwrap();
    let (_, counted) = b
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&bob.token))
        .await;
    assert_eq!(counted["favourites_count"], 1, "{counted}");
    assert_eq!(counted["reblogs_count"], 1, "{counted}");
    assert_eq!(counted["replies_count"], 1, "{counted}");

    // b edits: a sees the new text and both versions.
    let (status, edited) = b
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{post_id}"),
            Some(&bob.token),
            Some(json!({"status": "Hello again from b"})),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_schema("Status", &edited);
    wait_until("the edit reaches a", FEDERATION_WAIT, || async {
        let (_, s) = a
            .get(&format!("/api/v1/statuses/{post_at_a}"), Some(&alice.token))
            .await;
        s["content"]
            .as_str()
            .is_some_and(|c| c.contains("Hello again"))
    })
    .await;
    let (status, history) = a
        .get(
            &format!("/api/v1/statuses/{post_at_a}/history"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
    let (_, at_a) = a
        .get(&format!("/api/v1/statuses/{post_at_a}"), Some(&alice.token))
        .await;
    assert!(at_a["edited_at"].is_string(), "{at_a}");

    // b deletes: gone at a.
    let (status, _) = b
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{post_id}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    wait_until("the delete reaches a", FEDERATION_WAIT, || async {
        a.get(&format!("/api/v1/statuses/{post_at_a}"), Some(&alice.token))
            .await
            .0
            == 404
    })
    .await;

    // a follows the locked c: a request until carol authorises it.
    let carol_at_a = lookup(&a, &alice, &format!("carol@{}", c.domain())).await;
    assert_eq!(carol_at_a["locked"], true);
    let carol_id = carol_at_a["id"].as_str().unwrap().to_string();
    let (_, rel) = a
        .post(
            &format!("/api/v1/accounts/{carol_id}/follow"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(rel["requested"], true, "{rel}");
    wait_until("c receives the follow request", FEDERATION_WAIT, || async {
        let (_, list) = c.get("/api/v1/follow_requests", Some(&carol.token)).await;
        list.as_array().is_some_and(|l| !l.is_empty())
    })
    .await;
    let (_, list) = c.get("/api/v1/follow_requests", Some(&carol.token)).await;
    let requester = list[0]["id"].as_str().unwrap().to_string();
    let (status, _) = c
        .post(
            &format!("/api/v1/follow_requests/{requester}/authorize"),
            Some(&carol.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    wait_until("a's request to c authorised", FEDERATION_WAIT, || async {
        relationship(&a, &alice, &carol_id).await["following"] == true
    })
    .await;

    // a blocks b: b no longer has a follower there.
    let (status, rel) = a
        .post(
            &format!("/api/v1/accounts/{bob_id}/block"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    assert_eq!(rel["blocking"], true);
    assert_eq!(rel["following"], false);
    wait_until("b loses its follower", FEDERATION_WAIT, || async {
        let (_, me) = b
            .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
            .await;
        me["followers_count"] == 0
    })
    .await;

    // a unfollows c.
    let (status, _) = a
        .post(
            &format!("/api/v1/accounts/{carol_id}/unfollow"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    wait_until("c loses its follower", FEDERATION_WAIT, || async {
        let (_, me) = c
            .get("/api/v1/accounts/verify_credentials", Some(&carol.token))
            .await;
        me["followers_count"] == 0
    })
    .await;

    for (name, server) in [("a", &a), ("b", &b), ("c", &c)] {
        let (ok, out) = server.replay(false).await;
        assert!(ok, "replay on {name}: {out}");
    }
    a.stop().await;
    b.stop().await;
    c.stop().await;
}

/// Without `TESSERA_ALLOW_PRIVATE_ADDRESSES`, nothing on loopback is fetched: neither a
/// handle to look up nor the key of a request signed from there.
#[tokio::test]
async fn private_addresses_are_not_fetched_unless_the_operator_allows_it() {
    let guarded = TestServer::start().await;
    let open = TestServer::federating().await;
    let alice = guarded.user("alice").await;
    open.user("bob").await;
    let (status, body) = guarded
        .get(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", open.domain()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    for host in [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "[::1]",
        "0.0.0.0",
    ] {
        let (status, _) = guarded
            .get(
                &format!("/api/v1/accounts/lookup?acct=x@{host}"),
                Some(&alice.token),
            )
            .await;
        assert_eq!(status, 404, "{host}");
    }
    let peer = crate::peer::Peer::start(&["mallory"]).await;
    let mallory = peer.actor_id("mallory");
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{mallory}/follows/1"), "type": "Follow", "actor": mallory,
        "object": format!("{}/users/alice", guarded.base),
    });
    let before = guarded.event_count().await;
    let status = peer
        .post(
            &guarded.url("/inbox"),
            follow.to_string().as_bytes(),
            &peer.signing(&mallory),
        )
        .await;
    assert_eq!(status, 401, "a key on a loopback address is not fetched");
    assert_eq!(guarded.event_count().await, before);
    guarded.stop().await;
    open.stop().await;
}

/// Search finds remote accounts by handle and posts by URL (fetching them), and a newly
/// found account's recent public posts are fetched from its outbox.
#[tokio::test]
async fn search_resolves_remote_handles_and_urls_and_first_sight_fetches_the_outbox() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let (_, older) = b
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "posted before anyone knew me"}),
        )
        .await;
    let older_uri = older["uri"].as_str().unwrap().to_string();

    let handle = format!("@bob@{}", b.domain());
    let (status, found) = a
        .get(
            &format!("/api/v2/search?q={handle}&resolve=true&type=accounts"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    assert_schema("Search", &found);
    assert_eq!(found["accounts"][0]["acct"], format!("bob@{}", b.domain()));
    let bob_id = found["accounts"][0]["id"].as_str().unwrap().to_string();
    wait_until(
        "bob's older post arrives from his outbox",
        FEDERATION_WAIT,
        || async {
            let (_, posts) = a
                .get(
                    &format!("/api/v1/accounts/{bob_id}/statuses"),
                    Some(&alice.token),
                )
                .await;
            posts
                .as_array()
                .is_some_and(|p| p.iter().any(|s| s["uri"] == older_uri.as_str()))
        },
    )
    .await;

    let (_, newer) = b
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "found by its address"}),
        )
        .await;
    let url = newer["url"].as_str().unwrap();
    let (_, unresolved) = a
        .get(
            &format!("/api/v2/search?q={url}&resolve=false"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(unresolved["statuses"].as_array().unwrap().len(), 0);
    let (status, found) = a
        .get(
            &format!("/api/v2/search?q={url}&resolve=true"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    assert_schema("Search", &found);
    assert_eq!(found["statuses"][0]["uri"], newer["uri"], "{found}");
    a.stop().await;
    b.stop().await;
}

/// With authorized fetch on, documents go only to signed requests; another server's
/// signed fetches (signed by its instance actor) still work, and web pages stay public.
#[tokio::test]
async fn authorized_fetch_serves_documents_only_to_signed_requests() {
    let a = TestServer::federating().await;
    let b = TestServer::start_with(&[
        ("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true"),
        ("TESSERA_AUTHORIZED_FETCH", "true"),
    ])
    .await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let (_, post) = b
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "for signed eyes"}),
        )
        .await;
    for url in [
        b.url("/users/bob"),
        post["uri"].as_str().unwrap().to_string(),
        b.url("/users/bob/outbox?page=true"),
        b.url("/users/bob/followers"),
    ] {
        let r = b
            .http
            .get(&url)
            .header("accept", "application/activity+json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "unsigned GET of {url}");
    }
    for url in [
        b.url("/@bob"),
        b.url("/actor"),
        b.url("/.well-known/nodeinfo"),
    ] {
        let accept = if url.ends_with("/@bob") {
            "text/html"
        } else {
            "application/activity+json"
        };
        let r = b
            .http
            .get(&url)
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{url} stays public");
    }
    let found = lookup(&a, &alice, &format!("bob@{}", b.domain())).await;
    assert_eq!(found["username"], "bob");
    let (status, found) = a
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true",
                post["uri"].as_str().unwrap()
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(found["statuses"][0]["uri"], post["uri"], "{found}");
    a.stop().await;
    b.stop().await;
}

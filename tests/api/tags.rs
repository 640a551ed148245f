//! Hashtags: following one brings its public posts home; featuring shows them on the
//! profile; trends are computed from the week's public activity.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn post(server: &TestServer, user: &User, body: Value) -> String {
    let (status, posted) = server
        .post("/api/v1/statuses", Some(&user.token), body)
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

async fn home_ids(server: &TestServer, user: &User) -> Vec<String> {
    let (_, home) = server
        .get("/api/v1/timelines/home", Some(&user.token))
        .await;
    home.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_followed_hashtag_brings_public_posts_home() {
    let server = TestServer::start().await;
    let [alice, bob, carol] = <[User; 3]>::try_from(server.users("u", 3).await)
        .ok()
        .unwrap();
    server
        .post(
            &format!("/api/v1/accounts/{}/block", carol.id),
            Some(&alice.token),
            json!({}),
        )
        .await;

    let (status, tag) = server
        .post(
            "/api/v1/tags/RustLang/follow",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{tag}");
    assert_schema("Tag", &tag);
    assert_eq!(
        (tag["name"].as_str(), tag["following"].as_bool()),
        (Some("rustlang"), Some(true))
    );
    let (status, _) = server
        .post("/api/v1/tags/123/follow", Some(&alice.token), json!({}))
        .await;
    assert_eq!(status, 422, "not a hashtag");

    let public = post(&server, &bob, json!({"status": "#RustLang is great"})).await;
    let unlisted = post(
        &server,
        &bob,
        json!({"status": "#rustlang aside", "visibility": "unlisted"}),
    )
    .await;
    let blocked = post(
        &server,
        &carol,
        json!({"status": "#rustlang from a blocked account"}),
    )
    .await;
    let marker = post(&server, &alice, json!({"status": "my own"})).await;
    server
        .eventually("the tagged post comes home", || async {
            let home = home_ids(&server, &alice).await;
            home.contains(&public) && home.contains(&marker)
        })
        .await;
    let home = home_ids(&server, &alice).await;
    assert!(!home.contains(&unlisted), "only public posts");
    assert!(!home.contains(&blocked), "not from blocked accounts");

    let (_, followed) = server
        .get("/api/v1/followed_tags", Some(&alice.token))
        .await;
    assert_each("Tag", &followed);
    assert_eq!(followed[0]["name"], "rustlang");
    assert_eq!(
        followed[0]["history"][0]["uses"], "2",
        "today's public uses"
    );

    let (_, tag) = server
        .post(
            "/api/v1/tags/rustlang/unfollow",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(tag["following"], false);
    let later = post(&server, &bob, json!({"status": "#rustlang again"})).await;
    let marker = post(&server, &alice, json!({"status": "mine again"})).await;
    server
        .eventually("alice's own post", || async {
            home_ids(&server, &alice).await.contains(&marker)
        })
        .await;
    assert!(!home_ids(&server, &alice).await.contains(&later));

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

#[tokio::test]
async fn featured_hashtags_show_on_the_profile_and_trends_follow_activity() {
    let server = TestServer::start().await;
    let [alice, bob, carol] = <[User; 3]>::try_from(server.users("u", 3).await)
        .ok()
        .unwrap();
    post(&server, &alice, json!({"status": "#photography one"})).await;
    let liked = post(&server, &alice, json!({"status": "#photography two"})).await;
    post(&server, &alice, json!({"status": "#travel"})).await;
    post(&server, &bob, json!({"status": "#popular"})).await;
    post(&server, &carol, json!({"status": "#popular too"})).await;

    let (_, suggested) = server
        .get("/api/v1/featured_tags/suggestions", Some(&alice.token))
        .await;
    assert_each("Tag", &suggested);
    let names: Vec<&str> = suggested
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["photography", "travel"], "most used first");

    let (status, featured) = server
        .post(
            "/api/v1/featured_tags",
            Some(&alice.token),
            json!({"name": "#Photography"}),
        )
        .await;
    assert_eq!(status, 200, "{featured}");
    assert_schema("FeaturedTag", &featured);
    assert_eq!(featured["statuses_count"], "2");
    let (_, on_profile) = server
        .get(
            &format!("/api/v1/accounts/{}/featured_tags", alice.id),
            None,
        )
        .await;
    assert_each("FeaturedTag", &on_profile);
    assert_eq!(on_profile[0]["name"], "photography");
    let (status, headers, collection) = server
        .call_full(Method::GET, "/users/u0/collections/tags", None, None)
        .await;
    assert_eq!(status, 200, "{headers:?}");
    assert_eq!(collection["orderedItems"][0]["name"], "#photography");
    for i in 0..9 {
        let (status, _) = server
            .post(
                "/api/v1/featured_tags",
                Some(&alice.token),
                json!({"name": format!("tag{i}")}),
            )
            .await;
        assert_eq!(status, 200);
    }
    let (status, _) = server
        .post(
            "/api/v1/featured_tags",
            Some(&alice.token),
            json!({"name": "eleventh"}),
        )
        .await;
    assert_eq!(status, 422, "at most ten");
    let id = featured["id"].as_str().unwrap();
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/featured_tags/{id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, mine) = server
        .get("/api/v1/featured_tags", Some(&alice.token))
        .await;
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .all(|t| t["name"] != "photography")
    );

    let (_, trends) = server.get("/api/v1/trends/tags", None).await;
    assert_each("Tag", &trends);
    assert_eq!(
        trends[0]["name"], "popular",
        "used by the most people: {trends}"
    );
    assert_eq!(trends[0]["history"][0]["accounts"], "2");
    server
        .post(
            &format!("/api/v1/statuses/{liked}/favourite"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    let (_, statuses) = server.get("/api/v1/trends/statuses", None).await;
    assert_each("Status", &statuses);
    let ids: Vec<&str> = statuses
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [liked.as_str()],
        "only posts with boosts or favourites"
    );
    let (_, links) = server.get("/api/v1/trends/links", None).await;
    assert_eq!(links, json!([]));

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

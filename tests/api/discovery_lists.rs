//! Follow suggestions (friends of friends first, then popular local accounts) and the
//! profile directory; accounts that opt out of discovery are in neither.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

fn ids(list: &Value, at: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let a = if at.is_empty() { v } else { &v[at] };
            a["id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test]
async fn suggestions_and_the_directory_show_discoverable_accounts() {
    let server = TestServer::start().await;
    let [alice, bob, carol, dave, erin] = <[User; 5]>::try_from(server.users("u", 5).await)
        .ok()
        .unwrap();
    let follow = |who: &User, whom: &User| {
        let path = format!("/api/v1/accounts/{}/follow", whom.id);
        let token = who.token.clone();
        let server = &server;
        async move { server.post(&path, Some(&token), json!({})).await }
    };
    follow(&alice, &bob).await;
    follow(&bob, &carol).await;
    follow(&carol, &dave).await;

    let (status, v2) = server.get("/api/v2/suggestions", Some(&alice.token)).await;
    assert_eq!(status, 200, "{v2}");
    assert_each("Suggestion", &v2);
    let suggested = ids(&v2, "account");
    assert_eq!(
        suggested[0], carol.id,
        "followed by someone alice follows: {v2}"
    );
    assert_eq!(v2[0]["sources"], json!(["friends_of_friends"]));
    assert_eq!(
        suggested[1..],
        [dave.id.clone(), erin.id.clone()],
        "then the most followed"
    );
    assert_eq!(v2[1]["sources"], json!(["most_followed"]));
    assert!(!suggested.contains(&bob.id), "already followed");
    assert!(!suggested.contains(&alice.id), "not oneself");

    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/suggestions/{}", carol.id),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, v1) = server.get("/api/v1/suggestions", Some(&alice.token)).await;
    assert_each("Account", &v1);
    assert!(!ids(&v1, "").contains(&carol.id), "dismissed");

    let (status, _) = server
        .call(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&erin.token),
            Some(json!({"discoverable": false})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, v1) = server.get("/api/v1/suggestions", Some(&alice.token)).await;
    assert!(!ids(&v1, "").contains(&erin.id), "erin opted out");

    for (who, text) in [(&dave, "first"), (&bob, "second")] {
        server
            .post(
                "/api/v1/statuses",
                Some(&who.token),
                json!({"status": text}),
            )
            .await;
    }
    let (_, active) = server.get("/api/v1/directory?order=active", None).await;
    assert_each("Account", &active);
    assert_eq!(
        ids(&active, ""),
        [bob.id.clone(), dave.id.clone()],
        "who posted, latest first"
    );
    let (_, new) = server
        .get("/api/v1/directory?order=new&local=true", None)
        .await;
    let new = ids(&new, "");
    let mut expected: Vec<String> = [&alice, &bob, &carol, &dave]
        .iter()
        .map(|u| u.id.clone())
        .collect();
    expected.sort_by_key(|id| std::cmp::Reverse(id.parse::<i64>().unwrap()));
    assert_eq!(
        new, expected,
        "newest first (ids follow time), erin left out"
    );
    let (status, _) = server.get("/api/v1/directory?order=loudest", None).await;
    assert_eq!(status, 422);

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

//! Bookmarks and favourites lists: private to their owner, `bookmarked` on the status,
//! listed newest mark first with Link paging, gone when the post is deleted.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn post(server: &TestServer, user: &User, text: &str) -> String {
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&user.token),
            json!({"status": text}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

fn contents(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn bookmarks_are_listed_newest_first_in_pages_and_stay_private() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let ids: Vec<String> = {
        let mut ids = Vec::new();
        for text in ["one", "two", "three"] {
            ids.push(post(&server, &alice, text).await);
        }
        ids
    };
    // Bookmarked in the order three, one, two: the list follows the bookmarks, not the posts.
    for i in [2, 0, 1] {
        let (status, marked) = server
            .post(
                &format!("/api/v1/statuses/{}/bookmark", ids[i]),
                Some(&bob.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{marked}");
        assert_schema("Status", &marked);
        assert_eq!(marked["bookmarked"], true);
    }
    // Bookmarking again changes nothing.
    let (status, _) = server
        .post(
            &format!("/api/v1/statuses/{}/bookmark", ids[0]),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);

    let (status, headers, first) = server
        .call_full(
            Method::GET,
            "/api/v1/bookmarks?limit=2",
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{first}");
    assert_each("Status", &first);
    let first_page = contents(&first);
    assert_eq!(first_page.len(), 2);
    assert!(
        first_page[0].contains("two") && first_page[1].contains("one"),
        "{first_page:?}"
    );
    let link = headers["link"].to_str().unwrap().to_string();
    let next = link
        .split(',')
        .find(|l| l.contains("rel=\"next\""))
        .and_then(|l| l.split(['<', '>']).nth(1))
        .unwrap()
        .to_string();
    let next_path = next.split_once("://").unwrap().1;
    let next_path = &next_path[next_path.find('/').unwrap()..];
    let (status, second) = server.get(next_path, Some(&bob.token)).await;
    assert_eq!(status, 200, "{second}");
    let second_page = contents(&second);
    assert_eq!(second_page.len(), 1);
    assert!(second_page[0].contains("three"));

    // Only bob's: alice sees no bookmarks and her own post is not marked for her.
    let (_, alices) = server.get("/api/v1/bookmarks", Some(&alice.token)).await;
    assert_eq!(alices, json!([]));
    let (_, seen_by_alice) = server
        .get(&format!("/api/v1/statuses/{}", ids[0]), Some(&alice.token))
        .await;
    assert_eq!(seen_by_alice["bookmarked"], false);

    let (status, unmarked) = server
        .post(
            &format!("/api/v1/statuses/{}/unbookmark", ids[1]),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(unmarked["bookmarked"], false);
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", ids[2]),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, left) = server.get("/api/v1/bookmarks", Some(&bob.token)).await;
    let left = contents(&left);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].contains("one"));

    // A status bob may not see cannot be bookmarked.
    let (_, private) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "followers only", "visibility": "private"}),
        )
        .await;
    let (status, _) = server
        .post(
            &format!(
                "/api/v1/statuses/{}/bookmark",
                private["id"].as_str().unwrap()
            ),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = server.get("/api/v1/bookmarks", None).await;
    assert_eq!(status, 401);

    let (ok, report) = server.replay(false).await;
    assert!(ok, "replay finds no difference: {report}");
    server.stop().await;
}

#[tokio::test]
async fn favourites_are_listed_newest_favourite_first() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let older = post(&server, &alice, "older post").await;
    let newer = post(&server, &alice, "newer post").await;
    for id in [&newer, &older] {
        let (status, _) = server
            .post(
                &format!("/api/v1/statuses/{id}/favourite"),
                Some(&bob.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
    }
    let (status, list) = server.get("/api/v1/favourites", Some(&bob.token)).await;
    assert_eq!(status, 200, "{list}");
    assert_each("Status", &list);
    let list = contents(&list);
    assert_eq!(list.len(), 2);
    assert!(
        list[0].contains("older post"),
        "newest favourite first: {list:?}"
    );
    let (_, mine) = server.get("/api/v1/favourites", Some(&alice.token)).await;
    assert_eq!(mine, json!([]));
    server.stop().await;
}

//! Many writers on one status and one account: counts come out exact, and every request
//! either succeeds or gets a clean conflict, never a server error.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn concurrent_favourites_and_follows_end_with_exact_counts() {
    let s = TestServer::start().await;
    let author = s.user("author").await;
    let fans = s.users("fan", 100).await;
    let (_, posted) = s
        .post(
            "/api/v1/statuses",
            Some(&author.token),
            json!({"status": "popular"}),
        )
        .await;
    let status_id = posted["id"].as_str().unwrap().to_string();

    let favourite = format!("/api/v1/statuses/{status_id}/favourite");
    let follow = format!("/api/v1/accounts/{}/follow", author.id);
    let favourites = futures::future::join_all(
        fans.iter()
            .map(|fan| s.post(&favourite, Some(&fan.token), json!({}))),
    )
    .await;
    let follows = futures::future::join_all(
        fans.iter()
            .take(50)
            .map(|fan| s.post(&follow, Some(&fan.token), json!({}))),
    )
    .await;
    // The same fan favouriting again, many times at once, changes nothing.
    let repeats = futures::future::join_all(
        (0..20).map(|_| s.post(&favourite, Some(&fans[0].token), json!({}))),
    )
    .await;

    for (status, body) in favourites
        .iter()
        .chain(follows.iter())
        .chain(repeats.iter())
    {
        assert!(
            status.as_u16() == 200 || status.as_u16() == 409,
            "{status}: {body}"
        );
    }
    let ok = favourites.iter().filter(|(s, _)| s.as_u16() == 200).count();
    let (_, shown) = s.get(&format!("/api/v1/statuses/{status_id}"), None).await;
    assert_eq!(
        shown["favourites_count"],
        json!(ok),
        "one favourite per successful request"
    );
    assert_eq!(ok, 100, "favourites by different accounts never conflict");
    let followed = follows.iter().filter(|(s, _)| s.as_u16() == 200).count();
    let (_, account) = s
        .get(&format!("/api/v1/accounts/{}", author.id), None)
        .await;
    assert_eq!(account["followers_count"], json!(followed));
    assert_eq!(followed, 50);

    let db = &s.running.as_ref().unwrap().app.db;
    let favourited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE kind = 'StatusFavourited'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(favourited, 100, "repeated favourites appended nothing");
    // The log's sequence has no gaps.
    let (count, max): (i64, i64) = sqlx::query_as("SELECT COUNT(*), MAX(seq) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, max);
    s.stop().await;
}

//! Home-feed fan-out: who sees a status in their home timeline. Checkpointed; the author's
//! own row is also written inline so they see their post at once (inserts are idempotent).

use crate::db::Conn;
use crate::eventlog::Recorded;
use crate::events::*;

/// How many of a newly followed account's statuses are merged into the follower's feed.
pub const MERGE_ON_FOLLOW: i64 = 40;

pub async fn apply(conn: &mut Conn, rec: &Recorded) -> Result<(), sqlx::Error> {
    match &rec.event {
        Event::StatusPosted(e) => fan_out_status(conn, e).await,
        Event::StatusReblogged(e) => {
            if !matches!(e.visibility.as_str(), "public" | "unlisted") {
                return insert(
                    conn,
                    e.account_id,
                    e.reblog_id,
                    e.account_id,
                    Some(e.status_id),
                )
                .await;
            }
            sqlx::query(
                "INSERT INTO home_feed (account_id, status_id, author_id, reblog_of_id) \
                 SELECT f.account_id, $2, $1, $3 FROM follows f \
                 JOIN local_users u ON u.account_id = f.account_id WHERE f.target_account_id = $1 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(e.account_id)
            .bind(e.reblog_id)
            .bind(e.status_id)
            .execute(&mut *conn)
            .await?;
            if e.uri.is_some() {
                return Ok(());
            }
            insert(
                conn,
                e.account_id,
                e.reblog_id,
                e.account_id,
                Some(e.status_id),
            )
            .await
        }
        Event::StatusUnreblogged(e) => remove_status(conn, e.reblog_id).await,
        Event::StatusDeleted(e) => remove_status(conn, e.status_id).await,
        Event::Followed(e) | Event::FollowRequestAuthorized(e) => {
            merge(conn, e, rec.recorded_at).await
        }
        Event::Unfollowed(e) | Event::FollowerRemoved(e) => {
            sqlx::query("DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2")
                .bind(e.account_id)
                .bind(e.target_account_id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

pub async fn insert(
    conn: &mut Conn,
    account_id: i64,
    status_id: i64,
    author_id: i64,
    reblog_of_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO home_feed (account_id, status_id, author_id, reblog_of_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(account_id)
        .bind(status_id)
        .bind(author_id)
        .bind(reblog_of_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn remove_status(conn: &mut Conn, status_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM home_feed WHERE status_id = $1 OR reblog_of_id = $1")
        .bind(status_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Followers see public, unlisted and followers-only posts; a reply to someone else only
/// when they follow that account too (as Mastodon). Direct posts reach only who they mention.
async fn fan_out_status(conn: &mut Conn, e: &StatusPosted) -> Result<(), sqlx::Error> {
    if e.visibility == "direct" {
        for account_id in &e.mentions {
            insert(conn, *account_id, e.status_id, e.account_id, None).await?;
        }
    } else {
        match e
            .in_reply_to_account_id
            .filter(|other| *other != e.account_id)
        {
            None => {
                sqlx::query(
                    "INSERT INTO home_feed (account_id, status_id, author_id, reblog_of_id) \
                     SELECT f.account_id, $2, $1, NULL FROM follows f \
                     JOIN local_users u ON u.account_id = f.account_id \
                     WHERE f.target_account_id = $1 ON CONFLICT DO NOTHING",
                )
                .bind(e.account_id)
                .bind(e.status_id)
                .execute(&mut *conn)
                .await?;
            }
            Some(replied_to) => {
                sqlx::query(
                    "INSERT INTO home_feed (account_id, status_id, author_id, reblog_of_id) \
                     SELECT f.account_id, $2, $1, NULL FROM follows f \
                     JOIN local_users u ON u.account_id = f.account_id WHERE f.target_account_id = $1 \
                     AND EXISTS (SELECT 1 FROM follows g WHERE g.account_id = f.account_id AND g.target_account_id = $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(e.account_id)
                .bind(e.status_id)
                .bind(replied_to)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    if e.visibility == "public" && !e.tags.is_empty() {
        followers_of_tags(conn, e).await?;
    }
    if e.remote {
        return Ok(());
    }
    insert(conn, e.account_id, e.status_id, e.account_id, None).await
}

/// Those who follow one of a public post's hashtags see it too, unless a block stands
/// between them and the author.
async fn followers_of_tags(conn: &mut Conn, e: &StatusPosted) -> Result<(), sqlx::Error> {
    let tags: Vec<String> = e.tags.iter().map(|t| t.to_lowercase()).collect();
    let mut sql = crate::queries::Sql::new(
        "INSERT INTO home_feed (account_id, status_id, author_id, reblog_of_id) \
         SELECT DISTINCT ft.account_id, ",
    );
    sql.int(e.status_id)
        .push(", ")
        .int(e.account_id)
        .push(
            ", CAST(NULL AS BIGINT) FROM followed_tags ft JOIN local_users u ON u.account_id = ft.account_id \
             WHERE ft.tag IN (",
        )
        .texts(&tags)
        .push(") AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = ft.account_id AND b.target_account_id = ")
        .int(e.account_id)
        .push(") OR (b.target_account_id = ft.account_id AND b.account_id = ")
        .int(e.account_id)
        .push(")) ON CONFLICT DO NOTHING");
    sql.execute(conn).await
}

/// A new follow brings the followed account's recent posts (from before the follow) in.
async fn merge(conn: &mut Conn, e: &Follow, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO home_feed (account_id, status_id, author_id, reblog_of_id) \
         SELECT $1, id, account_id, reblog_of_id FROM statuses \
         WHERE account_id = $2 AND created_at <= $3 AND visibility IN ('public', 'unlisted', 'private') \
         AND (in_reply_to_account_id IS NULL OR in_reply_to_account_id = $2) \
         AND EXISTS (SELECT 1 FROM local_users WHERE account_id = $1) \
         ORDER BY id DESC LIMIT $4 ON CONFLICT DO NOTHING",
    )
    .bind(e.account_id)
    .bind(e.target_account_id)
    .bind(at)
    .bind(MERGE_ON_FOLLOW)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

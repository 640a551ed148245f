//! Read-side queries for the documents other servers fetch.

use std::collections::HashMap;

use tessera_federation::nodeinfo::Usage;

use super::Sql;

use crate::db::Conn;

pub async fn public_key(conn: &mut Conn, account_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT public_key_pem FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await
}

/// Statuses an outbox shows: public and unlisted originals (not reblogs).
pub async fn public_status_count(conn: &mut Conn, account_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM statuses WHERE account_id = $1 AND reblog_of_id IS NULL AND visibility IN ('public', 'unlisted')",
    )
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await
}

/// Users and local posts for NodeInfo; "active" means posted within the period.
pub async fn usage(conn: &mut Conn) -> Result<Usage, sqlx::Error> {
    let now = crate::time::now_ms();
    let day = 86_400_000_i64;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM local_users")
        .fetch_one(&mut *conn)
        .await?;
    let active = |since: i64| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM accounts a JOIN local_users u ON u.account_id = a.id WHERE a.last_status_at >= $1",
        )
        .bind(since)
    };
    let active_month = active(now - 30 * day).fetch_one(&mut *conn).await?;
    let active_half_year = active(now - 180 * day).fetch_one(&mut *conn).await?;
    let local_posts: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM statuses WHERE local = 1 AND reblog_of_id IS NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Usage {
        users,
        active_month,
        active_half_year,
        local_posts,
    })
}

/// The ActivityPub ids of the statuses these reply to (for `inReplyTo`).
pub async fn parent_uris(
    conn: &mut Conn,
    parent_ids: &[i64],
) -> Result<HashMap<i64, String>, sqlx::Error> {
    if parent_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new("SELECT id, uri FROM statuses WHERE id IN (");
    sql.ints(parent_ids).push(")");
    Ok(sql
        .fetch_all::<(i64, String)>(conn)
        .await?
        .into_iter()
        .collect())
}

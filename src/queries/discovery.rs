//! Accounts to discover: suggestions to follow and the profile directory. Both show only
//! discoverable accounts that are neither suspended nor silenced.

use super::Sql;
use crate::db::Conn;

const LISTED: &str = "a.discoverable = 1 AND a.suspended = 0 AND a.silenced = 0";

/// Accounts for `viewer` to follow, with why: first those followed by the accounts they
/// follow (`friends_of_friends`, by how many), then the most followed local accounts
/// (`most_followed`). Never oneself, accounts already followed, blocked either way, muted, or
/// dismissed.
pub async fn suggestions(
    conn: &mut Conn,
    viewer: i64,
    limit: i64,
) -> Result<Vec<(i64, &'static str)>, sqlx::Error> {
    let excluded = |sql: &mut Sql| {
        sql.push(" AND a.id <> ")
            .int(viewer)
            .push(" AND a.id NOT IN (SELECT target_account_id FROM follows WHERE account_id = ")
            .int(viewer)
            .push(") AND a.id NOT IN (SELECT target_account_id FROM blocks WHERE account_id = ")
            .int(viewer)
            .push(") AND a.id NOT IN (SELECT account_id FROM blocks WHERE target_account_id = ")
            .int(viewer)
            .push(") AND a.id NOT IN (SELECT target_account_id FROM mutes WHERE account_id = ")
            .int(viewer)
            .push(") AND a.id NOT IN (SELECT target_account_id FROM suggestion_dismissals WHERE account_id = ")
            .int(viewer)
            .push(")");
    };
    let mut sql = Sql::new(&format!(
        "SELECT a.id, COUNT(*) AS n FROM follows mine JOIN follows theirs ON theirs.account_id = mine.target_account_id \
         JOIN accounts a ON a.id = theirs.target_account_id WHERE {LISTED} AND mine.account_id = "
    ));
    sql.int(viewer);
    excluded(&mut sql);
    sql.push(" GROUP BY a.id ORDER BY n DESC, a.id DESC LIMIT ")
        .int(limit);
    let mut out: Vec<(i64, &'static str)> = sql
        .fetch_all::<(i64, i64)>(conn)
        .await?
        .into_iter()
        .map(|(id, _)| (id, "friends_of_friends"))
        .collect();
    if (out.len() as i64) < limit {
        let mut sql = Sql::new(&format!(
            "SELECT a.id FROM accounts a JOIN local_users u ON u.account_id = a.id \
             WHERE {LISTED} AND u.approved = 1 AND u.disabled = 0"
        ));
        excluded(&mut sql);
        let known: Vec<i64> = out.iter().map(|(id, _)| *id).collect();
        sql.push(" AND a.id NOT IN (")
            .ints(&known)
            .push(") ORDER BY a.followers_count DESC, a.id DESC LIMIT ")
            .int(limit - out.len() as i64);
        out.extend(
            sql.fetch_all::<(i64,)>(conn)
                .await?
                .into_iter()
                .map(|(id,)| (id, "most_followed")),
        );
    }
    Ok(out)
}

/// The profile directory: `active` (the most recent posters first) or `new` accounts,
/// local only when asked.
pub async fn directory(
    conn: &mut Conn,
    order_new: bool,
    local: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT a.id FROM accounts a WHERE {LISTED}"));
    if local {
        sql.push(" AND a.domain IS NULL");
    }
    sql.push(if order_new {
        " ORDER BY a.created_at DESC, a.id DESC"
    } else {
        " AND a.last_status_at IS NOT NULL ORDER BY a.last_status_at DESC, a.id DESC"
    });
    sql.push(" LIMIT ").int(limit).push(" OFFSET ").int(offset);
    Ok(sql
        .fetch_all::<(i64,)>(conn)
        .await?
        .into_iter()
        .map(|(id,)| id)
        .collect())
}

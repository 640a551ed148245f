//! Hashtags: their recent use, the ones a user follows or features, and what trends.

use std::collections::HashMap;

use super::{Page, Sql};
use crate::db::Conn;

pub const DAY_MS: i64 = 86_400_000;
/// Days of history a Tag entity carries, and the window trends are computed over.
pub const HISTORY_DAYS: i64 = 7;

/// One day of a hashtag's use: posts and distinct accounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Day {
    /// The day's start, in seconds.
    pub day: i64,
    pub uses: i64,
    pub accounts: i64,
}

/// The last [`HISTORY_DAYS`] days of each tag's public use, newest day first.
pub async fn history(
    conn: &mut Conn,
    tags: &[String],
    now_ms: i64,
) -> Result<HashMap<String, Vec<Day>>, sqlx::Error> {
    let today = now_ms.div_euclid(DAY_MS);
    let mut sql = Sql::new(&format!(
        "SELECT t.tag, s.created_at / {DAY_MS} AS day, COUNT(*), COUNT(DISTINCT s.account_id) \
         FROM status_tags t JOIN statuses s ON s.id = t.status_id \
         WHERE s.visibility = 'public' AND t.tag IN ("
    ));
    sql.texts(tags)
        .push(") AND s.created_at >= ")
        .int((today - HISTORY_DAYS + 1) * DAY_MS)
        .push(" GROUP BY t.tag, s.created_at / ")
        .push(&DAY_MS.to_string());
    let rows: Vec<(String, i64, i64, i64)> = sql.fetch_all(conn).await?;
    Ok(by_day(&rows, tags, today))
}

/// `(key, day number, uses, accounts)` rows as each key's last [`HISTORY_DAYS`] days,
/// newest first, with the days nobody used it as zeros.
pub fn by_day(
    rows: &[(String, i64, i64, i64)],
    keys: &[String],
    today: i64,
) -> HashMap<String, Vec<Day>> {
    let mut out: HashMap<String, Vec<Day>> = HashMap::new();
    for key in keys {
        let days = (0..HISTORY_DAYS)
            .map(|back| {
                let day = today - back;
                rows.iter()
                    .filter(|(k, d, _, _)| k == key && *d == day)
                    .fold(
                        Day {
                            day: day * DAY_MS / 1000,
                            ..Day::default()
                        },
                        |acc, (_, _, uses, accounts)| Day {
                            uses: acc.uses + uses,
                            accounts: acc.accounts + accounts,
                            ..acc
                        },
                    )
            })
            .collect();
        out.insert(key.clone(), days);
    }
    out
}

/// The hashtags `account_id` follows, most recent first, paged by when they were followed.
pub async fn followed(
    conn: &mut Conn,
    account_id: i64,
    page: &Page,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let mut sql = Sql::new("SELECT created_at, tag FROM followed_tags WHERE account_id = ");
    sql.int(account_id);
    page.apply(&mut sql, "created_at");
    Ok(page.finish(sql.fetch_all(conn).await?))
}

/// Of `tags`, those `account_id` follows and those it features.
pub async fn flags(
    conn: &mut Conn,
    account_id: i64,
    tags: &[String],
) -> Result<(Vec<String>, Vec<String>), sqlx::Error> {
    let of = |table: &str| {
        let mut sql = Sql::new(&format!("SELECT tag FROM {table} WHERE account_id = "));
        sql.int(account_id)
            .push(" AND tag IN (")
            .texts(tags)
            .push(")");
        sql
    };
    let following: Vec<(String,)> = of("followed_tags").fetch_all(conn).await?;
    let featuring: Vec<(String,)> = of("featured_tags").fetch_all(conn).await?;
    Ok((
        following.into_iter().map(|(t,)| t).collect(),
        featuring.into_iter().map(|(t,)| t).collect(),
    ))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeaturedRow {
    pub id: i64,
    pub tag: String,
    pub statuses_count: i64,
    pub last_status_at: Option<i64>,
}

/// An account's featured hashtags, with how often (and when last) it used each publicly.
pub async fn featured(conn: &mut Conn, account_id: i64) -> Result<Vec<FeaturedRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT f.id, f.tag, \
         (SELECT COUNT(*) FROM status_tags t JOIN statuses s ON s.id = t.status_id \
          WHERE t.tag = f.tag AND s.account_id = f.account_id AND s.visibility IN ('public', 'unlisted')) AS statuses_count, \
         (SELECT MAX(s.created_at) FROM status_tags t JOIN statuses s ON s.id = t.status_id \
          WHERE t.tag = f.tag AND s.account_id = f.account_id AND s.visibility IN ('public', 'unlisted')) AS last_status_at \
         FROM featured_tags f WHERE f.account_id = $1 ORDER BY f.id",
    )
    .bind(account_id)
    .fetch_all(conn)
    .await
}

/// The hashtags an account uses most and does not feature yet.
pub async fn suggestions(conn: &mut Conn, account_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT t.tag, COUNT(*) AS uses FROM status_tags t JOIN statuses s ON s.id = t.status_id \
         WHERE s.account_id = $1 AND t.tag NOT IN (SELECT tag FROM featured_tags WHERE account_id = $1) \
         GROUP BY t.tag ORDER BY uses DESC, t.tag LIMIT 10",
    )
    .bind(account_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(t, _)| t).collect())
}

/// Hashtags trending over the last week: used in public posts by the most accounts (then
/// the most posts), by accounts neither suspended nor silenced.
pub async fn trending(
    conn: &mut Conn,
    now_ms: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT t.tag, COUNT(DISTINCT s.account_id) AS people, COUNT(*) AS uses FROM status_tags t \
         JOIN statuses s ON s.id = t.status_id JOIN accounts a ON a.id = s.account_id \
         WHERE s.visibility = 'public' AND s.created_at >= $1 AND a.suspended = 0 AND a.silenced = 0 \
         GROUP BY t.tag ORDER BY people DESC, uses DESC, t.tag LIMIT $2 OFFSET $3",
    )
    .bind(now_ms - HISTORY_DAYS * DAY_MS)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(t, _, _)| t).collect())
}

/// Statuses trending over the last week: public, original, not replies, with the most
/// boosts and favourites (at least one), by accounts neither suspended nor silenced.
pub async fn trending_statuses(
    conn: &mut Conn,
    now_ms: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id \
         WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.in_reply_to_id IS NULL \
         AND s.created_at >= $1 AND a.suspended = 0 AND a.silenced = 0 \
         AND s.reblogs_count + s.favourites_count > 0 \
         ORDER BY s.reblogs_count + s.favourites_count DESC, s.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(now_ms - HISTORY_DAYS * DAY_MS)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

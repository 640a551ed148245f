//! Preview cards: those statuses show, the fetch of a page that can be reused, and the
//! links trending in public posts.

use std::collections::HashMap;

use super::Sql;
use super::tags::{DAY_MS, Day, HISTORY_DAYS, by_day};
use crate::db::Conn;
use crate::events::PreviewCard;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CardRow {
    pub url: String,
    pub title: String,
    pub description: String,
    pub kind: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    pub image_key: Option<String>,
    pub width: i64,
    pub height: i64,
    pub blurhash: Option<String>,
    pub language: Option<String>,
    pub published_at: Option<i64>,
    pub fetched_at: i64,
}

impl CardRow {
    /// The card as an event carries it, to attach a page fetched for one status to another.
    pub fn to_card(&self) -> PreviewCard {
        PreviewCard {
            url: self.url.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            kind: self.kind.clone(),
            author_name: self.author_name.clone(),
            author_url: self.author_url.clone(),
            provider_name: self.provider_name.clone(),
            provider_url: self.provider_url.clone(),
            image_key: self.image_key.clone(),
            width: u32::try_from(self.width).unwrap_or(0),
            height: u32::try_from(self.height).unwrap_or(0),
            blurhash: self.blurhash.clone(),
            language: self.language.clone(),
            published_at: self.published_at,
            fetched_at: self.fetched_at,
        }
    }
}

const COLUMNS: &str = "url, title, description, kind, author_name, author_url, provider_name, \
     provider_url, image_key, width, height, blurhash, language, published_at, fetched_at";

/// The cards of these URLs, by URL.
pub async fn by_urls(
    conn: &mut Conn,
    urls: &[String],
) -> Result<HashMap<String, CardRow>, sqlx::Error> {
    if urls.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM preview_cards WHERE url IN ("
    ));
    sql.texts(urls).push(")");
    Ok(sql
        .fetch_all::<CardRow>(conn)
        .await?
        .into_iter()
        .map(|c| (c.url.clone(), c))
        .collect())
}

/// The card of a page fetched since `since`, for a status linking to it. Cards are kept
/// under the address the page answered at, so a link that redirects is fetched again.
pub async fn fetched_since(
    conn: &mut Conn,
    url: &str,
    since: i64,
) -> Result<Option<CardRow>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM preview_cards WHERE url = "));
    sql.text(url).push(" AND fetched_at >= ").int(since);
    Ok(sql.fetch_all(conn).await?.into_iter().next())
}

/// Links trending over the last week: shared in public posts by the most accounts (then
/// the most posts), by accounts neither suspended nor silenced.
pub async fn trending(
    conn: &mut Conn,
    now_ms: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT s.card_url, COUNT(DISTINCT s.account_id) AS people, COUNT(*) AS uses FROM statuses s \
         JOIN accounts a ON a.id = s.account_id \
         WHERE s.card_url IS NOT NULL AND s.visibility = 'public' AND s.reblog_of_id IS NULL \
         AND s.created_at >= $1 AND a.suspended = 0 AND a.silenced = 0 \
         GROUP BY s.card_url ORDER BY people DESC, uses DESC, s.card_url LIMIT $2 OFFSET $3",
    )
    .bind(now_ms - HISTORY_DAYS * DAY_MS)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(url, _, _)| url).collect())
}

/// The last [`HISTORY_DAYS`] days of each link's sharing in public posts, newest first.
pub async fn history(
    conn: &mut Conn,
    urls: &[String],
    now_ms: i64,
) -> Result<HashMap<String, Vec<Day>>, sqlx::Error> {
    let today = now_ms.div_euclid(DAY_MS);
    let mut sql = Sql::new(&format!(
        "SELECT s.card_url, s.created_at / {DAY_MS} AS day, COUNT(*), COUNT(DISTINCT s.account_id) \
         FROM statuses s WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.card_url IN ("
    ));
    sql.texts(urls)
        .push(") AND s.created_at >= ")
        .int((today - HISTORY_DAYS + 1) * DAY_MS)
        .push(" GROUP BY s.card_url, s.created_at / ")
        .push(&DAY_MS.to_string());
    let rows: Vec<(String, i64, i64, i64)> = sql.fetch_all(conn).await?;
    Ok(by_day(&rows, urls, today))
}

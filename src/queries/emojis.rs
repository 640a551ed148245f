//! The custom emoji catalogue, and the custom emoji statuses use.

use std::collections::HashMap;

use crate::db::Conn;
use crate::queries::Sql;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EmojiRow {
    pub shortcode: String,
    pub image_key: String,
    pub category: Option<String>,
    pub visible_in_picker: i64,
}

/// A custom emoji as shown: the shortcode and where its image is.
#[derive(Debug, Clone, PartialEq)]
pub struct EmojiView {
    pub shortcode: String,
    pub url: String,
    pub static_url: String,
    pub visible_in_picker: bool,
    pub category: Option<String>,
}

impl EmojiRow {
    /// Shown with its image at `url` (where [`EmojiRow::image_key`] is served).
    pub fn view(&self, url: String) -> EmojiView {
        EmojiView {
            shortcode: self.shortcode.clone(),
            static_url: url.clone(),
            url,
            visible_in_picker: self.visible_in_picker != 0,
            category: self.category.clone(),
        }
    }
}

const COLUMNS: &str = "shortcode, image_key, category, visible_in_picker";

/// Every custom emoji, by category then shortcode.
pub async fn all(conn: &mut Conn) -> Result<Vec<EmojiRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM custom_emojis ORDER BY COALESCE(category, ''), shortcode"
    ))
    .fetch_all(&mut *conn)
    .await
}

/// The custom emoji among `codes`, in the order asked.
pub async fn by_shortcodes(
    conn: &mut Conn,
    codes: &[String],
) -> Result<Vec<EmojiRow>, sqlx::Error> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM custom_emojis WHERE shortcode IN ("
    ));
    sql.texts(codes).push(")");
    let mut found: HashMap<String, EmojiRow> = sql
        .fetch_all::<EmojiRow>(conn)
        .await?
        .into_iter()
        .map(|row| (row.shortcode.clone(), row))
        .collect();
    Ok(codes.iter().filter_map(|c| found.remove(c)).collect())
}

/// The custom emoji each status uses.
pub async fn of_statuses(
    conn: &mut Conn,
    status_ids: &[i64],
) -> Result<HashMap<i64, Vec<EmojiView>>, sqlx::Error> {
    if status_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(
        "SELECT status_id, shortcode, url, static_url FROM status_emojis WHERE status_id IN (",
    );
    sql.ints(status_ids).push(") ORDER BY status_id, shortcode");
    let rows: Vec<(i64, String, String, String)> = sql.fetch_all(conn).await?;
    let mut by_status: HashMap<i64, Vec<EmojiView>> = HashMap::new();
    for (status_id, shortcode, url, static_url) in rows {
        by_status.entry(status_id).or_default().push(EmojiView {
            shortcode,
            url,
            static_url,
            // As Mastodon's records of emoji seen in posts.
            visible_in_picker: true,
            category: None,
        });
    }
    Ok(by_status)
}

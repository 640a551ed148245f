//! Inline projection of preview cards: the latest fetch of each linked page, and the card
//! each status shows.

use crate::db::Conn;
use crate::events::StatusCard;

pub async fn updated(conn: &mut Conn, e: &StatusCard) -> Result<(), sqlx::Error> {
    if let Some(c) = &e.card {
        sqlx::query(
            "INSERT INTO preview_cards (url, title, description, kind, author_name, author_url, \
             provider_name, provider_url, image_key, width, height, blurhash, language, published_at, fetched_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (url) DO UPDATE SET title = $2, description = $3, kind = $4, author_name = $5, \
             author_url = $6, provider_name = $7, provider_url = $8, image_key = $9, width = $10, \
             height = $11, blurhash = $12, language = $13, published_at = $14, fetched_at = $15",
        )
        .bind(&c.url)
        .bind(&c.title)
        .bind(&c.description)
        .bind(&c.kind)
        .bind(&c.author_name)
        .bind(&c.author_url)
        .bind(&c.provider_name)
        .bind(&c.provider_url)
        .bind(c.image_key.as_deref())
        .bind(i64::from(c.width))
        .bind(i64::from(c.height))
        .bind(c.blurhash.as_deref())
        .bind(c.language.as_deref())
        .bind(c.published_at)
        .bind(c.fetched_at)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE statuses SET card_url = $1 WHERE id = $2")
        .bind(e.card.as_ref().map(|c| c.url.as_str()))
        .bind(e.status_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

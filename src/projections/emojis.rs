//! Inline projection of the custom emoji catalogue and of the custom emoji statuses use.

use crate::db::{Conn, flag};
use crate::events::{CustomEmoji, StatusEmoji};

pub async fn added(conn: &mut Conn, e: &CustomEmoji) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO custom_emojis (shortcode, image_key, category, visible_in_picker, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shortcode) DO UPDATE SET image_key = $2, \
         category = $3, visible_in_picker = $4",
    )
    .bind(&e.shortcode)
    .bind(&e.image_key)
    .bind(e.category.as_deref())
    .bind(flag(e.visible_in_picker))
    .bind(e.at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn removed(conn: &mut Conn, shortcode: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM custom_emojis WHERE shortcode = $1")
        .bind(shortcode)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The status's custom emoji, replacing what an earlier version used.
pub async fn of_status(
    conn: &mut Conn,
    status_id: i64,
    emojis: &[StatusEmoji],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM status_emojis WHERE status_id = $1")
        .bind(status_id)
        .execute(&mut *conn)
        .await?;
    for e in emojis {
        sqlx::query(
            "INSERT INTO status_emojis (status_id, shortcode, url, static_url) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(status_id)
        .bind(&e.shortcode)
        .bind(&e.url)
        .bind(&e.static_url)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

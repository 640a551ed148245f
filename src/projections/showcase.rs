//! Inline projection of the showcase: which statuses an account pinned, and in what order.
//! A new pin goes first, as Mastodon lists the most recently pinned first; a reorder
//! numbers the pins as the owner listed them.

use crate::db::Conn;
use crate::events::{Pin, ShowcaseOrder};

pub async fn pinned(conn: &mut Conn, e: &Pin) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO status_pins (account_id, status_id, created_at, position) VALUES ($1, $2, $3, \
         (SELECT COALESCE(MIN(position), 0) - 1 FROM status_pins WHERE account_id = $1)) \
         ON CONFLICT (account_id, status_id) DO NOTHING",
    )
    .bind(e.account_id)
    .bind(e.status_id)
    .bind(e.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn reordered(conn: &mut Conn, e: &ShowcaseOrder) -> Result<(), sqlx::Error> {
    for (position, status_id) in e.status_ids.iter().enumerate() {
        sqlx::query(
            "UPDATE status_pins SET position = $3 WHERE account_id = $1 AND status_id = $2",
        )
        .bind(e.account_id)
        .bind(status_id)
        .bind(position as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

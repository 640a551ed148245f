//! Inline projection of announcements, their readers and their reactions.

use crate::db::{Conn, flag};
use crate::events::{Announcement, AnnouncementReaction, AnnouncementRead, AnnouncementRef};

pub async fn saved(conn: &mut Conn, e: &Announcement) -> Result<(), sqlx::Error> {
    // `published_at` is the first time it went out, kept through later changes; withdrawing
    // clears it, as Mastodon does.
    sqlx::query(
        "INSERT INTO announcements (id, text, starts_at, ends_at, all_day, published, published_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
         ON CONFLICT (id) DO UPDATE SET text = $2, starts_at = $3, ends_at = $4, all_day = $5, published = $6, \
         published_at = CASE WHEN $6 = 0 THEN NULL ELSE COALESCE(announcements.published_at, $7) END, updated_at = $8",
    )
    .bind(e.announcement_id)
    .bind(&e.text)
    .bind(e.starts_at)
    .bind(e.ends_at)
    .bind(flag(e.all_day))
    .bind(flag(e.published))
    .bind(e.published.then_some(e.at))
    .bind(e.at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn deleted(conn: &mut Conn, e: &AnnouncementRef) -> Result<(), sqlx::Error> {
    for table in ["announcement_reactions", "announcement_reads"] {
        sqlx::query(crate::sqlf!(
            "DELETE FROM {table} WHERE announcement_id = $1"
        ))
        .bind(e.announcement_id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("DELETE FROM announcements WHERE id = $1")
        .bind(e.announcement_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn read(conn: &mut Conn, e: &AnnouncementRead) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO announcement_reads (announcement_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(e.announcement_id)
    .bind(e.account_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn reacted(
    conn: &mut Conn,
    e: &AnnouncementReaction,
    on: bool,
) -> Result<(), sqlx::Error> {
    let query = if on {
        sqlx::query(
            "INSERT INTO announcement_reactions (announcement_id, account_id, name, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(e.announcement_id)
        .bind(e.account_id)
        .bind(&e.name)
        .bind(e.at)
    } else {
        sqlx::query(
            "DELETE FROM announcement_reactions WHERE announcement_id = $1 AND account_id = $2 AND name = $3",
        )
        .bind(e.announcement_id)
        .bind(e.account_id)
        .bind(&e.name)
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

//! `media_attachments`: uploads as they are processed and described, then attached to the
//! status posted with them; remote statuses' attachments as they arrive.

use crate::db::{Conn, flag};
use crate::events::{MediaDescribed, MediaFiles, MediaProcessed, MediaUploaded, StatusPosted};

pub async fn uploaded(conn: &mut Conn, e: &MediaUploaded) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO media_attachments (id, account_id, status_id, position, kind, upload_key, \
         description, focus_x, focus_y, processed, created_at) \
         VALUES ($1, $2, NULL, 0, $3, $4, $5, $6, $7, 0, $8) ON CONFLICT (id) DO NOTHING",
    )
    .bind(e.media_id)
    .bind(e.account_id)
    .bind(&e.kind)
    .bind(e.upload_key.as_deref())
    .bind(e.description.as_deref())
    .bind(e.focus.map(|f| f.0))
    .bind(e.focus.map(|f| f.1))
    .bind(e.created_at)
    .execute(&mut *conn)
    .await?;
    match &e.files {
        Some(files) => set_files(conn, e.media_id, files).await,
        None => Ok(()),
    }
}

pub async fn processed(conn: &mut Conn, e: &MediaProcessed) -> Result<(), sqlx::Error> {
    set_files(conn, e.media_id, &e.files).await
}

async fn set_files(conn: &mut Conn, media_id: i64, f: &MediaFiles) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE media_attachments SET mime = $2, file_key = $3, width = $4, height = $5, size = $6, \
         preview_key = $7, preview_width = $8, preview_height = $9, blurhash = $10, upload_key = NULL, \
         processed = 1 WHERE id = $1",
    )
    .bind(media_id)
    .bind(&f.mime)
    .bind(&f.file_key)
    .bind(f.width)
    .bind(f.height)
    .bind(f.size)
    .bind(&f.preview_key)
    .bind(f.preview_width)
    .bind(f.preview_height)
    .bind(&f.blurhash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn described(conn: &mut Conn, e: &MediaDescribed) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE media_attachments SET description = $2, focus_x = $3, focus_y = $4 WHERE id = $1",
    )
    .bind(e.media_id)
    .bind(e.description.as_deref())
    .bind(e.focus.map(|f| f.0))
    .bind(e.focus.map(|f| f.1))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Only an upload not yet posted can be deleted.
pub async fn deleted(conn: &mut Conn, media_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM media_attachments WHERE id = $1 AND status_id IS NULL")
        .bind(media_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Local uploads join the status in the order given; remote files are recorded whole.
pub async fn attach(conn: &mut Conn, e: &StatusPosted) -> Result<(), sqlx::Error> {
    for (position, m) in e.media.iter().enumerate() {
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        match &m.remote {
            None => {
                sqlx::query(
                    "UPDATE media_attachments SET status_id = $2, position = $3 \
                     WHERE id = $1 AND account_id = $4",
                )
                .bind(m.media_id)
                .bind(e.status_id)
                .bind(position)
                .bind(e.account_id)
                .execute(&mut *conn)
                .await?;
            }
            Some(r) => {
                sqlx::query(
                    "INSERT INTO media_attachments (id, account_id, status_id, position, kind, mime, \
                     remote_url, width, height, description, blurhash, focus_x, focus_y, processed, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(m.media_id)
                .bind(e.account_id)
                .bind(e.status_id)
                .bind(position)
                .bind(&r.kind)
                .bind(r.mime.as_deref())
                .bind(&r.url)
                .bind(r.width)
                .bind(r.height)
                .bind(r.description.as_deref())
                .bind(r.blurhash.as_deref())
                .bind(r.focus.map(|f| f.0))
                .bind(r.focus.map(|f| f.1))
                .bind(flag(true))
                .bind(e.created_at)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

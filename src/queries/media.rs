//! Media attachments: one by id, a page of statuses' attachments in one query, uploads
//! still to be processed.

use std::collections::HashMap;

use super::Sql;
use crate::db::Conn;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediaRow {
    pub id: i64,
    pub account_id: i64,
    pub status_id: Option<i64>,
    pub kind: String,
    pub mime: Option<String>,
    pub upload_key: Option<String>,
    pub file_key: Option<String>,
    pub preview_key: Option<String>,
    pub remote_url: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub preview_width: Option<i64>,
    pub preview_height: Option<i64>,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub focus_x: Option<f64>,
    pub focus_y: Option<f64>,
    pub processed: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "id, account_id, status_id, kind, mime, upload_key, file_key, preview_key, remote_url, \
     width, height, preview_width, preview_height, description, blurhash, focus_x, focus_y, processed, created_at";

pub async fn by_id(conn: &mut Conn, id: i64) -> Result<Option<MediaRow>, sqlx::Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE id = "
    ));
    sql.int(id);
    Ok(sql.fetch_all(conn).await?.into_iter().next())
}

/// The attachments of these statuses, each status's in order.
pub async fn of_statuses(
    conn: &mut Conn,
    status_ids: &[i64],
) -> Result<HashMap<i64, Vec<MediaRow>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<MediaRow>> = HashMap::new();
    if status_ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE status_id IN ("
    ));
    sql.ints(status_ids).push(") ORDER BY status_id, position");
    for row in sql.fetch_all::<MediaRow>(conn).await? {
        if let Some(status) = row.status_id {
            out.entry(status).or_default().push(row);
        }
    }
    Ok(out)
}

/// Among `ids`, the uploads of `account_id` not yet posted, by id.
pub async fn unattached(
    conn: &mut Conn,
    account_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, MediaRow>, sqlx::Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE status_id IS NULL AND remote_url IS NULL AND account_id = "
    ));
    sql.int(account_id).push(" AND id IN (").ints(ids).push(")");
    Ok(sql
        .fetch_all::<MediaRow>(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect())
}

/// Uploads accepted but not processed (a process stopped before it finished them).
pub async fn unprocessed(conn: &mut Conn, limit: i64) -> Result<Vec<MediaRow>, sqlx::Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE processed = 0 AND upload_key IS NOT NULL ORDER BY created_at LIMIT "
    ));
    sql.int(limit);
    sql.fetch_all(conn).await
}

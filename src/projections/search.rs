//! The searchable text of each status (`status_search`), indexed by the engine's own
//! full-text search: FTS5 on SQLite (kept in step by triggers), a GIN index on PostgreSQL.

use crate::db::Conn;
use crate::domain::text::html_to_text;
use crate::events::{StatusEdited, StatusPosted};

/// What a search matches: the content warning and the text (the source as written for
/// local posts, the sanitised HTML's text for remote ones).
fn body(text: &str, content: &str, spoiler_text: &str) -> String {
    let main = if text.is_empty() {
        html_to_text(content)
    } else {
        text.to_string()
    };
    if spoiler_text.is_empty() {
        main
    } else {
        format!("{spoiler_text}\n{main}")
    }
}

pub async fn posted(conn: &mut Conn, e: &StatusPosted) -> Result<(), sqlx::Error> {
    let body = body(&e.text, &e.content, &e.spoiler_text);
    if body.trim().is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO status_search (status_id, body) VALUES ($1, $2) \
         ON CONFLICT (status_id) DO UPDATE SET body = $2",
    )
    .bind(e.status_id)
    .bind(body)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn edited(conn: &mut Conn, e: &StatusEdited) -> Result<(), sqlx::Error> {
    deleted(conn, e.status_id).await?;
    let body = body(&e.text, &e.content, &e.spoiler_text);
    if body.trim().is_empty() {
        return Ok(());
    }
    sqlx::query("INSERT INTO status_search (status_id, body) VALUES ($1, $2)")
        .bind(e.status_id)
        .bind(body)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn deleted(conn: &mut Conn, status_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM status_search WHERE status_id = $1")
        .bind(status_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

//! `filters`: each filter whole, as last saved.

use crate::db::Conn;
use crate::events::{FilterDeleted, FilterSaved};

fn json(v: &impl serde::Serialize) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

pub async fn saved(conn: &mut Conn, e: &FilterSaved) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO filters (id, account_id, title, context, action, expires_at, keywords, statuses) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET title = $3, context = $4, \
         action = $5, expires_at = $6, keywords = $7, statuses = $8",
    )
    .bind(e.filter_id)
    .bind(e.account_id)
    .bind(&e.title)
    .bind(json(&e.context)?)
    .bind(&e.action)
    .bind(e.expires_at)
    .bind(json(&e.keywords)?)
    .bind(json(&e.statuses)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn deleted(conn: &mut Conn, e: &FilterDeleted) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM filters WHERE id = $1")
        .bind(e.filter_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

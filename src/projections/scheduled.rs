//! `scheduled_statuses`: what waits to be posted.

use crate::db::Conn;
use crate::events::{ScheduledRef, ScheduledStatus};

pub async fn saved(conn: &mut Conn, e: &ScheduledStatus) -> Result<(), sqlx::Error> {
    let params =
        serde_json::to_string(&e.params).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "INSERT INTO scheduled_statuses (id, account_id, scheduled_at, params) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET scheduled_at = $3, params = $4",
    )
    .bind(e.scheduled_id)
    .bind(e.account_id)
    .bind(e.scheduled_at)
    .bind(params)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn gone(conn: &mut Conn, scheduled_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM scheduled_statuses WHERE id = $1")
        .bind(scheduled_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn cancelled(conn: &mut Conn, e: &ScheduledRef) -> Result<(), sqlx::Error> {
    gone(conn, e.scheduled_id).await
}

//! Statuses waiting to be posted.

use super::{Page, Sql};
use crate::db::Conn;
use crate::events::ScheduledParams;

#[derive(Debug, Clone)]
pub struct ScheduledRow {
    pub id: i64,
    pub account_id: i64,
    pub scheduled_at: i64,
    pub params: ScheduledParams,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    account_id: i64,
    scheduled_at: i64,
    params: String,
}

fn rows(rows: Vec<Row>) -> Vec<ScheduledRow> {
    rows.into_iter()
        .filter_map(|r| {
            Some(ScheduledRow {
                id: r.id,
                account_id: r.account_id,
                scheduled_at: r.scheduled_at,
                params: serde_json::from_str(&r.params).ok()?,
            })
        })
        .collect()
}

pub async fn of_account(
    conn: &mut Conn,
    owner: i64,
    page: &Page,
) -> Result<Vec<ScheduledRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, account_id, scheduled_at, params FROM scheduled_statuses WHERE account_id = ",
    );
    sql.int(owner);
    page.apply(&mut sql, "id");
    Ok(page.finish(rows(sql.fetch_all(conn).await?)))
}

pub async fn own(
    conn: &mut Conn,
    owner: i64,
    id: i64,
) -> Result<Option<ScheduledRow>, sqlx::Error> {
    let found: Vec<Row> = sqlx::query_as(
        "SELECT id, account_id, scheduled_at, params FROM scheduled_statuses WHERE account_id = $1 AND id = $2",
    )
    .bind(owner)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows(found).pop())
}

pub async fn count_of(conn: &mut Conn, owner: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM scheduled_statuses WHERE account_id = $1")
        .bind(owner)
        .fetch_one(&mut *conn)
        .await
}

/// Those due by `now`, oldest first.
pub async fn due(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<ScheduledRow>, sqlx::Error> {
    let found: Vec<Row> = sqlx::query_as(
        "SELECT id, account_id, scheduled_at, params FROM scheduled_statuses WHERE scheduled_at <= $1 \
         ORDER BY scheduled_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows(found))
}

//! A local account's notifications, hydrated.

use super::accounts::{self, AccountRow};
use super::statuses::{self, StatusView};
use super::{Page, Sql};
use crate::db::Conn;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub status_id: Option<i64>,
    pub created_at: i64,
}

pub struct NotificationView {
    pub row: NotificationRow,
    pub from: AccountRow,
    pub status: Option<StatusView>,
}

pub const TYPES: [&str; 5] = ["mention", "follow", "follow_request", "favourite", "reblog"];

pub struct Filter {
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
    pub from_account_id: Option<i64>,
}

pub async fn list(
    conn: &mut Conn,
    account_id: i64,
    filter: &Filter,
    page: &Page,
) -> Result<Vec<NotificationView>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at FROM notifications n WHERE n.account_id = ",
    );
    sql.int(account_id);
    if !filter.types.is_empty() {
        sql.push(" AND n.type IN (").texts(&filter.types).push(")");
    }
    if !filter.exclude_types.is_empty() {
        sql.push(" AND n.type NOT IN (")
            .texts(&filter.exclude_types)
            .push(")");
    }
    if let Some(from) = filter.from_account_id {
        sql.push(" AND n.from_account_id = ").int(from);
    }
    // Accounts muted with their notifications are silent.
    sql.push(" AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = ")
        .int(account_id)
        .push(" AND m.target_account_id = n.from_account_id AND m.hide_notifications = 1 AND (m.expires_at IS NULL OR m.expires_at > ")
        .int(crate::time::now_ms())
        .push("))");
    page.apply(&mut sql, "n.id");
    let rows: Vec<NotificationRow> = page.finish(sql.fetch_all(conn).await?);
    hydrate(conn, account_id, rows).await
}

pub async fn get(
    conn: &mut Conn,
    account_id: i64,
    id: i64,
) -> Result<Option<NotificationView>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at FROM notifications n WHERE n.account_id = ",
    );
    sql.int(account_id).push(" AND n.id = ").int(id);
    let rows: Vec<NotificationRow> = sql.fetch_all(conn).await?;
    Ok(hydrate(conn, account_id, rows).await?.pop())
}

async fn hydrate(
    conn: &mut Conn,
    viewer: i64,
    rows: Vec<NotificationRow>,
) -> Result<Vec<NotificationView>, sqlx::Error> {
    let from_ids: Vec<i64> = rows.iter().map(|r| r.from_account_id).collect();
    let accounts = accounts::by_ids(conn, &from_ids).await?;
    // Silenced accounts reach only those who follow them.
    let silenced: Vec<i64> = accounts
        .values()
        .filter(|a| a.silenced != 0)
        .map(|a| a.id)
        .collect();
    let followed: Vec<i64> = if silenced.is_empty() {
        Vec::new()
    } else {
        let mut sql = Sql::new("SELECT target_account_id FROM follows WHERE account_id = ");
        sql.int(viewer)
            .push(" AND target_account_id IN (")
            .ints(&silenced)
            .push(")");
        sql.fetch_all::<(i64,)>(conn)
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect()
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(from) = accounts
            .get(&row.from_account_id)
            .filter(|a| a.suspended == 0)
            .filter(|a| a.silenced == 0 || followed.contains(&a.id))
            .cloned()
        else {
            continue;
        };
        let status = match row.status_id {
            Some(id) => match statuses::visible(conn, Some(viewer), id).await? {
                Some(s) => Some(s),
                // The status is gone or hidden: so is the notification about it.
                None => continue,
            },
            None => None,
        };
        out.push(NotificationView { row, from, status });
    }
    Ok(out)
}

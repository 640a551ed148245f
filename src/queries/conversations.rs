//! An account's direct-message conversations, newest message first.

use super::accounts::{self, AccountRow};
use super::statuses::{self, StatusView};
use super::{Page, Sql};
use crate::db::Conn;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationRow {
    pub conversation_id: i64,
    pub participant_ids: String,
    pub last_status_id: i64,
    pub unread: i64,
}

const COLUMNS: &str = "conversation_id, participant_ids, last_status_id, unread";

pub struct ConversationView {
    pub row: ConversationRow,
    pub accounts: Vec<AccountRow>,
    pub last_status: StatusView,
}

/// A page of `account_id`'s conversations, paged by their latest status; one whose latest
/// status is gone or hidden is left out.
pub async fn list(
    conn: &mut Conn,
    account_id: i64,
    page: &Page,
) -> Result<Vec<ConversationView>, sqlx::Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM account_conversations WHERE account_id = "
    ));
    sql.int(account_id);
    page.apply(&mut sql, "last_status_id");
    let rows: Vec<ConversationRow> = page.finish(sql.fetch_all(&mut *conn).await?);
    hydrate(conn, account_id, rows).await
}

/// `account_id`'s conversation whose latest status is `status_id` (none, or one).
pub async fn with_last_status(
    conn: &mut Conn,
    account_id: i64,
    status_id: i64,
) -> Result<Vec<ConversationRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM account_conversations WHERE account_id = $1 AND last_status_id = $2"
    ))
    .bind(account_id)
    .bind(status_id)
    .fetch_all(&mut *conn)
    .await
}

pub async fn get(
    conn: &mut Conn,
    account_id: i64,
    conversation_id: i64,
) -> Result<Option<ConversationRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM account_conversations WHERE account_id = $1 AND conversation_id = $2"
    ))
    .bind(account_id)
    .bind(conversation_id)
    .fetch_optional(&mut *conn)
    .await
}

pub async fn hydrate(
    conn: &mut Conn,
    viewer: i64,
    rows: Vec<ConversationRow>,
) -> Result<Vec<ConversationView>, sqlx::Error> {
    let status_ids: Vec<i64> = rows.iter().map(|r| r.last_status_id).collect();
    let mut statuses = statuses::visible_by_ids(conn, Some(viewer), &status_ids).await?;
    let participants: Vec<Vec<i64>> = rows
        .iter()
        .map(|r| serde_json::from_str(&r.participant_ids).unwrap_or_default())
        .collect();
    let mut ids: Vec<i64> = participants.iter().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let found = accounts::by_ids(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .zip(participants)
        .filter_map(|(row, people)| {
            let last_status = statuses.remove(&row.last_status_id)?;
            Some(ConversationView {
                accounts: people
                    .iter()
                    .filter_map(|a| found.get(a).cloned())
                    .collect(),
                last_status,
                row,
            })
        })
        .collect())
}

//! An account's lists.

use crate::db::Conn;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: i64,
}

const COLUMNS: &str = "id, account_id, title, replies_policy, exclusive";

/// One of `owner`'s lists (no one else's).
pub async fn own(conn: &mut Conn, owner: i64, id: i64) -> Result<Option<ListRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM lists WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(owner)
    .fetch_optional(&mut *conn)
    .await
}

pub async fn of_account(conn: &mut Conn, owner: i64) -> Result<Vec<ListRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM lists WHERE account_id = $1 ORDER BY id"
    ))
    .bind(owner)
    .fetch_all(&mut *conn)
    .await
}

/// `owner`'s lists that hold `account_id`.
pub async fn containing(
    conn: &mut Conn,
    owner: i64,
    account_id: i64,
) -> Result<Vec<ListRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM lists l WHERE l.account_id = $1 AND EXISTS \
         (SELECT 1 FROM list_accounts la WHERE la.list_id = l.id AND la.account_id = $2) ORDER BY l.id"
    ))
    .bind(owner)
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await
}

/// Whose list this is (for checking a stream subscription).
pub async fn owner_of(conn: &mut Conn, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT account_id FROM lists WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
}

//! `lists` and `list_accounts`. A member whom the owner stops following stays in the
//! list's events but drops out of what is shown (members and timeline are read through the
//! owner's follows and home feed), and is back if followed again.

use crate::db::{Conn, flag};
use crate::events::{ListChanged, ListDeleted, ListMembers};

pub async fn saved(conn: &mut Conn, e: &ListChanged) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO lists (id, account_id, title, replies_policy, exclusive) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET title = $3, replies_policy = $4, exclusive = $5",
    )
    .bind(e.list_id)
    .bind(e.account_id)
    .bind(&e.title)
    .bind(&e.replies_policy)
    .bind(flag(e.exclusive))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn deleted(conn: &mut Conn, e: &ListDeleted) -> Result<(), sqlx::Error> {
    for sql in [
        "DELETE FROM list_accounts WHERE list_id = $1",
        "DELETE FROM lists WHERE id = $1",
    ] {
        sqlx::query(sql).bind(e.list_id).execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn added(conn: &mut Conn, e: &ListMembers) -> Result<(), sqlx::Error> {
    for account_id in &e.account_ids {
        sqlx::query(
            "INSERT INTO list_accounts (list_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(e.list_id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn removed(conn: &mut Conn, e: &ListMembers) -> Result<(), sqlx::Error> {
    for account_id in &e.account_ids {
        sqlx::query("DELETE FROM list_accounts WHERE list_id = $1 AND account_id = $2")
            .bind(e.list_id)
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

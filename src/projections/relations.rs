//! Inline projections of a user's notes on accounts, endorsements and domain blocks.

use crate::db::Conn;
use crate::events::{AccountNote, AccountPair, UserDomainBlock};

pub async fn note_set(conn: &mut Conn, e: &AccountNote) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM account_notes WHERE account_id = $1 AND target_account_id = $2")
        .bind(e.account_id)
        .bind(e.target_account_id)
        .execute(&mut *conn)
        .await?;
    if !e.note.is_empty() {
        sqlx::query(
            "INSERT INTO account_notes (account_id, target_account_id, note) VALUES ($1, $2, $3)",
        )
        .bind(e.account_id)
        .bind(e.target_account_id)
        .bind(&e.note)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn endorsed(conn: &mut Conn, e: &AccountPair, on: bool) -> Result<(), sqlx::Error> {
    let query = if on {
        sqlx::query(
            "INSERT INTO endorsements (account_id, target_account_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(e.account_id)
        .bind(e.target_account_id)
        .bind(e.at)
    } else {
        sqlx::query("DELETE FROM endorsements WHERE account_id = $1 AND target_account_id = $2")
            .bind(e.account_id)
            .bind(e.target_account_id)
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

pub async fn domain_blocked(
    conn: &mut Conn,
    e: &UserDomainBlock,
    on: bool,
) -> Result<(), sqlx::Error> {
    let query = if on {
        sqlx::query(
            "INSERT INTO user_domain_blocks (account_id, domain, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(e.account_id)
        .bind(&e.domain)
        .bind(e.at)
    } else {
        sqlx::query("DELETE FROM user_domain_blocks WHERE account_id = $1 AND domain = $2")
            .bind(e.account_id)
            .bind(&e.domain)
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

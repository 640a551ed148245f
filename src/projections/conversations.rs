//! `account_conversations`: each direct status updates the conversation (its thread, by the
//! first status) of every local participant, unread for all but its author.

use crate::db::{Conn, flag};
use crate::events::{ConversationRef, StatusPosted};
use crate::queries::Sql;

pub async fn posted(conn: &mut Conn, e: &StatusPosted) -> Result<(), sqlx::Error> {
    if e.visibility != "direct" {
        return Ok(());
    }
    let root: i64 = sqlx::query_scalar(
        "WITH RECURSIVE up(id, parent, depth) AS (SELECT id, in_reply_to_id, 0 FROM statuses WHERE id = $1 \
         UNION ALL SELECT s.id, s.in_reply_to_id, up.depth + 1 FROM statuses s JOIN up ON s.id = up.parent \
         WHERE up.depth < 100) SELECT id FROM up ORDER BY depth DESC LIMIT 1",
    )
    .bind(e.status_id)
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or(e.status_id);
    let mut everyone: Vec<i64> = e.mentions.clone();
    everyone.push(e.account_id);
    everyone.sort_unstable();
    everyone.dedup();
    let mut sql = Sql::new("SELECT id FROM accounts WHERE domain IS NULL AND id IN (");
    sql.ints(&everyone).push(")");
    let locals: Vec<(i64,)> = sql.fetch_all(&mut *conn).await?;
    for (me,) in locals {
        let others: Vec<i64> = everyone.iter().copied().filter(|a| *a != me).collect();
        let others =
            serde_json::to_string(&others).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
        sqlx::query(
            "INSERT INTO account_conversations (account_id, conversation_id, participant_ids, last_status_id, unread) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, conversation_id) DO UPDATE SET \
             participant_ids = $3, last_status_id = $4, unread = $5",
        )
        .bind(me)
        .bind(root)
        .bind(others)
        .bind(e.status_id)
        .bind(flag(me != e.account_id))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn read(conn: &mut Conn, e: &ConversationRef) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE account_conversations SET unread = 0 WHERE account_id = $1 AND conversation_id = $2")
        .bind(e.account_id)
        .bind(e.conversation_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn removed(conn: &mut Conn, e: &ConversationRef) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM account_conversations WHERE account_id = $1 AND conversation_id = $2")
        .bind(e.account_id)
        .bind(e.conversation_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

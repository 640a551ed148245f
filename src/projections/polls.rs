//! `polls` and `poll_votes`.

use crate::db::{Conn, flag};
use crate::events::{PollVote, StatusPosted};

fn json(v: &impl serde::Serialize) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

pub async fn posted(conn: &mut Conn, e: &StatusPosted) -> Result<(), sqlx::Error> {
    let Some(p) = &e.poll else { return Ok(()) };
    sqlx::query(
        "INSERT INTO polls (id, status_id, account_id, options, multiple, hide_totals, expires_at, \
         remote_counts, remote_voters) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
    )
    .bind(p.poll_id)
    .bind(e.status_id)
    .bind(e.account_id)
    .bind(json(&p.options)?)
    .bind(flag(p.multiple))
    .bind(flag(p.hide_totals))
    .bind(p.expires_at)
    .bind(p.counts.as_ref().map(json).transpose()?)
    .bind(p.voters_count)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn status_deleted(conn: &mut Conn, status_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM poll_votes WHERE poll_id IN (SELECT id FROM polls WHERE status_id = $1)",
    )
    .bind(status_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM polls WHERE status_id = $1")
        .bind(status_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn voted(conn: &mut Conn, e: &PollVote) -> Result<(), sqlx::Error> {
    for choice in &e.choices {
        sqlx::query(
            "INSERT INTO poll_votes (poll_id, account_id, choice, uri, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
        )
        .bind(e.poll_id)
        .bind(e.account_id)
        .bind(i64::try_from(*choice).unwrap_or(i64::MAX))
        .bind(e.uri.as_deref())
        .bind(e.created_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

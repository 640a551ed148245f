//! Polls with their counts (votes cast here plus, for remote polls, what their server
//! counted) and the viewer's own votes.

use std::collections::HashMap;

use super::Sql;
use crate::db::Conn;

#[derive(Debug, Clone, sqlx::FromRow)]
struct PollRow {
    id: i64,
    status_id: i64,
    options: String,
    multiple: i64,
    hide_totals: i64,
    expires_at: Option<i64>,
    remote_counts: Option<String>,
    remote_voters: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct PollView {
    pub id: i64,
    pub status_id: i64,
    pub options: Vec<String>,
    pub multiple: bool,
    pub hide_totals: bool,
    pub expires_at: Option<i64>,
    pub counts: Vec<i64>,
    pub voters_count: i64,
    /// The viewer's choices; `None` without a viewer.
    pub own_votes: Option<Vec<usize>>,
}

const COLUMNS: &str =
    "id, status_id, options, multiple, hide_totals, expires_at, remote_counts, remote_voters";

/// The polls of these statuses, by status.
pub async fn of_statuses(
    conn: &mut Conn,
    status_ids: &[i64],
    viewer: Option<i64>,
) -> Result<HashMap<i64, PollView>, sqlx::Error> {
    if status_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM polls WHERE status_id IN ("));
    sql.ints(status_ids).push(")");
    views(conn, sql, viewer)
        .await
        .map(|v| v.into_iter().map(|p| (p.status_id, p)).collect())
}

pub async fn by_id(
    conn: &mut Conn,
    poll_id: i64,
    viewer: Option<i64>,
) -> Result<Option<PollView>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM polls WHERE id = "));
    sql.int(poll_id);
    Ok(views(conn, sql, viewer).await?.pop())
}

async fn views(
    conn: &mut Conn,
    sql: Sql,
    viewer: Option<i64>,
) -> Result<Vec<PollView>, sqlx::Error> {
    let rows: Vec<PollRow> = sql.fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    // Votes per choice (kind 0), voters (kind 1, choice -1), and the viewer's (kind 2).
    let mut sql = Sql::new(
        "SELECT 0 AS kind, poll_id, choice, COUNT(*) AS n FROM poll_votes WHERE poll_id IN (",
    );
    sql.ints(&ids).push(
        ") GROUP BY poll_id, choice UNION ALL SELECT 1, poll_id, -1, COUNT(DISTINCT account_id) \
         FROM poll_votes WHERE poll_id IN (",
    );
    sql.ints(&ids).push(") GROUP BY poll_id");
    if let Some(v) = viewer {
        sql.push(" UNION ALL SELECT 2, poll_id, choice, 1 FROM poll_votes WHERE account_id = ")
            .int(v)
            .push(" AND poll_id IN (")
            .ints(&ids)
            .push(")");
    }
    let tallies: Vec<(i64, i64, i64, i64)> = sql.fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let options: Vec<String> = serde_json::from_str(&r.options).unwrap_or_default();
            let mut counts: Vec<i64> = r
                .remote_counts
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok())
                .unwrap_or_default();
            counts.resize(options.len(), 0);
            let mut voters = r.remote_voters.unwrap_or(0);
            let mut own = viewer.map(|_| Vec::new());
            for (kind, poll, choice, n) in &tallies {
                if *poll != r.id {
                    continue;
                }
                match (kind, usize::try_from(*choice)) {
                    (0, Ok(c)) if c < counts.len() => counts[c] += n,
                    (1, _) => voters += n,
                    (2, Ok(c)) => {
                        if let Some(own) = own.as_mut() {
                            own.push(c);
                        }
                    }
                    _ => {}
                }
            }
            PollView {
                id: r.id,
                status_id: r.status_id,
                options,
                multiple: r.multiple != 0,
                hide_totals: r.hide_totals != 0,
                expires_at: r.expires_at,
                counts,
                voters_count: voters,
                own_votes: own,
            }
        })
        .collect())
}

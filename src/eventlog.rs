//! The append-only event log (DESIGN §3): append with an expected stream version, read a
//! stream, read everything after a checkpoint.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use sqlx::Row;

use crate::db::{Conn, is_unique_violation};
use crate::events::{DecodeError, Event};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub seq: i64,
    pub id: i64,
    pub stream: String,
    pub version: i64,
    pub event: Event,
    pub actor: String,
    pub recorded_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// Somebody else appended to the stream since we read it: load again and retry.
    #[error("stream version conflict")]
    Conflict,
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for AppendError {
    fn from(e: sqlx::Error) -> Self {
        if is_unique_violation(&e) {
            AppendError::Conflict
        } else {
            AppendError::Db(e)
        }
    }
}

/// Who caused an event, as stored in `actor`.
pub fn local_actor(account_id: i64) -> String {
    format!("account:{account_id}")
}
pub const SYSTEM_ACTOR: &str = "system";

const COLUMNS: &str = "seq, id, stream, version, kind, payload, actor, recorded_at";

fn decode_row(row: &sqlx::any::AnyRow) -> Result<Recorded, AppendError> {
    let kind: String = row.try_get("kind")?;
    let payload: String = row.try_get("payload")?;
    Ok(Recorded {
        seq: row.try_get("seq")?,
        id: row.try_get("id")?,
        stream: row.try_get("stream")?,
        version: row.try_get("version")?,
        event: Event::decode(&kind, &payload)?,
        actor: row.try_get("actor")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

/// Every event of one stream, in order.
pub async fn read_stream(conn: &mut Conn, stream: &str) -> Result<Vec<Recorded>, AppendError> {
    let rows = sqlx::query(crate::sqlf!(
        "SELECT {COLUMNS} FROM events WHERE stream = $1 ORDER BY version"
    ))
    .bind(stream)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(decode_row).collect()
}

/// Up to `limit` events after `seq`, in order.
pub async fn read_after(
    conn: &mut Conn,
    seq: i64,
    limit: i64,
) -> Result<Vec<Recorded>, AppendError> {
    let rows = sqlx::query(crate::sqlf!(
        "SELECT {COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2"
    ))
    .bind(seq)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(decode_row).collect()
}

/// The events appended under `dedupe_key`, if any.
pub async fn find_deduped(
    conn: &mut Conn,
    dedupe_key: &str,
) -> Result<Option<Recorded>, AppendError> {
    let row = sqlx::query(crate::sqlf!(
        "SELECT {COLUMNS} FROM events WHERE dedupe_key = $1"
    ))
    .bind(dedupe_key)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(decode_row).transpose()
}

pub async fn head(conn: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>("SELECT last_seq FROM event_log_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await
}

/// Append `events` to `stream`, which must be at `expected_version` (0 for a new stream).
/// The first event carries `dedupe_key`. Must run inside the caller's transaction.
pub async fn append(
    conn: &mut Conn,
    stream: &str,
    expected_version: i64,
    events: &[Event],
    actor: &str,
    dedupe_key: Option<&str>,
) -> Result<Vec<Recorded>, AppendError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
    // Taking the head row first orders all appenders; its lock lasts until commit, so `seq`
    // has no gaps and follows commit order (a rolled-back append gives its numbers back).
    let last: i64 = sqlx::query_scalar(
        "UPDATE event_log_head SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq",
    )
    .bind(count)
    .fetch_one(&mut *conn)
    .await?;
    let first_seq = last - count + 1;
    let recorded_at = crate::time::now_ms();
    let mut out = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let offset = i64::try_from(i).unwrap_or(i64::MAX);
        let recorded = Recorded {
            seq: first_seq + offset,
            id: crate::ids::next_id(),
            stream: stream.to_string(),
            version: expected_version + 1 + offset,
            event: event.clone(),
            actor: actor.to_string(),
            recorded_at,
        };
        let payload = event
            .payload()
            .map_err(|e| AppendError::Db(sqlx::Error::Encode(Box::new(e))))?;
        sqlx::query(
            "INSERT INTO events (seq, id, stream, version, kind, payload, actor, dedupe_key, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(recorded.seq)
        .bind(recorded.id)
        .bind(stream)
        .bind(recorded.version)
        .bind(event.kind())
        .bind(payload)
        .bind(actor)
        .bind(if i == 0 { dedupe_key } else { None })
        .bind(recorded_at)
        .execute(&mut *conn)
        .await?;
        out.push(recorded);
    }
    Ok(out)
}

/// How many recent events [`Recent`] keeps: several batches of every follower.
const RECENT: usize = 2048;

/// The events committed most recently, kept in memory so that the loops following the log
/// (projectors, reactors, streaming) take a fresh batch from here instead of each reading
/// and decoding it from the database again.
///
/// It only ever answers with the unbroken run of events right after the asked position:
/// commands that share a group commit are remembered in whatever order their tasks
/// resume, and other processes append to the same log, so a missing event sends the
/// reader to the database, which is the truth.
#[derive(Default)]
pub struct Recent {
    events: Mutex<BTreeMap<i64, Arc<Recorded>>>,
}

impl Recent {
    /// Keep committed events; only call this once their transaction has committed.
    pub fn remember(&self, committed: impl IntoIterator<Item = Arc<Recorded>>) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        for rec in committed {
            events.insert(rec.seq, rec);
        }
        while events.len() > RECENT {
            events.pop_first();
        }
    }

    /// Up to `limit` events after `seq`, in order: from memory when the event right after
    /// `seq` is there, else from the database (and then remembered for the other readers).
    pub async fn read_after(
        &self,
        conn: &mut Conn,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<Arc<Recorded>>, AppendError> {
        let held = self.run_after(seq, usize::try_from(limit).unwrap_or(0));
        if !held.is_empty() {
            return Ok(held);
        }
        let read: Vec<Arc<Recorded>> = read_after(conn, seq, limit)
            .await?
            .into_iter()
            .map(Arc::new)
            .collect();
        self.remember(read.iter().cloned());
        Ok(read)
    }

    fn run_after(&self, seq: i64, limit: usize) -> Vec<Arc<Recorded>> {
        let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        (seq + 1..)
            .zip(events.range(seq + 1..))
            .take_while(|(next, (at, _))| *at == next)
            .take(limit)
            .map(|(_, (_, rec))| rec.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::AccountRef;

    fn recorded(seq: i64) -> Arc<Recorded> {
        Arc::new(Recorded {
            seq,
            id: seq,
            stream: format!("account:{seq}"),
            version: 1,
            event: Event::AccountApproved(AccountRef { account_id: seq }),
            actor: SYSTEM_ACTOR.into(),
            recorded_at: 0,
        })
    }

    fn seqs(run: &[Arc<Recorded>]) -> Vec<i64> {
        run.iter().map(|r| r.seq).collect()
    }

    #[test]
    fn recent_events_answer_only_an_unbroken_run_after_the_position() {
        let recent = Recent::default();
        // Two commands of one group commit, remembered in the order their tasks resumed.
        recent.remember([recorded(3), recorded(1)]);
        assert_eq!(seqs(&recent.run_after(0, 10)), [1]);
        assert!(
            recent.run_after(1, 10).is_empty(),
            "2 is missing: read the database"
        );
        recent.remember([recorded(2)]);
        assert_eq!(seqs(&recent.run_after(0, 10)), [1, 2, 3]);
        assert_eq!(seqs(&recent.run_after(0, 2)), [1, 2]);
        assert!(recent.run_after(3, 10).is_empty());
    }

    #[test]
    fn recent_events_forget_the_oldest_beyond_their_bound() {
        let recent = Recent::default();
        let total = i64::try_from(RECENT).unwrap() + 10;
        recent.remember((1..=total).map(recorded));
        assert!(recent.run_after(0, 1).is_empty(), "the oldest are gone");
        assert_eq!(seqs(&recent.run_after(total - 2, 10)), [total - 1, total]);
    }
}

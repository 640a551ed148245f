//! Runs the checkpointed projectors: each reads the log after its checkpoint, applies a
//! batch and moves its checkpoint in the same transaction, so a crash repeats nothing and
//! loses nothing.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::db::{Conn, Db};
use crate::eventlog::{self, AppendError, Recent, Recorded};

const BATCH: i64 = 200;

#[derive(Debug, Clone, Copy)]
pub enum Checkpointed {
    HomeFeed,
    Notifications,
}

impl Checkpointed {
    pub const ALL: [Checkpointed; 2] = [Checkpointed::HomeFeed, Checkpointed::Notifications];

    pub fn name(self) -> &'static str {
        match self {
            Checkpointed::HomeFeed => "home_feed",
            Checkpointed::Notifications => "notifications",
        }
    }

    pub async fn apply(self, conn: &mut Conn, rec: &Recorded) -> Result<(), sqlx::Error> {
        match self {
            Checkpointed::HomeFeed => super::home::apply(conn, rec).await,
            Checkpointed::Notifications => super::notifications::apply(conn, rec).await,
        }
    }
}

/// Where a projector stands, creating its checkpoint at 0. The UPDATE takes the row lock on
/// PostgreSQL, so two processes never run the same projector at once.
pub async fn checkpoint(conn: &mut Conn, name: &str) -> Result<i64, sqlx::Error> {
    sqlx::query("INSERT INTO projector_checkpoints (name, seq) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar("UPDATE projector_checkpoints SET seq = seq WHERE name = $1 RETURNING seq")
        .bind(name)
        .fetch_one(&mut *conn)
        .await
}

/// Where a projector or reactor stands (0 before its first run), read without writing:
/// for the look before taking the write turn. On SQLite, a write outside the turn would
/// hold the file's write lock while posts wait in SQLite's busy handler.
pub async fn position(conn: &mut Conn, name: &str) -> Result<i64, sqlx::Error> {
    let seq: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM projector_checkpoints WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(seq.unwrap_or(0))
}

pub async fn set_checkpoint(conn: &mut Conn, name: &str, seq: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE projector_checkpoints SET seq = $2 WHERE name = $1")
        .bind(name)
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Apply one batch to every projector that is behind; the number of events read (0 when
/// all are caught up). The batch is read and decoded once for all of them, and the work
/// joins the commands waiting for the writer, so it shares their commit.
async fn step(db: &Db, recent: &Arc<Recent>) -> Result<usize, AppendError> {
    // Caught up? Seen without the write turn, which posts are waiting for.
    {
        let mut conn = db.pool.acquire().await?;
        let head = eventlog::head(&mut conn).await?;
        let mut behind = false;
        for p in Checkpointed::ALL {
            behind |= position(&mut conn, p.name()).await? < head;
        }
        if !behind {
            return Ok(0);
        }
    }
    let recent = recent.clone();
    db.write(move |tx| {
        Box::pin(async move {
            let mut from = Vec::with_capacity(Checkpointed::ALL.len());
            for p in Checkpointed::ALL {
                from.push((p, checkpoint(tx, p.name()).await?));
            }
            let start = from.iter().map(|(_, seq)| *seq).min().unwrap_or(0);
            let batch = recent.read_after(tx, start, BATCH).await?;
            let Some(last) = batch.last().map(|r| r.seq) else {
                return Ok(0);
            };
            for (projector, seen) in from {
                if seen >= last {
                    continue;
                }
                for rec in batch.iter().filter(|r| r.seq > seen) {
                    projector.apply(tx, rec).await?;
                }
                set_checkpoint(tx, projector.name(), last).await?;
            }
            Ok(batch.len())
        })
    })
    .await
}

/// Run every checkpointed projector until it has seen the whole log.
pub async fn catch_up(db: &Db, recent: &Arc<Recent>) -> Result<usize, AppendError> {
    let mut total = 0;
    loop {
        let n = step(db, recent).await?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

/// Follow the log in the background: woken by `notify` after each commit, and every
/// second in case another process appended. `projected` counts the catch-ups that applied
/// something, for the streams that follow behind.
pub fn spawn(
    db: Db,
    recent: Arc<Recent>,
    notify: Arc<Notify>,
    projected: watch::Sender<u64>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut failures = 0u32;
        loop {
            match catch_up(&db, &recent).await {
                Ok(applied) => {
                    failures = 0;
                    if applied > 0 {
                        projected.send_modify(|n| *n += 1);
                    }
                }
                Err(AppendError::Db(sqlx::Error::PoolClosed)) => return,
                Err(e) => {
                    // Never skip an event: a projector that cannot apply one stops and retries.
                    failures = failures.saturating_add(1);
                    tracing::error!(error = %e, failures, "projector failed; will retry");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(failures.min(50))))
                        .await;
                    continue;
                }
            }
            tokio::select! {
                _ = notify.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    })
}

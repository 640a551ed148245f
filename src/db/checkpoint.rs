//! WAL checkpoints off the write path. SQLite checkpoints inside whichever commit takes the
//! WAL past 1,000 pages, so one command in every few hundred waited for the WAL to be
//! copied into the database file and for its fsync (14 % of a post's profile). The server's
//! writer turns that off, and a thread of its own checkpoints instead.
//!
//! Two steps, because a checkpoint that runs beside a busy writer never catches up: the
//! writer adds frames while it copies, so the WAL is never wholly copied and never starts
//! over, and grows without end. First `PASSIVE`, beside the writer: it copies most of the
//! WAL without stopping anyone. Then, once the WAL is long, the thread takes the writer's
//! turn for the moment it needs to copy the rest (`RESTART`, which also waits for readers
//! still on old frames), so the next commit writes the WAL from its start again, over
//! pages the file already has.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use super::sqlite::SqliteConn;

/// How often the thread looks at the WAL.
const EVERY: Duration = Duration::from_millis(100);

/// A WAL this long (frames of one page, 4 KiB each) is started over.
const RESTART_AT: i64 = 4096;

/// Leave the WAL to the checkpointer: `writer`'s commits no longer checkpoint, and the
/// WAL file is cut back to 64 MiB when it starts over after a burst.
pub fn hand_over(writer: &mut SqliteConn) -> Result<(), sqlx::Error> {
    writer.batch("PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864")
}

/// Stops the thread when the last `Db` holding it is dropped (its sender goes with it).
pub struct Checkpointer {
    _stop: Sender<()>,
}

impl Checkpointer {
    /// Checkpoint the database at `path` on a connection of its own, taking `writer`'s
    /// turn to finish.
    pub fn start(
        path: &str,
        writer: Arc<tokio::sync::Mutex<SqliteConn>>,
    ) -> Result<Checkpointer, sqlx::Error> {
        let mut conn = SqliteConn::open(path)?;
        // Writes wait while `RESTART` waits for readers of old frames: not past this; the
        // next tick tries again.
        conn.batch("PRAGMA busy_timeout = 50")?;
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                loop {
                    let last = match stopped.recv_timeout(EVERY) {
                        Err(RecvTimeoutError::Timeout) | Ok(()) => false,
                        Err(RecvTimeoutError::Disconnected) => true,
                    };
                    // A busy or failed checkpoint is tried again at the next tick; the WAL
                    // only grows meanwhile, and every reader still sees every commit.
                    if let Err(e) = checkpoint(&mut conn, &writer) {
                        tracing::debug!(error = %e, "WAL checkpoint");
                    }
                    if last {
                        break;
                    }
                }
            })
            .map_err(sqlx::Error::Io)?;
        Ok(Checkpointer { _stop: stop })
    }
}

fn checkpoint(
    conn: &mut SqliteConn,
    writer: &tokio::sync::Mutex<SqliteConn>,
) -> Result<(), sqlx::Error> {
    if conn.wal_checkpoint("PASSIVE")? < RESTART_AT {
        return Ok(());
    }
    // Nothing writes while this turn is held, so the copy can finish; SQLite's busy
    // handler waits for readers of older frames.
    let _turn = writer.blocking_lock();
    conn.wal_checkpoint("RESTART")?;
    Ok(())
}

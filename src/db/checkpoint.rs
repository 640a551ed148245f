//! WAL checkpoints off the write path. SQLite checkpoints inside whichever commit takes the
//! WAL past 1,000 pages, so one command in every few hundred waited for the WAL to be
//! copied into the database file and for its fsync (14 % of a post's profile). The server's
//! writer turns that off, and a thread of its own checkpoints instead, `PASSIVE`: it copies
//! what no reader still needs while the writer goes on appending.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use super::sqlite::SqliteConn;

/// How often the thread looks at the WAL.
const EVERY: Duration = Duration::from_millis(200);

/// Stops the thread when the last `Db` holding it is dropped (its sender goes with it).
pub struct Checkpointer {
    _stop: Sender<()>,
}

impl Checkpointer {
    /// Start checkpointing the database at `path` on a connection of its own.
    pub fn start(path: &str) -> Result<Checkpointer, sqlx::Error> {
        let mut conn = SqliteConn::open(path)?;
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
                    if let Err(e) = conn.batch("PRAGMA wal_checkpoint(PASSIVE)") {
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

//! Group commit on SQLite: write transactions that wait for the writer run together in one
//! SQLite transaction, each inside a savepoint of its own (so one that fails undoes only
//! itself), and all are answered after that one commit. A commit writes the transaction's
//! pages to the WAL; sharing it between many commands is most of what makes SQLite fast
//! at many small writes (see docs/performance.md).

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use tokio::sync::oneshot;

use super::sqlite::SqliteConn;
use super::{Conn, WriteTx};

/// Commands run in one transaction at most; the rest wait for the next.
const GROUP: usize = 64;

/// Called once the group's commit is known: `None` when it committed.
type Finish = Box<dyn FnOnce(Option<&sqlx::Error>) + Send>;

/// A write on the writer's connection: whether it succeeded, and how to answer.
type Work = Box<dyn for<'a> FnOnce(&'a mut Conn) -> BoxFuture<'a, (bool, Finish)> + Send>;

/// A type-erased write: `work` runs on the writer and says whether it succeeded and how to
/// answer; `refuse` answers without running it, when the group's transaction cannot begin.
struct Job {
    work: Work,
    refuse: Box<dyn FnOnce(&sqlx::Error) + Send>,
}

/// The one answer a command gets, from whichever of its two ways is taken.
type Answer<T> = Arc<Mutex<Option<oneshot::Sender<T>>>>;

fn send<T>(answer: &Answer<T>, value: T) {
    let slot = match answer.lock() {
        Ok(mut slot) => slot.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    if let Some(sender) = slot {
        let _ = sender.send(value);
    }
}

pub struct Grouped {
    writer: Arc<tokio::sync::Mutex<SqliteConn>>,
    waiting: Mutex<Vec<Job>>,
}

impl Grouped {
    pub fn new(writer: Arc<tokio::sync::Mutex<SqliteConn>>) -> Grouped {
        Grouped {
            writer,
            waiting: Mutex::new(Vec::new()),
        }
    }

    /// Run `work` in a write transaction shared with whoever else is waiting; its result
    /// once the transaction has committed. An error from `work` undoes only its own writes.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
        F: for<'a> FnOnce(&'a mut Conn) -> BoxFuture<'a, Result<T, E>> + Send + 'static,
    {
        let (sender, answered) = oneshot::channel();
        let answer: Answer<Result<T, E>> = Arc::new(Mutex::new(Some(sender)));
        let refused = answer.clone();
        let job = Job {
            work: Box::new(move |conn| {
                Box::pin(async move {
                    let result = work(conn).await;
                    let ok = result.is_ok();
                    let finish: Finish = Box::new(move |commit: Option<&sqlx::Error>| {
                        let result = match commit {
                            None => result,
                            Some(e) => Err(E::from(copy(e))),
                        };
                        send(&answer, result);
                    });
                    (ok, finish)
                })
            }),
            refuse: Box::new(move |e: &sqlx::Error| send(&refused, Err(E::from(copy(e))))),
        };
        self.queue(job);
        // Whoever holds the writer next runs everything queued so far, this job included
        // unless an earlier holder already did.
        let writer = self.writer.clone().lock_owned().await;
        let jobs = self.take();
        if !jobs.is_empty() {
            run(writer, jobs).await;
        } else {
            drop(writer);
        }
        answered.await.map_err(|_| {
            E::from(sqlx::Error::Protocol(
                "the writer stopped before answering".into(),
            ))
        })?
    }

    fn queue(&self, job: Job) {
        match self.waiting.lock() {
            Ok(mut waiting) => waiting.push(job),
            Err(poisoned) => poisoned.into_inner().push(job),
        }
    }

    fn take(&self) -> Vec<Job> {
        let mut waiting = match self.waiting.lock() {
            Ok(waiting) => waiting,
            Err(poisoned) => poisoned.into_inner(),
        };
        let n = waiting.len().min(GROUP);
        waiting.drain(..n).collect()
    }
}

async fn run(writer: tokio::sync::OwnedMutexGuard<SqliteConn>, jobs: Vec<Job>) {
    // A write transaction rolls back if dropped half-way.
    let mut tx = match WriteTx::sqlite(writer) {
        Ok(tx) => tx,
        Err(e) => return jobs.into_iter().for_each(|job| (job.refuse)(&e)),
    };
    let mut finishes = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    while let Some(job) = jobs.next() {
        if let Err(e) = batch(&mut tx, "SAVEPOINT command") {
            (job.refuse)(&e);
            return abandon(tx, finishes, jobs, &e).await;
        }
        let (ok, finish) = (job.work)(&mut tx).await;
        finishes.push(finish);
        let closed = if ok {
            batch(&mut tx, "RELEASE command")
        } else {
            batch(&mut tx, "ROLLBACK TO command; RELEASE command")
        };
        if let Err(e) = closed {
            return abandon(tx, finishes, jobs, &e).await;
        }
    }
    match tx.commit().await {
        Ok(()) => finishes.into_iter().for_each(|f| f(None)),
        Err(e) => finishes.into_iter().for_each(|f| f(Some(&e))),
    }
}

/// Roll the whole group back and tell every command why.
async fn abandon(
    tx: WriteTx,
    finishes: Vec<Finish>,
    rest: impl Iterator<Item = Job>,
    e: &sqlx::Error,
) {
    let _ = tx.rollback().await;
    finishes.into_iter().for_each(|f| f(Some(e)));
    rest.for_each(|job| (job.refuse)(e));
}

/// The same error again, for each command of a group (sqlx's errors are not `Clone`); a
/// database error keeps its code, so a busy database is still retried.
fn copy(e: &sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::Database(db) => super::sqlite::SqliteError::copy(db.as_ref()),
        other => sqlx::Error::Protocol(format!("the write was not committed: {other}")),
    }
}

fn batch(conn: &mut Conn, sql: &str) -> Result<(), sqlx::Error> {
    match conn {
        Conn::Writer(writer) => writer.batch(sql),
        _ => Err(sqlx::Error::Protocol("not the SQLite writer".into())),
    }
}

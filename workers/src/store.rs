//! The queues' own table in the application's database (`tessera_jobs`), reached through
//! the application's pool: enqueue in batches (one transaction per batch), claim with a
//! lease (a crashed worker's jobs become runnable when the lease runs out), complete,
//! reschedule, fail, and the numbers `tessera admin queues` prints.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::{AnyPool, Row};

use crate::{Queue, QueueError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Result<Engine, QueueError> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(QueueError::Unsupported(format!(
                "no queue backend for `{}`",
                url.split(':').next().unwrap_or(url)
            )))
        }
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Create the table if it is not there (each engine's own id column).
pub async fn setup(pool: &AnyPool, engine: Engine) -> Result<(), QueueError> {
    let id = match engine {
        Engine::Sqlite => "id INTEGER PRIMARY KEY",
        Engine::Postgres => "id BIGSERIAL PRIMARY KEY",
    };
    let ddl = format!(
        "CREATE TABLE IF NOT EXISTS tessera_jobs (\
         {id}, queue TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, \
         attempts BIGINT NOT NULL, run_at BIGINT NOT NULL, lease_until BIGINT, \
         last_error TEXT, created_at BIGINT NOT NULL)"
    );
    sqlx::query(sqlx::AssertSqlSafe(ddl)).execute(pool).await?;
    sqlx::query(
        "CREATE INDEX IF NOT EXISTS tessera_jobs_ready ON tessera_jobs (queue, status, run_at)",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Insert many jobs in one transaction, a multi-row INSERT per 100.
pub async fn enqueue(pool: &AnyPool, queue: Queue, payloads: &[String]) -> Result<(), QueueError> {
    if payloads.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let mut tx = pool.begin().await?;
    for chunk in payloads.chunks(100) {
        let mut sql = String::from(
            "INSERT INTO tessera_jobs (queue, payload, status, attempts, run_at, created_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let n = i * 2;
            sql.push_str(&format!(
                "(${}, ${}, 'pending', 0, {now}, {now})",
                n + 1,
                n + 2
            ));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for payload in chunk {
            q = q.bind(queue.name()).bind(payload.as_str());
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A claimed job.
pub struct Claimed {
    pub id: i64,
    pub payload: String,
    /// Counting this one, from 1.
    pub attempt: u32,
}

/// Claim up to `limit` runnable jobs: pending and due, or running with an expired lease.
pub async fn claim(
    pool: &AnyPool,
    engine: Engine,
    queue: Queue,
    limit: usize,
    lease: Duration,
) -> Result<Vec<Claimed>, QueueError> {
    let now = now_ms();
    let lock = match engine {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE tessera_jobs SET status = 'running', lease_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM tessera_jobs WHERE queue = $2 AND \
         ((status = 'pending' AND run_at <= $3) OR (status = 'running' AND lease_until < $3)) \
         ORDER BY run_at, id LIMIT $4{lock}) RETURNING id, payload, attempts"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now + ms(lease))
        .bind(queue.name())
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(1))
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("id")?,
                payload: r.try_get("payload")?,
                attempt: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(QueueError::from)
}

pub async fn extend_lease(pool: &AnyPool, id: i64, lease: Duration) -> Result<(), QueueError> {
    sqlx::query("UPDATE tessera_jobs SET lease_until = $2 WHERE id = $1 AND status = 'running'")
        .bind(id)
        .bind(now_ms() + ms(lease))
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn complete(pool: &AnyPool, id: i64) -> Result<(), QueueError> {
    sqlx::query("DELETE FROM tessera_jobs WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn reschedule(
    pool: &AnyPool,
    id: i64,
    wait: Duration,
    error: &str,
) -> Result<(), QueueError> {
    sqlx::query(
        "UPDATE tessera_jobs SET status = 'pending', lease_until = NULL, run_at = $2, last_error = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(now_ms() + ms(wait))
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn fail(pool: &AnyPool, id: i64, error: &str) -> Result<(), QueueError> {
    sqlx::query(
        "UPDATE tessera_jobs SET status = 'failed', lease_until = NULL, last_error = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// One queue's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStats {
    pub queue: Queue,
    /// Waiting to run (due or scheduled for later).
    pub pending: i64,
    pub running: i64,
    pub failed: i64,
    /// How long the oldest pending job has been waiting.
    pub oldest_pending_age: Option<Duration>,
}

pub async fn stats(pool: &AnyPool) -> Result<Vec<QueueStats>, QueueError> {
    let rows = sqlx::query(
        "SELECT queue, status, COUNT(*) AS n, MIN(created_at) AS oldest FROM tessera_jobs GROUP BY queue, status",
    )
    .fetch_all(pool)
    .await?;
    let now = now_ms();
    let mut out: Vec<QueueStats> = Queue::ALL
        .iter()
        .map(|q| QueueStats {
            queue: *q,
            pending: 0,
            running: 0,
            failed: 0,
            oldest_pending_age: None,
        })
        .collect();
    for r in rows {
        let queue: String = r.try_get("queue")?;
        let status: String = r.try_get("status")?;
        let n: i64 = r.try_get("n")?;
        let oldest: Option<i64> = r.try_get("oldest")?;
        let Some(s) = out.iter_mut().find(|s| s.queue.name() == queue) else {
            continue;
        };
        match status.as_str() {
            "pending" => {
                s.pending = n;
                s.oldest_pending_age =
                    oldest.map(|o| Duration::from_millis(u64::try_from(now - o).unwrap_or(0)));
            }
            "running" => s.running = n,
            "failed" => s.failed = n,
            _ => {}
        }
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct FailedJob {
    pub id: String,
    pub attempts: i64,
    pub last_error: String,
    pub payload: String,
}

pub async fn failed(
    pool: &AnyPool,
    queue: Queue,
    limit: u32,
) -> Result<Vec<FailedJob>, QueueError> {
    let rows = sqlx::query(
        "SELECT id, attempts, last_error, payload FROM tessera_jobs WHERE queue = $1 AND status = 'failed' \
         ORDER BY id DESC LIMIT $2",
    )
    .bind(queue.name())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FailedJob {
                id: r.try_get::<i64, _>("id")?.to_string(),
                attempts: r.try_get("attempts")?,
                last_error: r
                    .try_get::<Option<String>, _>("last_error")?
                    .unwrap_or_default(),
                payload: r.try_get("payload")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(QueueError::from)
}

/// Make failed jobs pending again (one, or all of a queue's), with their attempts reset.
pub async fn retry_failed(
    pool: &AnyPool,
    queue: Queue,
    id: Option<&str>,
) -> Result<u64, QueueError> {
    let now = now_ms();
    let done = match id {
        Some(id) => {
            let id: i64 = id
                .parse()
                .map_err(|_| QueueError::Unsupported(format!("`{id}` is not a job id")))?;
            sqlx::query(
                "UPDATE tessera_jobs SET status = 'pending', attempts = 0, run_at = $3 \
                 WHERE queue = $1 AND status = 'failed' AND id = $2",
            )
            .bind(queue.name())
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE tessera_jobs SET status = 'pending', attempts = 0, run_at = $2 \
                 WHERE queue = $1 AND status = 'failed'",
            )
            .bind(queue.name())
            .bind(now)
            .execute(pool)
            .await?
        }
    };
    Ok(done.rows_affected())
}

//! Where the jobs are kept: one of apalis' storages. Each storage has its own schema,
//! made by apalis' own migrations; on PostgreSQL they record themselves in
//! `apalis._sqlx_migrations`, apart from the application's.

use std::str::FromStr;
use std::time::Duration;

use apalis::prelude::{TaskBuilder, TaskSink};
use apalis_postgres::PostgresStorage;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use futures::stream;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::QueueError;
use crate::jobs::Envelope;

#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    Redis(redis::aio::ConnectionManager),
}

impl Backend {
    pub(crate) async fn connect(url: &str) -> Result<Backend, QueueError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5));
            // One connection: SQLite has one writer, and queue writes waiting in the pool's
            // line beat writers spinning on SQLITE_BUSY (measured: claims of over a second
            // under the inbound benchmark with four). An in-memory database needs one too.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await?;
            SqliteStorage::<()>::migrations().run(&pool).await?;
            plan_for_long_queues(&pool).await?;
            Ok(Backend::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
            let mut migrator = PostgresStorage::<()>::migrations();
            migrator.create_schema("apalis");
            migrator.dangerous_set_table_name("apalis._sqlx_migrations");
            migrator.run(&pool).await?;
            Ok(Backend::Postgres(pool))
        } else if url.starts_with("redis://") || url.starts_with("rediss://") {
            Ok(Backend::Redis(apalis_redis::connect(url).await?))
        } else {
            Err(QueueError::Unsupported(format!(
                "no queue backend for `{}`",
                url.split(':').next().unwrap_or(url)
            )))
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
            Backend::Redis(_) => "redis",
        }
    }

    /// Store jobs under `queue`, each due after its wait. apalis counts no attempts of its
    /// own (`max_attempts` 1): a retry is a new job, so the back-off is kept in storage.
    pub(crate) async fn push<T>(
        &self,
        queue: &str,
        envelopes: Vec<(Envelope<T>, Duration)>,
    ) -> Result<(), QueueError>
    where
        T: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static,
    {
        let tasks = envelopes.into_iter().map(|(envelope, wait)| {
            let task = TaskBuilder::new(envelope).max_attempts(1);
            if wait.is_zero() {
                task.build()
            } else {
                task.run_at_timestamp(due_second(wait)).build()
            }
        });
        let mut tasks = stream::iter(tasks);
        let pushed = match self {
            Backend::Sqlite(pool) => {
                let mut s = SqliteStorage::<Envelope<T>>::new(pool)
                    .with_config(apalis_sqlite::Config::default().queue(queue));
                s.push_all(&mut tasks).await.map_err(|e| e.to_string())
            }
            Backend::Postgres(pool) => {
                let mut s = PostgresStorage::<Envelope<T>>::new(pool)
                    .with_config(apalis_postgres::Config::default().queue(queue));
                s.push_all(&mut tasks).await.map_err(|e| e.to_string())
            }
            Backend::Redis(conn) => {
                let mut s = RedisStorage::<Envelope<T>, _>::new(conn.clone())
                    .with_config(apalis_redis::Config::default().queue(queue));
                s.push_all(&mut tasks).await.map_err(|e| e.to_string())
            }
        };
        pushed.map_err(QueueError::Push)
    }

    /// Store jobs given as their JSON, with no tries.
    pub(crate) async fn push_raw(&self, queue: &str, jobs: &[String]) -> Result<(), QueueError> {
        let envelopes = jobs
            .iter()
            .map(|j| {
                serde_json::from_str::<serde_json::Value>(j)
                    .map(|v| (Envelope::new(v), Duration::ZERO))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if envelopes.is_empty() {
            return Ok(());
        }
        self.push(queue, envelopes).await
    }

    /// Delete stored jobs by id.
    pub(crate) async fn delete(&self, queue: &str, ids: &[String]) -> Result<(), QueueError> {
        match self {
            Backend::Sqlite(pool) => {
                for id in ids {
                    sqlx::query("DELETE FROM Jobs WHERE id = ?1 AND job_type = ?2")
                        .bind(id)
                        .bind(queue)
                        .execute(pool)
                        .await?;
                }
            }
            Backend::Postgres(pool) => {
                sqlx::query("DELETE FROM apalis.jobs WHERE id = ANY($1) AND job_type = $2")
                    .bind(ids)
                    .bind(queue)
                    .execute(pool)
                    .await?;
            }
            Backend::Redis(conn) => {
                crate::inspect::redis_forget(conn.clone(), queue, ids).await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn close(&self) {
        match self {
            Backend::Sqlite(pool) => pool.close().await,
            Backend::Postgres(pool) => pool.close().await,
            Backend::Redis(_) => {}
        }
    }
}

/// Planner statistics for apalis' tables as they are under load: many jobs, an id that
/// picks one, a status or worker that picks a large share. Without statistics SQLite
/// claims and acknowledges jobs through the index on `lock_by` or `status` and reparses
/// the JSON list of ids for every row it passes, so each acknowledgement walks all the
/// jobs the worker ever ran (measured: deliveries fell from 400/s to 90/s as a queue grew
/// to 20,000 jobs). `ANALYZE` on a queue that is empty at start would record the wrong
/// shape, so the figures are written, not measured; `ANALYZE sqlite_schema` loads them.
async fn plan_for_long_queues(pool: &SqlitePool) -> Result<(), QueueError> {
    let mut tx = pool.begin().await?;
    // Creates `sqlite_stat1` if it is missing; the Workers table is always small.
    sqlx::query("ANALYZE Workers").execute(&mut *tx).await?;
    sqlx::query("DELETE FROM sqlite_stat1 WHERE tbl IN ('Jobs', 'Workers')")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES \
         ('Jobs', NULL, '1000000'), \
         ('Jobs', 'sqlite_autoindex_Jobs_1', '1000000 1'), \
         ('Jobs', 'LIdx', '1000000 100000'), \
         ('Jobs', 'idx_jobs_job_type_status_run_at', '1000000 250000 50000 10'), \
         ('Jobs', 'idx_jobs_status_run_at', '1000000 200000 10'), \
         ('Jobs', 'idx_jobs_completed_done_at', '500000 200000 10 10'), \
         ('Jobs', 'idx_jobs_pending', '100000 25000 25000 10 1'), \
         ('Jobs', 'idx_jobs_failed', '1000 250 250 1 1'), \
         ('Jobs', 'idx_jobs_running', '1000 10'), \
         ('Jobs', 'idx_jobs_claimable', '200000 100000 50000'), \
         ('Jobs', 'idx_jobs_idempotency_key', '1000000 250000 1'), \
         ('Workers', NULL, '100'), \
         ('Workers', 'sqlite_autoindex_Workers_1', '100 1'), \
         ('Workers', 'Idx', '100 1'), \
         ('Workers', 'WTIdx', '100 25'), \
         ('Workers', 'LSIdx', '100 1')",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE sqlite_schema").execute(pool).await?;
    Ok(())
}

/// The storages keep whole seconds: round a due time up, so no job runs before its wait
/// (a peer's `Retry-After`) is over.
fn due_second(wait: Duration) -> u64 {
    let due = std::time::SystemTime::now() + wait;
    let since = due
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    since.as_secs() + u64::from(since.subsec_nanos() > 0)
}

//! What an operator asks of the queues — depth, running, failed, oldest job, the failed
//! and retrying jobs themselves — and clearing out finished jobs, read straight from
//! each apalis storage's tables or keys.

use std::time::Duration;

use apalis_redis::Config as RedisConfig;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;

use crate::backend::Backend;
use crate::jobs::Envelope;
use crate::{Queue, QueueError};

/// One queue's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStats {
    pub queue: Queue,
    /// Waiting to run (due, or a retry scheduled for later).
    pub pending: i64,
    pub running: i64,
    pub failed: i64,
    /// How long the oldest waiting job has been stored.
    pub oldest_pending_age: Option<Duration>,
}

/// A job that gave up.
#[derive(Debug, Clone)]
pub struct FailedJob {
    pub id: String,
    /// How many times it ran.
    pub attempts: i64,
    pub last_error: String,
    /// The job, as JSON.
    pub payload: String,
}

/// A job waiting to run again after failing.
#[derive(Debug, Clone)]
pub struct RetryingJob {
    pub id: String,
    pub tries: u32,
    pub last_error: String,
    pub payload: String,
}

/// apalis' job states: a job that gave up is `Killed` (an abort) or `Failed` with no
/// attempts left; one waiting is `Pending` or `Failed` with attempts left.
const FAILED: &str = "(status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts))";
const PENDING: &str = "(status = 'Pending' OR (status = 'Failed' AND attempts < max_attempts))";

/// One query over apalis' jobs table on either SQL engine (`{jobs}` and `$n` adapted), or
/// the Redis branch.
macro_rules! on_jobs_table {
    ($backend:expr, $sql:expr, $fetch:ident [$($bind:expr),*], |$conn:ident| $redis:expr) => {{
        let sql: String = $sql;
        match $backend {
            Backend::Sqlite(pool) => sqlx::query_as(sqlx::AssertSqlSafe(
                sql.replace("{jobs}", "Jobs").replace('$', "?"),
            ))
            $(.bind($bind))*
            .$fetch(pool)
            .await?,
            Backend::Postgres(pool) => {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.replace("{jobs}", "apalis.jobs")))
                    $(.bind($bind))*
                    .$fetch(pool)
                    .await?
            }
            Backend::Redis($conn) => $redis,
        }
    }};
}

/// Job ids are ULIDs, which carry the time they were made.
fn age_of(id: Option<&str>) -> Option<Duration> {
    let made = ulid::Ulid::from_string(id?).ok()?.timestamp_ms();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_millis();
    Some(Duration::from_millis(
        u64::try_from(now.saturating_sub(u128::from(made))).unwrap_or(0),
    ))
}

fn envelope(bytes: &[u8]) -> Option<Envelope<serde_json::Value>> {
    serde_json::from_slice(bytes).ok()
}

/// apalis stores a result as `{"Err": "…"}` or `{"Ok": …}`.
fn error_of(result: Option<&str>) -> String {
    let Some(text) = result else {
        return String::new();
    };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => match &v["Err"] {
            serde_json::Value::String(s) => s.strip_prefix("AbortError: ").unwrap_or(s).to_string(),
            serde_json::Value::Null => text.to_string(),
            other => other.to_string(),
        },
        Err(_) => text.to_string(),
    }
}

pub(crate) async fn stats(
    backend: &Backend,
    queue: Queue,
    key: &str,
) -> Result<QueueStats, QueueError> {
    let sql = format!(
        "SELECT COALESCE(SUM(CASE WHEN {PENDING} THEN 1 ELSE 0 END), 0) AS pending, \
         COALESCE(SUM(CASE WHEN status IN ('Queued', 'Running') THEN 1 ELSE 0 END), 0) AS running, \
         COALESCE(SUM(CASE WHEN {FAILED} THEN 1 ELSE 0 END), 0) AS failed, \
         MIN(CASE WHEN status = 'Pending' THEN id END) AS oldest \
         FROM {{jobs}} WHERE job_type = $1"
    );
    let (pending, running, failed, oldest): (i64, i64, i64, Option<String>) =
        on_jobs_table!(backend, sql, fetch_one[key], |conn| {
            let config = RedisConfig::default().queue(key);
            let mut conn = conn.clone();
            let active: i64 = conn.llen(config.active_jobs_list()).await?;
            let scheduled: i64 = conn.zcard(config.scheduled_jobs_set()).await?;
            let failed: i64 = conn.scard(config.dead_jobs_set()).await?;
            let workers: Vec<String> = conn.zrange(config.workers_set(), 0, -1).await?;
            let mut running = 0i64;
            for w in workers {
                let n: i64 = conn
                    .scard(format!("{}:{w}", config.inflight_jobs_set()))
                    .await?;
                running += n;
            }
            let mut oldest: Option<String> = conn.lindex(config.active_jobs_list(), 0).await?;
            if oldest.is_none() {
                let first: Vec<String> = conn.zrange(config.scheduled_jobs_set(), 0, 0).await?;
                oldest = first.into_iter().next();
            }
            (active + scheduled, running, failed, oldest)
        });
    Ok(QueueStats {
        queue,
        pending,
        running,
        failed,
        oldest_pending_age: age_of(oldest.as_deref()),
    })
}

pub(crate) async fn failed(
    backend: &Backend,
    key: &str,
    limit: u32,
) -> Result<Vec<FailedJob>, QueueError> {
    let limit = i64::from(limit);
    let sql = format!(
        "SELECT id, job, CAST(last_result AS TEXT) FROM {{jobs}} WHERE job_type = $1 AND {FAILED} \
         ORDER BY id DESC LIMIT $2"
    );
    let rows: Vec<(String, Vec<u8>, Option<String>)> = on_jobs_table!(backend, sql, fetch_all[key, limit], |conn| {
        let config = RedisConfig::default().queue(key);
        let mut conn = conn.clone();
        let mut ids: Vec<String> = conn.smembers(config.dead_jobs_set()).await?;
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let mut rows = Vec::new();
        for id in ids {
            let job: Option<Vec<u8>> = conn.hget(config.job_data_hash(), &id).await?;
            let result: Option<String> = conn
                .hget(format!("{}:{id}", config.job_meta_hash()), "result")
                .await?;
            if let Some(job) = job {
                rows.push((id, job, result));
            }
        }
        rows
    });
    Ok(rows
        .into_iter()
        .filter_map(|(id, job, result)| {
            let e = envelope(&job)?;
            Some(FailedJob {
                id,
                attempts: i64::from(e.tries) + 1,
                last_error: error_of(result.as_deref()),
                payload: e.job.to_string(),
            })
        })
        .collect())
}

pub(crate) async fn retrying(
    backend: &Backend,
    key: &str,
    limit: u32,
) -> Result<Vec<RetryingJob>, QueueError> {
    let sql = format!(
        "SELECT id, job FROM {{jobs}} WHERE job_type = $1 AND {PENDING} ORDER BY id LIMIT 10000"
    );
    let jobs: Vec<(String, Vec<u8>)> = on_jobs_table!(backend, sql, fetch_all[key], |conn| {
        let config = RedisConfig::default().queue(key);
        let mut conn = conn.clone();
        let mut ids: Vec<String> = conn.lrange(config.active_jobs_list(), 0, 9999).await?;
        let scheduled: Vec<String> = conn.zrange(config.scheduled_jobs_set(), 0, 9999).await?;
        ids.extend(scheduled);
        let mut jobs = Vec::new();
        for id in ids {
            let job: Option<Vec<u8>> = conn.hget(config.job_data_hash(), &id).await?;
            if let Some(job) = job {
                jobs.push((id, job));
            }
        }
        jobs
    });
    Ok(jobs
        .into_iter()
        .filter_map(|(id, job)| {
            let e = envelope(&job)?;
            (e.tries > 0).then(|| RetryingJob {
                id,
                tries: e.tries,
                last_error: e.last_error.unwrap_or_default(),
                payload: e.job.to_string(),
            })
        })
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect())
}

/// Delete jobs of `key` that finished more than `keep` ago.
pub(crate) async fn clean_up(
    backend: &Backend,
    key: &str,
    keep: Duration,
) -> Result<u64, QueueError> {
    let keep = i64::try_from(keep.as_secs()).unwrap_or(i64::MAX);
    match backend {
        Backend::Sqlite(pool) => {
            let done = sqlx::query(
                "DELETE FROM Jobs WHERE job_type = ?1 AND status = 'Done' \
                 AND done_at < strftime('%s', 'now') - ?2",
            )
            .bind(key)
            .bind(keep)
            .execute(pool)
            .await?;
            Ok(done.rows_affected())
        }
        Backend::Postgres(pool) => {
            let done = sqlx::query(
                "DELETE FROM apalis.jobs WHERE job_type = $1 AND status = 'Done' \
                 AND done_at < now() - ($2::bigint * interval '1 second')",
            )
            .bind(key)
            .bind(keep)
            .execute(pool)
            .await?;
            Ok(done.rows_affected())
        }
        Backend::Redis(conn) => {
            let config = RedisConfig::default().queue(key);
            let mut c = conn.clone();
            let ids: Vec<String> = c.smembers(config.done_jobs_set()).await?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let mut old = Vec::new();
            for id in ids {
                let done_at: Option<u64> = c
                    .hget(format!("{}:{id}", config.job_meta_hash()), "done_at")
                    .await?;
                if done_at.is_none_or(|t| now.saturating_sub(t) > keep.unsigned_abs()) {
                    old.push(id);
                }
            }
            redis_forget(conn.clone(), key, &old).await?;
            Ok(old.len() as u64)
        }
    }
}

/// Remove every trace of the jobs `ids` from a Redis queue.
pub(crate) async fn redis_forget(
    mut conn: ConnectionManager,
    key: &str,
    ids: &[String],
) -> Result<(), QueueError> {
    if ids.is_empty() {
        return Ok(());
    }
    let config = RedisConfig::default().queue(key);
    let mut pipe = redis::pipe();
    pipe.atomic();
    for id in ids {
        pipe.hdel(config.job_data_hash(), id)
            .del(format!("{}:{id}", config.job_meta_hash()))
            .srem(config.dead_jobs_set(), id)
            .srem(config.done_jobs_set(), id);
    }
    pipe.query_async::<()>(&mut conn).await?;
    Ok(())
}

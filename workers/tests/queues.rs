//! The queues on a real database (a temporary SQLite file, or a fresh PostgreSQL database
//! when TESSERA_TEST_DATABASE_URL is set): every job runs once, retries wait and count,
//! failures are kept and can be retried, and a job whose worker died runs again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::{AnyPool, Connection};
use tessera_workers::store::{self, Engine};
use tessera_workers::{
    Executor, Executors, IngressJob, JobOutcome, MailJob, PullJob, PushJob, Queue, QueueOptions,
    Queues, run_workers,
};
use tokio_util::sync::CancellationToken;

struct Db {
    pool: AnyPool,
    engine: Engine,
    _dir: tempfile::TempDir,
    drop_pg: Option<(String, String)>,
}

async fn database() -> Db {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    match std::env::var("TESSERA_TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(base) => {
            let name = format!("tessera_wk_{:x}", rand::random::<u64>());
            let mut admin = sqlx::AnyConnection::connect(&base).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .unwrap();
            let (prefix, _) = base.rsplit_once('/').unwrap();
            let pool = AnyPool::connect(&format!("{prefix}/{name}")).await.unwrap();
            Db {
                pool,
                engine: Engine::Postgres,
                _dir: dir,
                drop_pg: Some((base, name)),
            }
        }
        None => {
            let url = format!("sqlite://{}/q.db?mode=rwc", dir.path().display());
            let pool = sqlx::any::AnyPoolOptions::new()
                .max_connections(4)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::raw_sql("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;")
                            .execute(conn)
                            .await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await
                .unwrap();
            Db {
                pool,
                engine: Engine::Sqlite,
                _dir: dir,
                drop_pg: None,
            }
        }
    }
}

impl Db {
    async fn close(self) {
        self.pool.close().await;
        if let Some((base, name)) = self.drop_pg {
            let mut admin = sqlx::AnyConnection::connect(&base).await.unwrap();
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await;
        }
    }
}

/// Counts runs per inbox, and answers as `script` says for each attempt.
#[derive(Clone, Default)]
struct Counting {
    runs: Arc<Mutex<HashMap<String, Vec<u32>>>>,
    script: Arc<Mutex<HashMap<String, Vec<JobOutcome>>>>,
}

impl Executor<PushJob> for Counting {
    fn run(&self, job: PushJob, attempt: u32) -> impl Future<Output = JobOutcome> + Send {
        self.runs
            .lock()
            .unwrap()
            .entry(job.inbox.clone())
            .or_default()
            .push(attempt);
        let outcome = self
            .script
            .lock()
            .unwrap()
            .get_mut(&job.inbox)
            .and_then(|s| (!s.is_empty()).then(|| s.remove(0)))
            .unwrap_or(JobOutcome::Done);
        async move { outcome }
    }
}

#[derive(Clone)]
struct Never;
impl Executor<PullJob> for Never {
    async fn run(&self, _: PullJob, _: u32) -> JobOutcome {
        JobOutcome::Fail("not expected".into())
    }
}
impl Executor<IngressJob> for Never {
    async fn run(&self, _: IngressJob, _: u32) -> JobOutcome {
        JobOutcome::Fail("not expected".into())
    }
}
impl Executor<MailJob> for Never {
    async fn run(&self, _: MailJob, _: u32) -> JobOutcome {
        JobOutcome::Fail("not expected".into())
    }
}

fn options() -> QueueOptions {
    QueueOptions {
        lease: Duration::from_secs(1),
        poll: Duration::from_millis(20),
        retry_scale: 0.01,
        ..QueueOptions::default()
    }
}

fn start(queues: &Queues, exec: &Counting) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let token = CancellationToken::new();
    let executors = Executors {
        push: exec.clone(),
        pull: Never,
        ingress: Never,
        mail: Never,
    };
    let (q, t) = (queues.clone(), token.clone());
    let handle = tokio::spawn(async move {
        run_workers(q, executors, &[Queue::Push], t).await.unwrap();
    });
    (token, handle)
}

async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out: {what}");
}

fn job(i: usize) -> PushJob {
    PushJob {
        activity_id: format!("https://a.example/activities/{i}"),
        inbox: format!("https://b.example/inbox/{i}"),
    }
}

#[tokio::test]
async fn a_thousand_jobs_enqueued_in_one_batch_each_run_exactly_once() {
    let db = database().await;
    let queues = Queues::new(db.pool.clone(), db.engine, options())
        .await
        .unwrap();
    let jobs: Vec<PushJob> = (0..1000).map(job).collect();
    let t = Instant::now();
    queues.enqueue_push(jobs).await.unwrap();
    eprintln!("enqueued 1000 jobs in {:?} ({:?})", t.elapsed(), db.engine);
    let stats = queues.stats().await.unwrap();
    let push = stats.iter().find(|s| s.queue == Queue::Push).unwrap();
    assert_eq!(push.pending, 1000);
    assert!(push.oldest_pending_age.is_some());

    let exec = Counting::default();
    let (token, handle) = start(&queues, &exec);
    until("all ran", || exec.runs.lock().unwrap().len() == 1000).await;
    token.cancel();
    handle.await.unwrap();
    let once = exec
        .runs
        .lock()
        .unwrap()
        .values()
        .all(|attempts| attempts == &vec![1]);
    assert!(once, "each once, at attempt 1");
    let stats = queues.stats().await.unwrap();
    assert!(
        stats
            .iter()
            .all(|s| s.pending == 0 && s.running == 0 && s.failed == 0),
        "{stats:?}"
    );
    db.close().await;
}

#[tokio::test]
async fn retries_wait_and_count_and_failures_are_kept_until_retried() {
    let db = database().await;
    let queues = Queues::new(db.pool.clone(), db.engine, options())
        .await
        .unwrap();
    let exec = Counting::default();
    let retried = job(1).inbox;
    let failing = job(2).inbox;
    exec.script.lock().unwrap().insert(
        retried.clone(),
        vec![JobOutcome::Retry {
            after: Some(Duration::from_millis(300)),
            reason: "429".into(),
        }],
    );
    exec.script
        .lock()
        .unwrap()
        .insert(failing.clone(), vec![JobOutcome::Fail("410 Gone".into())]);
    queues.enqueue_push(vec![job(1), job(2)]).await.unwrap();
    let started = Instant::now();
    let (token, handle) = start(&queues, &exec);
    until("retried once", || {
        exec.runs
            .lock()
            .unwrap()
            .get(&retried)
            .is_some_and(|r| r.len() == 2)
    })
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "Retry-After was honoured"
    );
    assert_eq!(exec.runs.lock().unwrap()[&retried], vec![1, 2]);

    let failed = queues.failed(Queue::Push, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].last_error, "410 Gone");
    assert!(failed[0].payload.contains("inbox/2"));
    assert_eq!(
        queues
            .retry_failed(Queue::Push, Some(failed[0].id.clone()))
            .await
            .unwrap(),
        1
    );
    until("the failed job ran again", || {
        exec.runs.lock().unwrap()[&failing].len() == 2
    })
    .await;
    token.cancel();
    handle.await.unwrap();
    assert!(queues.failed(Queue::Push, 10).await.unwrap().is_empty());
    db.close().await;
}

#[tokio::test]
async fn a_job_whose_worker_died_runs_again_after_its_lease() {
    let db = database().await;
    let queues = Queues::new(db.pool.clone(), db.engine, options())
        .await
        .unwrap();
    queues.enqueue_push(vec![job(7)]).await.unwrap();
    // A worker claims the job and dies without a word.
    let claimed = store::claim(&db.pool, db.engine, Queue::Push, 10, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let running = queues.stats().await.unwrap();
    assert_eq!(
        running
            .iter()
            .find(|s| s.queue == Queue::Push)
            .unwrap()
            .running,
        1
    );
    // Another worker leaves it alone while the lease holds, then runs it.
    assert!(
        store::claim(&db.pool, db.engine, Queue::Push, 10, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty()
    );
    let exec = Counting::default();
    let (token, handle) = start(&queues, &exec);
    until("the orphan ran", || {
        exec.runs.lock().unwrap().contains_key(&job(7).inbox)
    })
    .await;
    token.cancel();
    handle.await.unwrap();
    assert_eq!(
        exec.runs.lock().unwrap()[&job(7).inbox],
        vec![2],
        "its second attempt"
    );
    db.close().await;
}

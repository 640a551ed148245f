//! The queues on each real storage apalis offers: a temporary SQLite file always, a fresh
//! PostgreSQL database when TESSERA_TEST_DATABASE_URL is set, and Redis (under a namespace
//! of its own) when TESSERA_TEST_REDIS_URL is set. Every job runs once, retries wait and
//! count, failures are kept and can be retried, and a job whose worker died runs again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::Connection;
use tessera_workers::{
    Executor, Executors, IngressJob, JobOutcome, MailJob, PullJob, PushJob, Queue, QueueOptions,
    Queues, run_workers,
};
use tokio_util::sync::CancellationToken;

/// Where one test's jobs live, and how to clear it away.
struct Store {
    url: String,
    namespace: String,
    _dir: tempfile::TempDir,
    drop_pg: Option<(String, String)>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Every storage this run can reach.
async fn stores() -> Vec<Store> {
    let namespace = format!("tessera-test-{:x}", rand::random::<u64>());
    let sqlite = {
        let dir = tempfile::tempdir().unwrap();
        Store {
            url: format!("sqlite://{}/queues.db", dir.path().display()),
            namespace: namespace.clone(),
            _dir: dir,
            drop_pg: None,
        }
    };
    let mut out = vec![sqlite];
    if let Some(base) = env("TESSERA_TEST_DATABASE_URL") {
        let name = format!("tessera_wk_{:x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let (prefix, _) = base.rsplit_once('/').unwrap();
        out.push(Store {
            url: format!("{prefix}/{name}"),
            namespace: namespace.clone(),
            _dir: tempfile::tempdir().unwrap(),
            drop_pg: Some((base, name)),
        });
    }
    if let Some(url) = env("TESSERA_TEST_REDIS_URL") {
        out.push(Store {
            url,
            namespace,
            _dir: tempfile::tempdir().unwrap(),
            drop_pg: None,
        });
    }
    out
}

impl Store {
    async fn queues(&self) -> Queues {
        Queues::connect(&self.url, options(&self.namespace))
            .await
            .unwrap()
    }

    async fn close(self, queues: Queues) {
        queues.close().await;
        if let Some((base, name)) = self.drop_pg {
            let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
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

fn options(namespace: &str) -> QueueOptions {
    QueueOptions {
        lease: Duration::from_secs(2),
        poll: Duration::from_millis(20),
        retry_scale: 0.01,
        namespace: namespace.to_string(),
        ..QueueOptions::default()
    }
}

fn start<E: Executor<PushJob>>(
    queues: &Queues,
    exec: &E,
) -> (CancellationToken, tokio::task::JoinHandle<()>) {
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
        web_push: None,
    }
}

#[tokio::test]
async fn a_thousand_jobs_enqueued_in_one_batch_each_run_exactly_once() {
    for store in stores().await {
        let queues = store.queues().await;
        let jobs: Vec<PushJob> = (0..1000).map(job).collect();
        let t = Instant::now();
        queues.enqueue_push(jobs).await.unwrap();
        eprintln!(
            "enqueued 1000 jobs in {:?} ({})",
            t.elapsed(),
            queues.backend_name()
        );
        let stats = queues.stats().await.unwrap();
        let push = stats.iter().find(|s| s.queue == Queue::Push).unwrap();
        assert_eq!(push.pending, 1000, "{}", queues.backend_name());
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
        assert!(once, "each once, at attempt 1 ({})", queues.backend_name());
        let stats = queues.stats().await.unwrap();
        assert!(
            stats
                .iter()
                .all(|s| s.pending == 0 && s.running == 0 && s.failed == 0),
            "{stats:?}"
        );
        store.close(queues).await;
    }
}

#[tokio::test]
async fn retries_wait_and_count_and_failures_are_kept_until_retried() {
    for store in stores().await {
        let queues = store.queues().await;
        let name = queues.backend_name();
        let exec = Counting::default();
        let retried = job(1).inbox;
        let failing = job(2).inbox;
        let backed_off = job(3).inbox;
        exec.script.lock().unwrap().insert(
            retried.clone(),
            vec![JobOutcome::Retry {
                after: Some(Duration::from_millis(1500)),
                reason: "429".into(),
            }],
        );
        exec.script
            .lock()
            .unwrap()
            .insert(failing.clone(), vec![JobOutcome::Fail("410 Gone".into())]);
        // Three failures in a row, each waiting the (shrunk) back-off.
        exec.script.lock().unwrap().insert(
            backed_off.clone(),
            (0..3)
                .map(|_| JobOutcome::Retry {
                    after: None,
                    reason: "503".into(),
                })
                .collect(),
        );
        queues
            .enqueue_push(vec![job(1), job(2), job(3)])
            .await
            .unwrap();
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
            started.elapsed() >= Duration::from_secs(1),
            "Retry-After was honoured ({name})"
        );
        assert_eq!(exec.runs.lock().unwrap()[&retried], vec![1, 2]);
        until("the backed-off job got through", || {
            exec.runs
                .lock()
                .unwrap()
                .get(&backed_off)
                .is_some_and(|r| r.len() == 4)
        })
        .await;
        assert_eq!(exec.runs.lock().unwrap()[&backed_off], vec![1, 2, 3, 4]);

        let failed = queues.failed(Queue::Push, 10).await.unwrap();
        assert_eq!(failed.len(), 1, "{name}");
        assert_eq!(failed[0].last_error, "410 Gone");
        assert!(failed[0].payload.contains("inbox/2"));
        let stats = queues.stats().await.unwrap();
        assert_eq!(stats[0].failed, 1, "{stats:?}");
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
        store.close(queues).await;
    }
}

#[tokio::test]
async fn a_job_waiting_for_its_retry_is_listed_with_its_error() {
    for store in stores().await {
        let queues = store.queues().await;
        let exec = Counting::default();
        exec.script.lock().unwrap().insert(
            job(4).inbox,
            vec![JobOutcome::Retry {
                after: Some(Duration::from_secs(3600)),
                reason: "connection refused".into(),
            }],
        );
        queues.enqueue_push(vec![job(4)]).await.unwrap();
        let (token, handle) = start(&queues, &exec);
        until("it ran once", || {
            exec.runs.lock().unwrap().contains_key(&job(4).inbox)
        })
        .await;
        let mut retrying = Vec::new();
        for _ in 0..100 {
            retrying = queues.retrying(Queue::Push, 10).await.unwrap();
            if !retrying.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        token.cancel();
        handle.await.unwrap();
        assert_eq!(retrying.len(), 1, "{}", queues.backend_name());
        assert_eq!(retrying[0].tries, 1);
        assert_eq!(retrying[0].last_error, "connection refused");
        assert!(retrying[0].payload.contains("inbox/4"));
        store.close(queues).await;
    }
}

/// Hangs in every job, like a worker process that died mid-delivery.
#[derive(Clone, Default)]
struct Hanging {
    started: Arc<Mutex<u32>>,
}

impl Executor<PushJob> for Hanging {
    fn run(&self, _: PushJob, _: u32) -> impl Future<Output = JobOutcome> + Send {
        *self.started.lock().unwrap() += 1;
        std::future::pending()
    }
}

#[tokio::test]
async fn a_job_whose_worker_died_runs_again_after_its_lease() {
    for store in stores().await {
        let queues = store.queues().await;
        queues.enqueue_push(vec![job(7)]).await.unwrap();
        // A worker in a runtime of its own (as good as a process) takes the job and
        // hangs; then the runtime is dropped without a word.
        let hanging = Hanging::default();
        let doomed = tokio::runtime::Runtime::new().unwrap();
        {
            let (url, namespace, hanging) =
                (store.url.clone(), store.namespace.clone(), hanging.clone());
            doomed.spawn(async move {
                let queues = Queues::connect(&url, options(&namespace)).await.unwrap();
                let (_token, handle) = start(&queues, &hanging);
                let _ = handle.await;
            });
        }
        until("the doomed worker took the job", || {
            *hanging.started.lock().unwrap() == 1
        })
        .await;
        doomed.shutdown_background();

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
            vec![1],
            "once, by the living worker ({})",
            queues.backend_name()
        );
        store.close(queues).await;
    }
}

/// apalis' claims and acknowledgements name jobs by id in a JSON list; on SQLite they must
/// find each job through the id index whatever the queue's size, not walk every job of a
/// status or worker (which made deliveries slower as a queue grew).
#[tokio::test]
async fn sqlite_claims_and_acknowledgements_look_jobs_up_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/queues.db", dir.path().display());
    let queues = Queues::connect(&url, options("plan")).await.unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();

    let unknown: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('Jobs', 'Workers') \
         AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(
        unknown.is_empty(),
        "indexes without planner figures: {unknown:?}"
    );

    let plans = [
        // The shape of apalis-sqlite's queries/task/ack.sql.
        "WITH j AS (SELECT value ->> 'task_id' AS task_id, value ->> 'status' AS status \
         FROM json_each(?1)) UPDATE Jobs SET status = j.status FROM j \
         WHERE Jobs.id = j.task_id AND Jobs.lock_by = ?2",
        // The shape of its queries/task/lock.sql.
        "UPDATE Jobs SET status = 'Running', lock_by = ?2 \
         WHERE id IN (SELECT value FROM json_each(?1)) \
         AND (status = 'Queued' OR status = 'Pending' \
         OR (status = 'Failed' AND attempts < max_attempts))",
    ];
    for sql in plans {
        let plan = explain(&mut conn, sql).await;
        assert!(
            plan.iter()
                .any(|step| step.contains("SEARCH Jobs USING INDEX sqlite_autoindex_Jobs_1 (id=?)")),
            "{sql}\n{plan:#?}"
        );
    }
    queues.close().await;
}

async fn explain(conn: &mut sqlx::SqliteConnection, sql: &str) -> Vec<String> {
    use sqlx::Row;
    sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
        .fetch_all(conn)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>(3))
        .collect()
}

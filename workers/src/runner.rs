//! Running jobs: per queue, one apalis worker over the queue's storage, running up to the
//! queue's concurrency at once. An idle worker wakes on an enqueue in this process, or
//! polls for other processes' jobs. A worker that stops on a storage error is started
//! again; a worker process that dies has its running jobs re-run by the others once its
//! heartbeats stop (apalis' orphan recovery).

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BoxDynError, Data, WorkerBuilder, WorkerBuilderExt};
use apalis_core::backend::ext::BackendExt;
use apalis_core::backend::ext::poll_strategy::Strategy;
use apalis_core::error::AbortError;
use apalis_postgres::PostgresStorage;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::backend::Backend;
use crate::jobs::{Envelope, IngressJob, Job, MailJob, PullJob, PushJob};
use crate::retry::{gives_up, wait_before_retry};
use crate::{JobOutcome, Queue, QueueError, Queues};

/// Runs one type of job. Implementations clone what they need into the future.
pub trait Executor<J>: Clone + Send + Sync + 'static {
    fn run(&self, job: J, attempt: u32) -> impl Future<Output = JobOutcome> + Send;
}

/// One executor per queue, handed in by the application.
pub struct Executors<P, L, I, M> {
    pub push: P,
    pub pull: L,
    pub ingress: I,
    pub mail: M,
}

/// Run the workers of `which` until `shutdown`; then let running jobs finish.
pub async fn run_workers<P, L, I, M>(
    queues: Queues,
    executors: Executors<P, L, I, M>,
    which: &[Queue],
    shutdown: CancellationToken,
) -> Result<(), QueueError>
where
    P: Executor<PushJob>,
    L: Executor<PullJob>,
    I: Executor<IngressJob>,
    M: Executor<MailJob>,
{
    let o = queues.options().clone();
    let mut loops = Vec::new();
    for q in which {
        let (qs, token) = (queues.clone(), shutdown.clone());
        loops.push(match q {
            Queue::Push => tokio::spawn(keep_working(
                qs,
                executors.push.clone(),
                o.push_concurrency,
                token,
            )),
            Queue::Pull => tokio::spawn(keep_working(
                qs,
                executors.pull.clone(),
                o.pull_concurrency,
                token,
            )),
            Queue::Ingress => tokio::spawn(keep_working(
                qs,
                executors.ingress.clone(),
                o.ingress_concurrency,
                token,
            )),
            Queue::Mail => tokio::spawn(keep_working(
                qs,
                executors.mail.clone(),
                o.mail_concurrency,
                token,
            )),
        });
    }
    loops.push(tokio::spawn(clean_up_finished(
        queues.clone(),
        shutdown.clone(),
    )));
    for l in loops {
        let _ = l.await;
    }
    Ok(())
}

/// What each job of a worker is given.
#[derive(Clone)]
struct Context<E> {
    queues: Queues,
    executor: E,
}

async fn keep_working<J: Job, E: Executor<J>>(
    queues: Queues,
    executor: E,
    concurrency: usize,
    shutdown: CancellationToken,
) {
    let mut failures = 0u32;
    while !shutdown.is_cancelled() {
        let ran = work::<J, E>(&queues, executor.clone(), concurrency, &shutdown).await;
        if shutdown.is_cancelled() {
            break;
        }
        failures = failures.saturating_add(1);
        tracing::warn!(queue = J::QUEUE.name(), error = %ran.err().unwrap_or_default(), "queue worker stopped; starting it again");
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200 * u64::from(failures.min(25)))) => {}
            _ = shutdown.cancelled() => break,
        }
    }
}

/// Wake on this process's enqueues, and poll for other processes'.
fn strategy(wake: Arc<[Notify; 4]>, index: usize, poll: Duration) -> Strategy {
    let wakes = futures::stream::unfold(wake, move |wake| async move {
        wake[index].notified().await;
        Some(((), wake))
    });
    Strategy::new().stream(Box::pin(wakes)).interval(poll)
}

/// One apalis worker for `J`'s queue, until shutdown or a storage error.
async fn work<J: Job, E: Executor<J>>(
    queues: &Queues,
    executor: E,
    concurrency: usize,
    shutdown: &CancellationToken,
) -> Result<(), String> {
    let concurrency = concurrency.max(1);
    let key = queues.key(J::QUEUE);
    // Unique per run: apalis refuses a worker name whose last holder was seen recently.
    let name = format!("{key}-{:016x}", rand::random::<u64>());
    let heartbeat = (queues.options.lease / 2).max(Duration::from_secs(1));
    let strategy = strategy(
        queues.wake.clone(),
        Queues::index(J::QUEUE),
        queues.options.poll,
    );
    let context = Context {
        queues: queues.clone(),
        executor,
    };
    let stop = {
        let token = shutdown.clone();
        async move {
            token.cancelled().await;
            Ok::<(), std::io::Error>(())
        }
    };
    // The storages differ in type but not in how a worker is built over them.
    macro_rules! worker_on {
        ($config:ty, $storage:expr) => {{
            let config = <$config>::default()
                .queue(&key)
                .batch_size(concurrency)
                .heartbeat_interval(heartbeat)
                .missed_heartbeats(2);
            WorkerBuilder::new(name)
                .backend($storage.with_config(config).poll_with_strategy(strategy))
                .concurrency(concurrency)
                .data(context)
                .build(run_one::<J, E>)
                .run_until(stop)
                .await
        }};
    }
    let ran = match &queues.backend {
        Backend::Sqlite(pool) => worker_on!(
            apalis_sqlite::Config,
            SqliteStorage::<Envelope<J>>::new(pool)
        ),
        Backend::Postgres(pool) => worker_on!(
            apalis_postgres::Config,
            PostgresStorage::<Envelope<J>>::new(pool)
        ),
        Backend::Redis(conn) => worker_on!(
            apalis_redis::Config,
            RedisStorage::<Envelope<J>, _>::new(conn.clone())
        ),
    };
    ran.map_err(|e| e.to_string())
}

/// Run one job and turn its outcome into apalis' terms: done is `Ok`; a retry stores the
/// job again, due after the back-off, and is `Ok`; giving up is an abort, which every
/// storage keeps as a failed job.
async fn run_one<J: Job, E: Executor<J>>(
    envelope: Envelope<J>,
    context: Data<Context<E>>,
) -> Result<(), BoxDynError> {
    let attempt = envelope.tries.saturating_add(1);
    let outcome = context.executor.run(envelope.job.clone(), attempt).await;
    match outcome {
        JobOutcome::Done => Ok(()),
        JobOutcome::Retry { reason, .. } if gives_up(attempt) => Err(abort(format!(
            "{reason} (gave up after {attempt} attempts)"
        ))),
        JobOutcome::Retry { after, reason } => {
            let queues = &context.queues;
            let wait = wait_before_retry(
                attempt,
                after,
                queues.options.retry_scale,
                rand::random::<f64>(),
            );
            let again = Envelope {
                job: envelope.job,
                tries: attempt,
                last_error: Some(reason),
            };
            queues
                .push_envelopes(vec![(again, wait)])
                .await
                .map_err(|e| abort(format!("could not store the retry: {e}")))
        }
        JobOutcome::Fail(reason) => Err(abort(reason)),
    }
}

fn abort(reason: String) -> BoxDynError {
    Box::new(AbortError::new(reason))
}

/// Finished jobs are deleted after a while, so the storage does not grow without end.
async fn clean_up_finished(queues: Queues, shutdown: CancellationToken) {
    loop {
        if let Err(e) = queues.clean_up().await {
            tracing::warn!(error = %e, "could not clear finished jobs");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.cancelled() => break,
        }
    }
}

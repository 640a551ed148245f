//! Running jobs: per queue, a loop claims as many due jobs as it has free slots, runs each
//! in its own task while renewing its lease, and records the outcome. Idle loops wake on
//! an enqueue in this process, or poll for other processes' jobs.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::jobs::{IngressJob, Job, MailJob, PullJob, PushJob};
use crate::retry::{MAX_ATTEMPTS, RETRY_AFTER_CAP, backoff};
use crate::store::{self, Claimed};
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
            Queue::Push => {
                tokio::spawn(work(qs, executors.push.clone(), o.push_concurrency, token))
            }
            Queue::Pull => {
                tokio::spawn(work(qs, executors.pull.clone(), o.pull_concurrency, token))
            }
            Queue::Ingress => tokio::spawn(work(
                qs,
                executors.ingress.clone(),
                o.ingress_concurrency,
                token,
            )),
            Queue::Mail => {
                tokio::spawn(work(qs, executors.mail.clone(), o.mail_concurrency, token))
            }
        });
    }
    for l in loops {
        let _ = l.await;
    }
    Ok(())
}

async fn work<J: Job, E: Executor<J>>(
    queues: Queues,
    executor: E,
    concurrency: usize,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let lease = queues.options.lease;
    let mut failures = 0u32;
    while !shutdown.is_cancelled() {
        // Wait for a free slot before claiming anything.
        let first = tokio::select! {
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = shutdown.cancelled() => break,
        };
        let free = slots.available_permits() + 1;
        let claimed = {
            let _turn = queues.turn().await;
            store::claim(&queues.pool, queues.engine, J::QUEUE, free, lease).await
        };
        let claimed = match claimed {
            Ok(c) => {
                failures = 0;
                c
            }
            Err(e) => {
                drop(first);
                if matches!(e, QueueError::Db(sqlx::Error::PoolClosed)) {
                    break;
                }
                failures = failures.saturating_add(1);
                tracing::warn!(queue = J::QUEUE.name(), error = %e, "could not claim jobs");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(failures.min(50)))).await;
                continue;
            }
        };
        if claimed.is_empty() {
            drop(first);
            tokio::select! {
                _ = queues.notifier(J::QUEUE).notified() => {}
                _ = tokio::time::sleep(queues.options.poll) => {}
                _ = shutdown.cancelled() => break,
            }
            continue;
        }
        let mut permit = Some(first);
        for job in claimed {
            let slot = match permit.take() {
                Some(p) => p,
                None => match slots.clone().try_acquire_owned() {
                    Ok(p) => p,
                    // Cannot happen (we claimed no more than we had slots); run it anyway.
                    Err(_) => match slots.clone().acquire_owned().await {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                },
            };
            let (queues, executor) = (queues.clone(), executor.clone());
            tokio::spawn(async move {
                run_one::<J, E>(&queues, &executor, job).await;
                drop(slot);
            });
        }
    }
    // Let running jobs finish, for a while; their leases cover a crash here anyway.
    let _ = tokio::time::timeout(
        Duration::from_secs(10),
        slots.acquire_many(u32::try_from(concurrency.max(1)).unwrap_or(1)),
    )
    .await;
}

async fn run_one<J: Job, E: Executor<J>>(queues: &Queues, executor: &E, claimed: Claimed) {
    let pool = &queues.pool;
    let job: J = match serde_json::from_str(&claimed.payload) {
        Ok(j) => j,
        Err(e) => {
            let _turn = queues.turn().await;
            let _ = store::fail(pool, claimed.id, &format!("unreadable job: {e}")).await;
            return;
        }
    };
    let lease = queues.options.lease;
    let heartbeat = {
        let queues = queues.clone();
        let id = claimed.id;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(lease / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                let _turn = queues.turn().await;
                if store::extend_lease(&queues.pool, id, lease).await.is_err() {
                    return;
                }
            }
        })
    };
    let outcome = executor.run(job, claimed.attempt).await;
    heartbeat.abort();
    let _turn = queues.turn().await;
    let recorded = match outcome {
        JobOutcome::Done => store::complete(pool, claimed.id).await,
        JobOutcome::Retry { reason, .. } if claimed.attempt >= MAX_ATTEMPTS => {
            let reason = format!("{reason} (gave up after {} attempts)", claimed.attempt);
            store::fail(pool, claimed.id, &reason).await
        }
        JobOutcome::Retry { after, reason } => {
            let wait = match after {
                Some(a) => a.min(RETRY_AFTER_CAP),
                None => backoff(claimed.attempt, rand::random::<f64>())
                    .mul_f64(queues.options.retry_scale),
            };
            store::reschedule(pool, claimed.id, wait, &reason).await
        }
        JobOutcome::Fail(reason) => store::fail(pool, claimed.id, &reason).await,
    };
    if let Err(e) = recorded {
        // The lease runs out and the job runs again: at-least-once.
        tracing::warn!(queue = J::QUEUE.name(), id = claimed.id, error = %e, "could not record a job's outcome");
    }
}

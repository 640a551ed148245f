//! Tessera's durable job queues: `push`, `pull`, `ingress` and `mail`, on apalis. The jobs
//! live in SQLite (a file beside the application's database), in PostgreSQL (the
//! application's database, schema `apalis`) or in Redis. This crate knows nothing of the
//! application's tables; jobs carry ids, never keys or whole models.

mod backend;
mod inspect;
pub mod jobs;
pub mod retry;
mod runner;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use backend::Backend;
pub use inspect::{FailedJob, QueueStats, RetryingJob};
pub use jobs::{Envelope, IngressJob, Job, MailJob, PullJob, PullPurpose, PushJob, WebPush};
pub use runner::{Executor, Executors, run_workers};

/// What running a job came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    /// Try again: after `after` (a peer's `Retry-After`, capped) or the back-off policy's
    /// wait. After [`retry::MAX_ATTEMPTS`] attempts the job fails with `reason`.
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// Give up now; the job stays listed as failed.
    Fail(String),
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue storage: {0}")]
    Db(#[from] sqlx::Error),
    #[error("queue storage: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("queue storage (Redis): {0}")]
    Redis(#[from] redis::RedisError),
    #[error("queue storage: {0}")]
    Push(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("job payload: {0}")]
    Payload(#[from] serde_json::Error),
}

/// How the workers run.
#[derive(Debug, Clone)]
pub struct QueueOptions {
    /// A worker process silent for this long is presumed dead and its running jobs are
    /// run again by another worker (apalis: two missed heartbeats, at least a second
    /// apart).
    pub lease: Duration,
    /// How often an idle worker looks for jobs enqueued by other processes.
    pub poll: Duration,
    pub push_concurrency: usize,
    pub pull_concurrency: usize,
    pub ingress_concurrency: usize,
    pub mail_concurrency: usize,
    /// Multiplies every back-off wait (1 in production; tests shrink it).
    pub retry_scale: f64,
    /// Prefix of the queues' names on Redis, so several servers can share one.
    pub namespace: String,
    /// Finished jobs are kept this long (for the operator to look at), then deleted.
    pub keep_done: Duration,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(250),
            push_concurrency: 32,
            pull_concurrency: 4,
            ingress_concurrency: 16,
            mail_concurrency: 2,
            retry_scale: 1.0,
            namespace: "tessera".into(),
            keep_done: Duration::from_secs(600),
        }
    }
}

/// The queues: enqueue from anywhere, and the numbers an operator needs. Cheap to clone.
#[derive(Clone)]
pub struct Queues {
    backend: Backend,
    options: QueueOptions,
    /// Wakes this process's idle workers of each queue after an enqueue.
    wake: Arc<[Notify; 4]>,
}

impl Queues {
    /// Open the queues' storage: a `sqlite:` URL (the file is created), a `postgres://` URL
    /// (schema `apalis` is created) or a `redis://` URL. Sets up apalis' tables.
    pub async fn connect(url: &str, options: QueueOptions) -> Result<Queues, QueueError> {
        Ok(Queues {
            backend: Backend::connect(url).await?,
            options,
            wake: Arc::new([Notify::new(), Notify::new(), Notify::new(), Notify::new()]),
        })
    }

    pub fn options(&self) -> &QueueOptions {
        &self.options
    }

    /// `sqlite`, `postgres` or `redis`.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    fn index(queue: Queue) -> usize {
        match queue {
            Queue::Push => 0,
            Queue::Pull => 1,
            Queue::Ingress => 2,
            Queue::Mail => 3,
        }
    }

    fn notifier(&self, queue: Queue) -> &Notify {
        &self.wake[Self::index(queue)]
    }

    /// The queue's name in the storage.
    fn key(&self, queue: Queue) -> String {
        match self.backend {
            Backend::Redis(_) => format!("{}:{}", self.options.namespace, queue.name()),
            _ => queue.name().to_string(),
        }
    }

    /// Enqueue a batch of jobs of one type, in one transaction.
    pub async fn enqueue<J: Job>(&self, jobs: &[J]) -> Result<(), QueueError> {
        let envelopes = jobs
            .iter()
            .map(|j| (Envelope::new(j.clone()), Duration::ZERO))
            .collect();
        self.push_envelopes(envelopes).await
    }

    /// Store jobs, each due after its wait.
    pub(crate) async fn push_envelopes<J: Job>(
        &self,
        envelopes: Vec<(Envelope<J>, Duration)>,
    ) -> Result<(), QueueError> {
        if envelopes.is_empty() {
            return Ok(());
        }
        self.backend.push(&self.key(J::QUEUE), envelopes).await?;
        self.notifier(J::QUEUE).notify_one();
        Ok(())
    }

    pub async fn enqueue_push(&self, jobs: Vec<PushJob>) -> Result<(), QueueError> {
        self.enqueue(&jobs).await
    }
    pub async fn enqueue_pull(&self, jobs: Vec<PullJob>) -> Result<(), QueueError> {
        self.enqueue(&jobs).await
    }
    pub async fn enqueue_ingress(&self, jobs: Vec<IngressJob>) -> Result<(), QueueError> {
        self.enqueue(&jobs).await
    }
    pub async fn enqueue_mail(&self, jobs: Vec<MailJob>) -> Result<(), QueueError> {
        self.enqueue(&jobs).await
    }

    /// Each queue's depth, running, failed and oldest waiting job.
    pub async fn stats(&self) -> Result<Vec<QueueStats>, QueueError> {
        let mut out = Vec::new();
        for q in Queue::ALL {
            out.push(inspect::stats(&self.backend, q, &self.key(q)).await?);
        }
        Ok(out)
    }

    /// Jobs that gave up, newest first.
    pub async fn failed(&self, queue: Queue, limit: u32) -> Result<Vec<FailedJob>, QueueError> {
        inspect::failed(&self.backend, &self.key(queue), limit).await
    }

    /// Jobs waiting for another try after a failure.
    pub async fn retrying(&self, queue: Queue, limit: u32) -> Result<Vec<RetryingJob>, QueueError> {
        inspect::retrying(&self.backend, &self.key(queue), limit).await
    }

    /// Run failed jobs again (one, or all of a queue's), as new jobs with no tries.
    pub async fn retry_failed(&self, queue: Queue, id: Option<String>) -> Result<u64, QueueError> {
        let failed = inspect::failed(&self.backend, &self.key(queue), u32::MAX).await?;
        let chosen: Vec<FailedJob> = failed
            .into_iter()
            .filter(|f| id.as_ref().is_none_or(|id| &f.id == id))
            .collect();
        let payloads = chosen.iter().map(|f| f.payload.clone()).collect::<Vec<_>>();
        self.backend.push_raw(&self.key(queue), &payloads).await?;
        let ids: Vec<String> = chosen.into_iter().map(|f| f.id).collect();
        self.backend.delete(&self.key(queue), &ids).await?;
        self.notifier(queue).notify_one();
        Ok(ids.len() as u64)
    }

    /// Delete jobs finished longer ago than `keep_done`.
    pub async fn clean_up(&self) -> Result<u64, QueueError> {
        let mut n = 0;
        for q in Queue::ALL {
            n += inspect::clean_up(&self.backend, &self.key(q), self.options.keep_done).await?;
        }
        Ok(n)
    }

    pub async fn close(&self) {
        self.backend.close().await;
    }
}

/// The four queues of DESIGN §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Queue {
    Push,
    Pull,
    Ingress,
    Mail,
}

impl Queue {
    pub const ALL: [Queue; 4] = [Queue::Push, Queue::Pull, Queue::Ingress, Queue::Mail];

    pub fn name(self) -> &'static str {
        match self {
            Queue::Push => "push",
            Queue::Pull => "pull",
            Queue::Ingress => "ingress",
            Queue::Mail => "mail",
        }
    }

    /// Parse a comma-separated list such as `push,pull` (for `tessera worker --queues`).
    pub fn parse_list(list: &str) -> Result<Vec<Queue>, UnknownQueue> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                Queue::ALL
                    .into_iter()
                    .find(|q| q.name() == name)
                    .ok_or_else(|| UnknownQueue(name.to_string()))
            })
            .collect()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown queue `{0}` (expected push, pull, ingress or mail)")]
pub struct UnknownQueue(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_lists_parse_and_reject_unknown_names() {
        assert_eq!(
            Queue::parse_list("push, mail").unwrap(),
            vec![Queue::Push, Queue::Mail]
        );
        assert_eq!(
            Queue::parse_list("push,bogus"),
            Err(UnknownQueue("bogus".into()))
        );
    }
}

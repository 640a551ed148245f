//! Tessera's durable job queues: `push`, `pull`, `ingress` and `mail`. This crate knows
//! nothing of the application's tables; jobs carry ids, never keys or whole models.

pub mod jobs;
pub mod retry;
mod runner;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::AnyPool;
use tokio::sync::Notify;

pub use jobs::{IngressJob, Job, MailJob, PullJob, PullPurpose, PushJob};
pub use runner::{Executor, Executors, run_workers};
pub use store::{Engine, FailedJob, QueueStats};

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
    #[error("{0}")]
    Unsupported(String),
    #[error("job payload: {0}")]
    Payload(#[from] serde_json::Error),
}

/// How the workers run.
#[derive(Debug, Clone)]
pub struct QueueOptions {
    /// A running job whose worker stops renewing it for this long is run again.
    pub lease: Duration,
    /// How often an idle worker looks for jobs enqueued by other processes.
    pub poll: Duration,
    pub push_concurrency: usize,
    pub pull_concurrency: usize,
    pub ingress_concurrency: usize,
    pub mail_concurrency: usize,
    /// Multiplies every back-off wait (1 in production; tests shrink it).
    pub retry_scale: f64,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(250),
            push_concurrency: 32,
            pull_concurrency: 4,
            ingress_concurrency: 4,
            mail_concurrency: 2,
            retry_scale: 1.0,
        }
    }
}

/// The queues: enqueue from anywhere, and the numbers an operator needs. Cheap to clone.
#[derive(Clone)]
pub struct Queues {
    pool: AnyPool,
    engine: Engine,
    options: QueueOptions,
    /// Wakes this process's idle workers of each queue after an enqueue.
    wake: Arc<[Notify; 4]>,
    /// On SQLite, the application's write turn: queue writes take it too, so they wait
    /// their turn in order instead of spinning on SQLITE_BUSY.
    gate: Option<Arc<tokio::sync::Mutex<()>>>,
}

impl Queues {
    /// Use the application's pool: the jobs live in its database, in their own table.
    pub async fn new(
        pool: AnyPool,
        engine: Engine,
        options: QueueOptions,
    ) -> Result<Queues, QueueError> {
        store::setup(&pool, engine).await?;
        Ok(Queues {
            pool,
            engine,
            options,
            wake: Arc::new([Notify::new(), Notify::new(), Notify::new(), Notify::new()]),
            gate: None,
        })
    }

    /// Share a write lock with the application (SQLite's one writer).
    pub fn with_write_gate(mut self, gate: Option<Arc<tokio::sync::Mutex<()>>>) -> Queues {
        self.gate = gate;
        self
    }

    /// Wait for a turn to write, when there is a gate.
    pub(crate) async fn turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.gate {
            Some(g) => Some(g.lock().await),
            None => None,
        }
    }

    pub fn options(&self) -> &QueueOptions {
        &self.options
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

    /// Enqueue a batch of jobs of one type, in one transaction.
    pub async fn enqueue<J: Job>(&self, jobs: &[J]) -> Result<(), QueueError> {
        let payloads = jobs
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()?;
        {
            let _turn = self.turn().await;
            store::enqueue(&self.pool, J::QUEUE, &payloads).await?;
        }
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

    pub async fn stats(&self) -> Result<Vec<QueueStats>, QueueError> {
        store::stats(&self.pool).await
    }

    pub async fn failed(&self, queue: Queue, limit: u32) -> Result<Vec<FailedJob>, QueueError> {
        store::failed(&self.pool, queue, limit).await
    }

    pub async fn retry_failed(&self, queue: Queue, id: Option<String>) -> Result<u64, QueueError> {
        let n = {
            let _turn = self.turn().await;
            store::retry_failed(&self.pool, queue, id.as_deref()).await?
        };
        self.notifier(queue).notify_one();
        Ok(n)
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

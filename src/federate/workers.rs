//! The executors the queues run, and starting them: push and mail need no domain
//! knowledge beyond loading what a job names; ingress and pull apply what they receive
//! through the use cases.

use tessera_workers::{
    Executor, Executors, IngressJob, JobOutcome, MailJob, PullJob, PushJob, Queue, QueueOptions,
    Queues,
};
use tokio_util::sync::CancellationToken;

use super::{FedError, deliver, ingress, pull};
use crate::app::App;

#[derive(Clone)]
pub struct Push(pub App);
#[derive(Clone)]
pub struct Pull(pub App);
#[derive(Clone)]
pub struct Ingress(pub App);
#[derive(Clone)]
pub struct Mail(pub App);

impl Executor<PushJob> for Push {
    fn run(&self, job: PushJob, _attempt: u32) -> impl Future<Output = JobOutcome> + Send {
        let app = self.0.clone();
        async move { deliver::push(&app, &job).await }
    }
}

impl Executor<PullJob> for Pull {
    fn run(&self, job: PullJob, _attempt: u32) -> impl Future<Output = JobOutcome> + Send {
        let app = self.0.clone();
        async move { outcome(pull::run(&app, &job).await) }
    }
}

impl Executor<IngressJob> for Ingress {
    fn run(&self, job: IngressJob, _attempt: u32) -> impl Future<Output = JobOutcome> + Send {
        let app = self.0.clone();
        async move {
            let result = ingress::apply(&app, &job).await;
            if let Err(e) = &result {
                tracing::info!(error = %e, actor = %job.key_owner, "inbound activity not applied");
            }
            outcome(result)
        }
    }
}

impl Executor<MailJob> for Mail {
    fn run(&self, job: MailJob, _attempt: u32) -> impl Future<Output = JobOutcome> + Send {
        let app = self.0.clone();
        async move { crate::mail::send(&app, &job).await }
    }
}

fn outcome<T>(result: Result<T, FedError>) -> JobOutcome {
    match result {
        Ok(_) => JobOutcome::Done,
        Err(e) => e.into_outcome(),
    }
}

/// The queues (on Redis when `REDIS_URL` is set, otherwise beside the application's
/// data); given to the app along with the grouped ingress writer.
pub async fn connect(app: &App) -> Result<Queues, FedError> {
    let options = QueueOptions {
        lease: std::time::Duration::from_secs(app.config.queue_lease_secs),
        retry_scale: app.config.queue_retry_scale,
        ..Default::default()
    };
    let queues = open_with(&app.config, options).await?;
    tracing::info!(backend = queues.backend_name(), "queues ready");
    app.federation.set_queues(queues.clone());
    app.federation
        .set_ingress_batcher(super::inbox::IngressBatcher::spawn(app.clone()));
    Ok(queues)
}

/// The queues (for commands that only inspect them).
pub async fn open(config: &crate::config::Config) -> Result<Queues, FedError> {
    open_with(config, QueueOptions::default()).await
}

async fn open_with(
    config: &crate::config::Config,
    options: QueueOptions,
) -> Result<Queues, FedError> {
    let url = queue_url(config);
    // Several servers may share one Redis: each keeps to its own keys.
    let options = QueueOptions {
        namespace: format!("tessera:{}", config.domain),
        ..options
    };
    Queues::connect(&url, options)
        .await
        .map_err(|e| FedError::Internal(format!("queues: {e}")))
}

/// Where the jobs live: Redis if configured; the PostgreSQL database itself (schema
/// `apalis`); or, on SQLite, a file of their own beside the database, so that queue
/// writes never wait for the event log's single writer.
pub fn queue_url(config: &crate::config::Config) -> String {
    if let Some(redis) = &config.redis_url {
        return redis.clone();
    }
    let db = &config.database_url;
    if !db.starts_with("sqlite:") {
        return db.clone();
    }
    let path = db
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return "sqlite::memory:".into();
    }
    let file = std::path::Path::new(path).with_extension("queues.db");
    format!("sqlite://{}", file.display())
}

/// Run the workers for `which` (and the outbox reactor, which feeds `push`) until
/// `shutdown` is cancelled.
pub async fn run(
    app: App,
    queues: Queues,
    which: Vec<Queue>,
    shutdown: CancellationToken,
) -> Result<(), FedError> {
    let reactor = which
        .contains(&Queue::Push)
        .then(|| super::outbox::spawn(app.clone(), app.outbox_wake.clone()));
    let executors = Executors {
        push: Push(app.clone()),
        pull: Pull(app.clone()),
        ingress: Ingress(app.clone()),
        mail: Mail(app.clone()),
    };
    // Scheduled statuses are posted by the processes that run the push queue.
    let publisher = which
        .contains(&Queue::Push)
        .then(|| crate::app::scheduled::spawn_publisher(app.clone()));
    // So are Web Push notifications.
    let web_push = which
        .contains(&Queue::Push)
        .then(|| super::webpush::spawn(app.clone()));
    // And preview cards by those that run the pull queue, which fetches the pages.
    let cards = which
        .contains(&Queue::Pull)
        .then(|| super::cards::spawn(app.clone()));
    let result = tessera_workers::run_workers(queues, executors, &which, shutdown).await;
    if let Some(r) = reactor {
        r.abort();
    }
    for task in [publisher, web_push, cards].into_iter().flatten() {
        task.abort();
    }
    result.map_err(|e| FedError::Internal(format!("workers: {e}")))
}

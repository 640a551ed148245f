//! The executors the queues run, and starting them: push and mail need no domain
//! knowledge beyond loading what a job names; ingress and pull apply what they receive
//! through the use cases.

use tessera_workers::{
    Engine, Executor, Executors, IngressJob, JobOutcome, MailJob, PullJob, PushJob, Queue, Queues,
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

/// The queues, in the application's database; given to the app along with the grouped
/// ingress writer.
pub async fn connect(app: &App) -> Result<Queues, FedError> {
    if app.config.redis_url.is_some() {
        tracing::warn!(
            "REDIS_URL is set, but queues on Redis are not built yet: using the database"
        );
    }
    let options = tessera_workers::QueueOptions {
        lease: std::time::Duration::from_secs(app.config.queue_lease_secs),
        retry_scale: app.config.queue_retry_scale,
        ..Default::default()
    };
    let queues = open_with(&app.db, options).await?;
    app.federation.set_queues(queues.clone());
    app.federation
        .set_ingress_batcher(super::inbox::IngressBatcher::spawn(app.clone()));
    Ok(queues)
}

/// The queues over a database connection (for commands that only inspect them).
pub async fn open(db: &crate::db::Db) -> Result<Queues, FedError> {
    open_with(db, tessera_workers::QueueOptions::default()).await
}

async fn open_with(
    db: &crate::db::Db,
    options: tessera_workers::QueueOptions,
) -> Result<Queues, FedError> {
    let engine = match db.kind {
        crate::db::Kind::Sqlite => Engine::Sqlite,
        crate::db::Kind::Postgres => Engine::Postgres,
    };
    Queues::new(db.pool.clone(), engine, options)
        .await
        .map(|q| q.with_write_gate(db.write_gate()))
        .map_err(|e| FedError::Internal(format!("queues: {e}")))
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
    let result = tessera_workers::run_workers(queues, executors, &which, shutdown).await;
    if let Some(r) = reactor {
        r.abort();
    }
    result.map_err(|e| FedError::Internal(format!("workers: {e}")))
}

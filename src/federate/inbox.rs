//! What happens to a POST at an inbox before it is answered: the signature is checked
//! against the sender's key (fetched, and refetched once after a rotation), the actor must
//! own that key, and the activity is queued for the ingress worker. Writes to the queue
//! are grouped: concurrent requests share one transaction. A remote host is held to its
//! limits of requests and of key fetches (docs/federation.md), answered 429 beyond them.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method};
use tessera_federation::signatures::{self, PendingSignature, PublicKey, RequestView};
use tessera_federation::vocab;
use tessera_workers::IngressJob;
use tokio::sync::{mpsc, oneshot};

use super::actors::{self, ActorRow};
use super::{FedError, health};
use crate::app::App;
use crate::time;

/// A key is refetched after a failed verification at most this often.
const REFETCH_EVERY_MS: i64 = 5 * 60 * 1000;
/// Grouped enqueues: up to this many requests per transaction...
const BATCH_MAX: usize = 256;
/// ...collected for at most this long after the first.
const BATCH_WINDOW: Duration = Duration::from_millis(2);

/// Why an inbox refused a request, with the status to answer.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unavailable(String),
    /// The sender's server is blocked here.
    #[error("{0}")]
    Forbidden(String),
    /// The sender's server is over a limit here, until this has passed.
    #[error("Too many requests")]
    TooManyRequests(Duration),
}

/// Verified and queued: what the handler answers 202 for.
pub enum Received {
    Queued,
    /// A Delete from an actor we never knew and cannot fetch: nothing to do.
    Ignored,
}

/// `from` is the client's address as the rate limiter keys it.
pub async fn receive(
    app: &App,
    from: &str,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Received, InboxError> {
    let pending = inspect(app, method, path_and_query, headers, Some(body))?;
    let doc = vocab::parse_document(body).map_err(|e| InboxError::BadRequest(e.to_string()))?;
    let activity = vocab::activity(&doc).map_err(|e| InboxError::BadRequest(e.to_string()))?;
    if !vocab::same_origin(pending.key_id(), &activity.actor) {
        return Err(InboxError::Unauthorized(
            "the signing key is on another server than the activity's actor".into(),
        ));
    }
    // A host over its limit is refused before any work; only verified requests count
    // against it, so a forged key id cannot spend another server's allowance.
    let host = vocab::origin_of(pending.key_id()).filter(|_| app.config.rate_limits);
    if let Some(host) = &host {
        app.limits
            .inbox_per_host
            .check(host)
            .map_err(InboxError::TooManyRequests)?;
    }
    let Some(signer) = verified_signer(app, from, &pending).await? else {
        // An account deleted at its origin announces it with a key we can no longer fetch.
        if activity.kind == "Delete" && activity.object_id() == Some(activity.actor.as_str()) {
            return Ok(Received::Ignored);
        }
        return Err(InboxError::Unauthorized(
            "could not use the key: it is gone at its origin".into(),
        ));
    };
    if signer.uri != activity.actor {
        return Err(InboxError::Unauthorized(format!(
            "the activity's actor is not the owner of key {}",
            pending.key_id()
        )));
    }
    if let Some(host) = &host {
        app.limits.inbox_per_host.count(host);
    }
    if let Some(domain) = &signer.domain {
        health::signed_request_from(app, domain).await;
    }
    let job = IngressJob {
        body: String::from_utf8_lossy(body).into_owned(),
        key_owner: signer.uri,
        received_at_ms: time::now_ms(),
    };
    enqueue(app, job).await?;
    Ok(Received::Queued)
}

/// Verify; on failure refetch the key once (it may have been rotated), rate-limited per key.
async fn verify_with_refetch(
    app: &App,
    from: &str,
    pending: &PendingSignature,
    signer: ActorRow,
) -> Result<ActorRow, InboxError> {
    let first = PublicKey::from_pem(&signer.public_key_pem)
        .map_err(|e| InboxError::Unauthorized(format!("the actor's key is unusable: {e}")))
        .and_then(|key| {
            pending
                .verify(&key)
                .map_err(|e| InboxError::Unauthorized(format!("Signature: {e}")))
        });
    let Err(failure) = first else {
        return Ok(signer);
    };
    if signer.is_local() {
        return Err(failure);
    }
    // The allowances first: refused, the key may still be refetched once they are over.
    may_fetch_key(app, from, pending.key_id())?;
    if !may_refetch(app, pending.key_id()).await {
        return Err(failure);
    }
    count_key_fetch(app, from, pending.key_id());
    let fresh = actors::refresh(app, &signer.uri)
        .await
        .map_err(|e| InboxError::Unauthorized(format!("could not refetch the key: {e}")))?;
    let key = PublicKey::from_pem(&fresh.public_key_pem)
        .map_err(|e| InboxError::Unauthorized(format!("the actor's key is unusable: {e}")))?;
    pending
        .verify(&key)
        .map_err(|e| InboxError::Unauthorized(format!("Signature: {e}")))?;
    Ok(fresh)
}

/// Are the key's host and the requesting address within their allowances of key
/// fetches? Per address too, because one sender can name a new host in every request (a
/// wildcard DNS name) and so never reach a host's limit.
fn may_fetch_key(app: &App, from: &str, key_id: &str) -> Result<(), InboxError> {
    if !app.config.rate_limits {
        return Ok(());
    }
    let limits = &app.limits;
    limits
        .key_fetches_per_address
        .check(from)
        .map_err(InboxError::TooManyRequests)?;
    match vocab::origin_of(key_id) {
        Some(host) => limits
            .key_fetches_per_host
            .check(&host)
            .map_err(InboxError::TooManyRequests),
        None => Ok(()),
    }
}

/// Count a fetch that [`may_fetch_key`] allowed, once it is really made.
fn count_key_fetch(app: &App, from: &str, key_id: &str) {
    if !app.config.rate_limits {
        return;
    }
    app.limits.key_fetches_per_address.count(from);
    if let Some(host) = vocab::origin_of(key_id) {
        app.limits.key_fetches_per_host.count(&host);
    }
}

/// Has this key not been refetched recently? Records the attempt when it may.
async fn may_refetch(app: &App, key_id: &str) -> bool {
    let now = time::now_ms();
    let result = sqlx::query(
        "INSERT INTO key_refetches (key_id, fetched_at) VALUES ($1, $2) \
         ON CONFLICT (key_id) DO UPDATE SET fetched_at = $2 WHERE key_refetches.fetched_at < $3",
    )
    .bind(key_id)
    .bind(now)
    .bind(now - REFETCH_EVERY_MS)
    .execute(&app.db.pool)
    .await;
    matches!(result, Ok(r) if r.rows_affected() > 0)
}

type Ack = oneshot::Sender<Result<(), String>>;

/// The sending half of the grouped enqueue.
#[derive(Clone)]
pub struct IngressBatcher {
    tx: mpsc::Sender<(IngressJob, Ack)>,
}

impl IngressBatcher {
    /// Start the task that writes queued requests in groups.
    pub fn spawn(app: App) -> IngressBatcher {
        let (tx, mut rx) = mpsc::channel::<(IngressJob, Ack)>(4096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
                while batch.len() < BATCH_MAX {
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(next)) => batch.push(next),
                        _ => break,
                    }
                }
                let (jobs, acks): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                let result = match app.federation.queues() {
                    Ok(q) => q.enqueue_ingress(jobs).await.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                for ack in acks {
                    let _ = ack.send(result.clone());
                }
            }
        });
        IngressBatcher { tx }
    }
}

async fn enqueue(app: &App, job: IngressJob) -> Result<(), InboxError> {
    let unavailable =
        |m: String| InboxError::Unavailable(format!("could not queue the activity: {m}"));
    let batcher = app
        .federation
        .ingress_batcher()
        .ok_or_else(|| unavailable("the queues are not running".into()))?;
    let (ack, done) = oneshot::channel();
    batcher
        .tx
        .send((job, ack))
        .await
        .map_err(|_| unavailable("the queue writer stopped".into()))?;
    done.await
        .map_err(|_| unavailable("the queue writer stopped".into()))?
        .map_err(unavailable)
}

/// With authorized fetch on, who is asking for one of our documents: the signing actor
/// of a GET, verified like an inbox request (without a body).
pub async fn verify_fetch(
    app: &App,
    from: &str,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
) -> Result<ActorRow, InboxError> {
    let pending = inspect(app, method, path_and_query, headers, None)?;
    verified_signer(app, from, &pending).await?.ok_or_else(|| {
        InboxError::Unauthorized("could not use the key: it is gone at its origin".into())
    })
}

/// The request's signature, read and checked for form (Date, Digest, covered parts) but
/// not yet verified.
fn inspect(
    app: &App,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> Result<PendingSignature, InboxError> {
    let target_uri = format!("{}{path_and_query}", app.config.base_url());
    let view = RequestView {
        method,
        target_uri: &target_uri,
        headers,
    };
    signatures::inspect(&view, body, SystemTime::now())
        .map_err(|e| InboxError::Unauthorized(format!("Signature: {e}")))
}

/// The key's owner, once the signature is verified against it (refetching a rotated key
/// once); `None` when the key is gone at its origin (404 or 410). A suspended actor, or
/// one on a blocked server, is refused.
async fn verified_signer(
    app: &App,
    from: &str,
    pending: &PendingSignature,
) -> Result<Option<ActorRow>, InboxError> {
    // Checked before the key is fetched: nothing is asked of a blocked server.
    if let Some(domain) = vocab::origin_of(pending.key_id())
        && app
            .domain_suspended(&domain)
            .await
            .map_err(|e| InboxError::Unavailable(e.to_string()))?
    {
        return Err(InboxError::Forbidden(format!("{domain} is blocked here")));
    }
    let found = match actors::known_key(app, pending.key_id()).await {
        Ok(None) => {
            may_fetch_key(app, from, pending.key_id())?;
            count_key_fetch(app, from, pending.key_id());
            actors::fetch_key(app, pending.key_id()).await
        }
        Ok(Some(row)) => Ok(row),
        Err(e) => Err(e),
    };
    let signer = match found {
        Ok(row) => row,
        Err(FedError::Status {
            status: 404 | 410, ..
        }) => return Ok(None),
        Err(e) if e.is_transient() => {
            return Err(InboxError::Unavailable(format!(
                "could not fetch the key: {e}"
            )));
        }
        Err(e) => {
            return Err(InboxError::Unauthorized(format!(
                "could not use the key: {e}"
            )));
        }
    };
    let signer = verify_with_refetch(app, from, pending, signer).await?;
    if signer.suspended != 0 {
        return Err(InboxError::Unauthorized(
            "this actor is suspended here".into(),
        ));
    }
    Ok(Some(signer))
}
